"""The pages an officer uses on a visit, at phone size (390 x 844): boxes wide enough to
type in and controls big enough to tap."""

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import phone_page
from tests.test_browser_shell import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    page = phone_page(browser, browser_context_args, north_m=20, accuracy=9)
    yield page
    page.context.close()


def test_the_find_premises_search_box_is_wide_enough_to_type_in(live_server, phone):
    sign_in(phone, live_server.url, "inspector")
    phone.goto(f"{live_server.url}/premises")
    box = phone.get_by_label("Search by name, street or postcode")
    expect(box).to_be_visible()
    assert box.bounding_box()["width"] >= 200
    # The Search button stays on the same row, beside the box.
    button = phone.locator(".app-search__row").get_by_role("button", name="Search")
    assert abs(button.bounding_box()["y"] - box.bounding_box()["y"]) < 10
