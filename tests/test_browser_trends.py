"""The Trends page in Chromium, on a phone (390 x 844) and a desk's screen (1280 wide): the
charts fit the width, each followed by its table, exact and for sharing, checked with
axe-core and screenshotted."""

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.queries import connect
from tests.report_world import build_council
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser
YEAR = (
    "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
    "&indicator=living_on_site&sector=nail_bar"
)


@pytest.fixture
def council(app):
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.close()


def charts_fit(page: Page) -> None:
    """Every chart is drawn, no wider than the page, and the page needs no sideways scroll."""
    svgs = page.locator("figure.app-chart svg")
    expect(svgs).to_have_count(4)
    for n in range(4):
        box = svgs.nth(n).bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_reads_the_trends_on_a_phone(page: Page, live_server, council):
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/?{YEAR}")
    page.get_by_role("link", name="Trends: the same measures month by month").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends")
    expect(page.locator("#period-name")).to_have_text("Financial year 2025 to 2026")
    expect(page.locator('#table-visits tr[data-row="2025-10"] td[data-cell="total"]')).to_have_text(
        "2"
    )
    page.locator("#indicator").select_option("living_on_site")
    page.locator("#sector").select_option("nail_bar")
    page.get_by_role("button", name="Show this red flag").click()
    expect(
        page.locator('#table-prevalence tr[data-row="2026-03"] td[data-cell="share"]')
    ).to_have_text("100%")
    charts_fit(page)
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "trends-phone.png"), full_page=True, scale="css")

    page.get_by_role("link", name="Show the version for sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trends: version for sharing")
    expect(
        page.locator('#table-visits tr[data-row="2025-10"] td[data-cell="nail_bar"]')
    ).to_have_text("fewer than 5")
    expect(page.locator("#chart-visits rect[data-hidden]").first).to_be_attached()
    charts_fit(page)
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "trends-phone-shared.png"), full_page=True, scale="css")


def test_the_trends_on_a_wide_screen_and_in_print(browser: Browser, live_server, council):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}/reports/trends?{YEAR}")
        charts_fit(page)
        no_accessibility_problems(page)
        page.screenshot(path=str(SCREENSHOTS / "trends-wide.png"), full_page=True, scale="css")
        page.emulate_media(media="print")
        expect(page.locator("#prevalence-choice")).to_be_hidden()
        charts_fit(page)
        page.screenshot(path=str(SCREENSHOTS / "trends-print.png"), full_page=True, scale="css")
    finally:
        context.close()
