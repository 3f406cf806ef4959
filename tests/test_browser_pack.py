"""The problem profile pack in Chromium: read on a phone (390 x 844), checked with axe-core,
and printed to an A4 PDF whose text is read back with poppler's pdftotext: the headline
figures, the marks where small numbers are hidden, and the handling marking."""

import shutil
import subprocess

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.queries import connect
from tests.report_world import build_council
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser
YEAR = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"


@pytest.fixture
def council(app):
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.close()


def test_a_coordinator_opens_the_pack_on_a_phone(page: Page, live_server, council):
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/?{YEAR}")
    page.get_by_role("link", name="Problem profile pack").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Problem profile pack")
    expect(page.locator('#headlines tr[data-headline="visits"] td[data-cell="now"]')).to_have_text(
        "7"
    )
    expect(page.get_by_role("button", name="Print or save as PDF")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "pack-phone.png"), full_page=True, scale="css")


def test_the_pack_prints_to_a_marked_pdf(browser: Browser, live_server, council):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}/reports/pack?{YEAR}")
        no_accessibility_problems(page)
        path = SCREENSHOTS / "problem-profile.pdf"
        pdf = page.pdf(path=str(path), format="A4", print_background=True)
        assert pdf.startswith(b"%PDF")
    finally:
        context.close()
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils is not installed")
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")[:-1]
    assert len(pages) >= 6, len(pages)
    # The marking on every page, at its foot, and no menus or buttons on paper.
    for n, words in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in words, f"page {n} is not marked"
        assert f"Page {n} of {len(pages)}" in words, f"page {n} is not numbered"
    assert "Print or save as PDF" not in text and "Sign out" not in text
    first = " ".join(pages[0].split())
    assert "problem profile" in first and "1 April 2025 to 31 March 2026" in first
    headline = next(line for line in text.splitlines() if line.strip().startswith("Visits  "))
    assert headline.split()[1:4] == ["7", "fewer", "than"], headline
    flat = " ".join(text.split())  # table cells wrap over lines
    assert "Change not shown: a small number is hidden" in flat
    assert "fewer than 5" in flat and "hidden" in flat
    assert "Alpha Wash" not in flat
    assert "Hand car wash checklist, version 2" in flat
