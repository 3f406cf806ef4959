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
    no_accessibility_problems(phone)


def test_a_follow_up_question_shows_only_while_its_question_is_answered_yes(
    app, live_server, phone
):
    premises_id = add_premises(app, "Follow Up Wash")
    sign_in(phone, live_server.url, "inspector")
    phone.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    question = phone.locator("#question-living_on_site")
    follow_up = question.get_by_label("How many people appear to live on site?")
    yes = question.get_by_label("Yes", exact=True)
    expect(follow_up).to_be_hidden()
    yes.check()
    expect(follow_up).to_be_visible()
    follow_up.fill("6")
    question.get_by_label("No", exact=True).check()
    expect(follow_up).to_be_hidden()
    question.get_by_label("Not seen").check()
    expect(follow_up).to_be_hidden()
    yes.check()
    expect(follow_up).to_have_value("6")
    # The radio names what it reveals, and never claims to be expanded: ARIA gives a radio
    # no aria-expanded, and axe (run over the whole form above) would report one.
    reveal_id = phone.locator("#conditional-q-living_on_site").get_attribute("id")
    expect(yes).to_have_attribute("aria-controls", reveal_id)
    assert phone.locator("input[type=radio][aria-expanded]").count() == 0
    no_accessibility_problems(phone)
