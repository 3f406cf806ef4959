"""The Reports page in Chromium, on a phone (390 x 844) and a desk's screen (1280 wide):
choosing dates, the figures, the version for sharing and a mistake, each checked with
axe-core and screenshotted."""

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.queries import connect
from tests.report_world import build_council
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def council(app):
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.close()


def choose_dates(page: Page, start: tuple[str, str, str], end: tuple[str, str, str]) -> None:
    for name, typed in (("from", start), ("to", end)):
        for part, value in zip(("day", "month", "year"), typed, strict=True):
            page.locator(f"#{name}-{part}").fill(value)
    page.get_by_role("button", name="Show figures for these dates").click()


def test_a_coordinator_reads_a_years_figures_on_a_phone(page: Page, live_server, council):
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Scrutiny figures")
    expect(page.get_by_label("This financial year")).to_be_checked()
    choose_dates(page, ("1", "4", "2025"), ("31", "3", "2026"))
    expect(page.locator("#period-name")).to_have_text("Financial year 2025 to 2026")
    visits = page.locator('tr[data-figure="visits"]')
    expect(visits.locator('td[data-cell="current-total"]')).to_have_text("7")
    expect(visits.locator('td[data-cell="previous-total"]')).to_have_text("3")
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "reports-phone.png"), full_page=True, scale="css")

    page.get_by_role("link", name="Show the version for sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Scrutiny figures: version for sharing"
    )
    expect(visits.locator('td[data-cell="current-hand_car_wash"]')).to_have_text("fewer than 5")
    expect(page.locator("#version")).to_contain_text("Counts from 1 to 4 are shown as")
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "reports-phone-shared.png"), full_page=True, scale="css")


def test_a_mistake_in_the_dates_is_explained(page: Page, live_server, council):
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/")
    choose_dates(page, ("31", "2", "2026"), ("", "", ""))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Start date must be a real date")
    expect(summary).to_contain_text("Enter the end date")
    expect(summary).to_be_focused()  # GOV.UK Frontend moves focus to the summary
    expect(page.locator("#from-day")).to_have_value("31")  # as typed, to correct
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "reports-error.png"), full_page=True, scale="css")
    summary.get_by_role("link", name="Start date must be a real date").click()
    expect(page.locator("#from-day")).to_be_focused()


def test_the_figures_on_a_wide_screen(browser: Browser, live_server, council):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "coordinator")
        page.goto(
            f"{live_server.url}/reports/?period=custom&from-day=1&from-month=4&from-year=2025"
            "&to-day=31&to-month=3&to-year=2026"
        )
        table = page.locator("#figures-visits")
        expect(table).to_be_visible()
        # Every column fits: the table needs no sideways scrolling at this width.
        scroll = table.locator("xpath=..")
        assert scroll.evaluate("el => el.scrollWidth <= el.clientWidth")
        no_accessibility_problems(page)
        page.screenshot(path=str(SCREENSHOTS / "reports-wide.png"), full_page=True, scale="css")
    finally:
        context.close()
