"""The pages an officer uses on a visit, at phone size (390 x 844): boxes wide enough to
type in and controls big enough to tap."""

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import phone_page
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import sign_in
from tests.visit_helpers import add_premises

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
    no_accessibility_problems(phone)


def too_small(page, locator) -> list[str]:
    """Each visible control under ``locator`` smaller than a 44 x 44 CSS px tap target."""
    small = []
    for i in range(locator.count()):
        control = locator.nth(i)
        if not control.is_visible():
            continue
        box = control.bounding_box()
        if box["width"] < 44 or box["height"] < 44:
            name = control.inner_text().strip() or control.get_attribute("name") or "?"
            small.append(f"{name[:40]}: {box['width']:.0f} x {box['height']:.0f}")
    return small


def test_the_controls_used_on_a_visit_are_big_enough_to_tap(app, live_server, phone):
    premises_id = add_premises(app, "Tap Target Wash")
    sign_in(phone, live_server.url, "inspector")
    phone.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    named = [
        phone.locator("summary", has_text="Add a note").first,
        phone.locator("summary", has_text="What to look for").first,
        phone.get_by_role("button", name="Sign out"),
        phone.get_by_role("button", name="Menu"),
    ]
    for control in named:
        expect(control).to_be_visible()
        box = control.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, (control, box)
    # Everything else an officer taps on the form and in the header, the menu open too
    # (a link inside a sentence is exempt, as WCAG allows).
    phone.get_by_role("button", name="Menu").click()
    controls = "a:not(p a), button, summary, input:not([type=hidden]), select, textarea"
    where = phone.locator(".app-header, .govuk-service-navigation, main")
    assert too_small(phone, where.locator(controls)) == []
    # (The questions themselves are left out: GOV.UK's radios with follow-up questions carry
    # aria-expanded, which axe questions on a radio; nothing to do with their size.)
    for part in (".app-header", ".govuk-service-navigation", ".app-question__extras"):
        no_accessibility_problems(phone, within=part)
