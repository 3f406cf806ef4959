"""An officer at the door places a premises the import could not, on a phone (390 x 844)."""

import pytest
from playwright.sync_api import Browser, expect

from fieldapp.queries import connect
from tests.conftest import make_app, phone_page
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.visit_helpers import CLOCK_TOWER, add_premises

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def test_an_officer_places_a_premises_where_they_stand(
    browser: Browser, browser_context_args, live_server, app
):
    premises_id = add_premises(app, "Unplaced Wash", at=None)
    page = phone_page(browser, browser_context_args, north_m=20, accuracy=9)
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/{premises_id}")
    page.get_by_role("link", name="Place it on the map").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Place it on the map")
    no_accessibility_problems(page)
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")
    expect(page.get_by_label("Where I am, or where I put a pin")).to_be_checked()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "place-premises.png"), full_page=True, scale="css")
    page.get_by_role("button", name="Save the position").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Unplaced Wash is now placed by a phone's location fix"
    )
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM premises WHERE id = ?", [premises_id]))
    assert row["location_source"] == "gps"
    assert abs(row["latitude"] - CLOCK_TOWER[0]) < 0.001
    page.context.close()
