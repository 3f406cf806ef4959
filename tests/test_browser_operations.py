"""A joint operation in Chromium: planned from the map at phone size, briefed, printed on A4."""

import re
import shutil
import subprocess

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser_map import watch
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.test_operations import hazardous as hazardous  # noqa: F401 - the fixture
from tests.test_sites import XSS
from tests.test_sites import register as register  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

# Chromium writes one "/Type /Page" object per page (and one "/Type /Pages" for the tree).
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def test_plan_brief_and_print_an_operation(page: Page, live_server, register, hazardous, tmp_path):
    errors, dialogs, outside = watch(page, live_server.url)
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")

    # The risk map, filtered to flagged sites, offers to plan from them. A hazard alone
    # never flags a site (it is for the enforcing authority, not partners), so the site
    # with hazards is ticked in the list with the two flagged ones.
    page.goto(f"{live_server.url}/sites/map?flagged=1")
    expect(page.locator("#site-count strong")).to_have_text("2")
    expect(page.get_by_role("link", name="Plan an operation from these 2 sites")).to_be_visible()
    page.goto(f"{live_server.url}/sites")
    for name in ("Red Flag Wash", XSS, "Sparks Hand Car Wash"):
        page.get_by_label(f"Choose {name}").check()
    page.get_by_role("button", name="Plan an operation from the ticked sites").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan an operation")
    page.get_by_label("Name of the operation").fill("Operation Aidant Leicester")
    page.get_by_label("Day").fill("27")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("Lead agency").select_option("police")
    page.get_by_label("Gangmasters and Labour Abuse Authority (GLAA)").check()
    page.get_by_label("Fire and rescue service").check()
    page.get_by_label("Briefing notes").fill("Meet 07:30 at Mansfield Street.\nRadio channel 3.")
    # The start: a tap on the map fills the coordinates.
    page.get_by_label("At a point on the map").check()
    page.get_by_role("button", name="Show the map").click()
    start_map = page.locator("#start-map")
    expect(start_map.locator(".leaflet-map-pane")).to_have_count(1)
    start_map.click(position={"x": 60, "y": 200})
    expect(page.get_by_label("Latitude")).not_to_have_value("")
    page.screenshot(path=str(SCREENSHOTS / "operation-plan-form.png"), full_page=True, scale="css")
    page.get_by_role("button", name="Plan the operation").click()

    # The plan: three stops with legs; move one by hand (no JavaScript needed), then re-plan.
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "planned with 3 sites"
    )
    stops = page.locator("#route-list > li")
    expect(stops).to_have_count(3)
    first = stops.nth(0).get_attribute("data-id")
    stops.nth(0).get_by_role("button", name=re.compile("^Down")).click()
    expect(page.get_by_text("Order set by hand")).to_be_visible()
    expect(page.locator("#route-list > li").nth(1)).to_have_attribute("data-id", first)
    page.screenshot(path=str(SCREENSHOTS / "operation-plan-phone.png"), full_page=True, scale="css")
    page.get_by_role("button", name="Re-plan the shortest route").click()
    expect(page.locator("#route-list > li").nth(0)).to_have_attribute("data-id", first)

    # The briefing pack on a phone: numbered markers in visiting order.
    page.get_by_role("button", name="Open the briefing pack").click()
    expect(page.locator("#operation-map[data-ready='3']")).to_have_count(1)
    markers = page.locator("#operation-map .app-stop-marker:not(.app-start-marker)")
    expect(markers).to_have_count(3)
    assert markers.all_text_contents() == ["1", "2", "3"]
    expect(page.locator("#operation-map .app-start-marker")).to_have_text("S")
    expect(page.locator(".app-hazards")).to_contain_text("Electrical danger")
    expect(page.locator(".app-brief-site h2").filter(has_text=XSS)).to_have_count(1)
    wide = page.evaluate(
        "[...document.querySelectorAll('main *:not(.leaflet-container *)')]"
        ".filter(e => e.getBoundingClientRect().right > "
        "document.documentElement.clientWidth + 1).map(e => e.tagName + '.' + e.className)"
    )
    assert wide == [], f"the pack scrolls sideways on a phone: {wide[:5]}"
    page.screenshot(
        path=str(SCREENSHOTS / "operation-brief-phone.png"), full_page=True, scale="css"
    )

    # On paper: A4, no menus, a page for the plan and one per site.
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".app-header")).to_be_hidden()
    assert page.evaluate(
        "getComputedStyle(document.querySelector('#route-table a.govuk-link'), '::after').content"
    ) in ("none", "normal")
    pdf_path = SCREENSHOTS / "operation-brief.pdf"
    pdf = page.pdf(path=str(pdf_path), format="A4", print_background=True)
    pages = len(PAGE_OBJECT.findall(pdf))
    assert pages == 1 + 3, f"expected a plan page and one page per site, got {pages} pages"
    _check_pdf_text(pdf_path, ["Operation Aidant Leicester", *_site_titles(page)])
    _pdf_to_png(pdf_path)

    # After the day: record what was found at the first stop, then read the totals.
    page.emulate_media(media="screen")
    page.locator(".app-brief-site").first.get_by_role("link", name=re.compile("^Record")).click()
    page.get_by_role("radio", name="Yes").check()
    page.get_by_label("Workers spoken to").fill("5")
    page.get_by_label("Potential victims identified").fill("2")
    page.get_by_label("National Referral Mechanism (NRM) referrals").fill("1")
    page.get_by_label("Duty to Notify referrals").fill("1")
    page.get_by_label("Prohibition notice").check()
    page.get_by_label("Short note").fill("Two workers sleeping in the back unit.")
    page.screenshot(
        path=str(SCREENSHOTS / "operation-outcome-form.png"), full_page=True, scale="css"
    )
    page.get_by_role("button", name="Save the outcome").click()
    expect(page.locator('[data-total="potential_victims"] dd')).to_have_text("2")
    page.screenshot(path=str(SCREENSHOTS / "operation-summary.png"), full_page=True, scale="css")
    page.goto(f"{live_server.url}/operations/figures?from=2026-01-01&to=2026-12-31")
    expect(page.locator('[data-q="victims"] dd')).to_have_text("2")
    expect(page.locator('[data-q="nrm"] dd')).to_have_text("1")
    page.screenshot(path=str(SCREENSHOTS / "operation-figures.png"), full_page=True, scale="css")

    assert errors == [] and dialogs == [] and outside == []


def _site_titles(page: Page) -> list[str]:
    sections = page.locator(".app-brief-site")
    return [sections.nth(i).get_attribute("data-name") for i in range(sections.count())]


def _check_pdf_text(pdf_path, page_starts):
    """With poppler's pdftotext (if installed): each page begins with what it should, and no
    link addresses are printed."""
    if not shutil.which("pdftotext"):
        return
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, check=True, text=True
    ).stdout
    pages = text.split("\f")
    for number, expected in enumerate(page_starts):
        top = " ".join(pages[number].split()[:20])
        assert expected in top, (number, expected, top)
    assert "/operations/" not in text and "/premises/" not in text


def _pdf_to_png(pdf_path):
    """With poppler's pdftoppm (if installed): each page as a PNG to look at."""
    if not shutil.which("pdftoppm"):
        return
    for old in SCREENSHOTS.glob("operation-pdf-*.png"):
        old.unlink()
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", str(pdf_path), str(SCREENSHOTS / "operation-pdf")],
        check=True,
    )
