"""The Displacement page in Chromium on a phone (390 x 844): choosing a distance, each site
actioned with what appeared near it, and the version for sharing, checked with axe-core
and screenshotted."""

import pytest
from playwright.sync_api import Page, expect

from fieldapp.queries import connect
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.test_report_displacement import YEAR_ARGS, build_board

pytestmark = pytest.mark.browser


@pytest.fixture
def board(app):
    db = connect(app.config["DATABASE"])
    ids = build_board(db)
    db.conn.close()
    return ids


def fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_coordinator_reads_displacement_on_a_phone(page: Page, live_server, board):
    SCREENSHOTS.mkdir(exist_ok=True)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/reports/?{YEAR_ARGS}")
    page.get_by_role("link", name="Displacement: new premises or first-time high concern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displacement")
    expect(page.locator("#period-name")).to_have_text("Financial year 2025 to 2026")
    expect(page.get_by_role("radio", name="1 km")).to_be_checked()
    site = page.locator(f"#site-{board['A']}")
    expect(site.get_by_role("link", name="F900")).to_be_visible()
    page.get_by_role("radio", name="500 metres").check()
    page.get_by_role("button", name="Show for this distance").click()
    expect(page.locator("#period-dates")).to_contain_text("within 500 metres")
    expect(site.get_by_role("link", name="F900")).to_have_count(0)
    fits(page)
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "displacement-phone.png"), full_page=True, scale="css")

    page.get_by_role("link", name="Show the version for sharing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Displacement: version for sharing")
    nails = page.locator('#displacement-counts tr[data-row="nail_bar"] td[data-cell="anchors"]')
    expect(nails).to_have_text("fewer than 5")
    expect(page.locator("[data-follower]")).to_have_count(0)
    fits(page)
    no_accessibility_problems(page)
    page.screenshot(
        path=str(SCREENSHOTS / "displacement-phone-shared.png"), full_page=True, scale="css"
    )
