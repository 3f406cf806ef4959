"""The Indicator insight page in Chromium, on a phone (390 x 844) and a desk's screen
(1280 wide): each indicator a card on the phone, no sideways scroll, exact and for sharing,
checked with axe-core and screenshotted."""

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.queries import connect
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.test_report_insight import HCW, YEAR_ARGS, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def council(app):
    db = connect(app.config["DATABASE"])
    build_world(db)
    db.conn.close()


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_reads_the_indicator_insight_on_a_phone(page: Page, live_server, council):
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/?{YEAR_ARGS}")
    page.get_by_role("link", name="Indicator insight").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicator insight")
    expect(page.locator("#period-name")).to_have_text("Financial year 2025 to 2026")
    cash = page.locator(f'#indicators-{HCW} tr[data-row="cash_only"]')
    expect(cash.locator('td[data-cell="present"]')).to_have_text("3 (27%)")
    expect(cash.locator('td[data-cell="premises_victims"]')).to_have_text("2 (67%)")
    fits(page)
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "indicators-phone.png"), full_page=True, scale="css")

    page.get_by_role("link", name="Show the version for sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Indicator insight: version for sharing"
    )
    expect(cash.locator('td[data-cell="present"]')).to_have_text("fewer than 5")
    expect(cash.locator('td[data-cell="absent"]')).to_have_text("6")
    fits(page)
    no_accessibility_problems(page)
    page.screenshot(
        path=str(SCREENSHOTS / "indicators-phone-shared.png"), full_page=True, scale="css"
    )


def test_the_indicator_insight_on_a_wide_screen(browser: Browser, live_server, council):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "coordinator")
        page.goto(f"{live_server.url}/reports/indicators?{YEAR_ARGS}")
        expect(page.locator(f"#indicators-{HCW}")).to_be_visible()
        fits(page)
        no_accessibility_problems(page)
        page.screenshot(path=str(SCREENSHOTS / "indicators-wide.png"), full_page=True, scale="css")
    finally:
        context.close()
