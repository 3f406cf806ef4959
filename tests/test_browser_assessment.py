"""The assessment as an officer meets it on a phone (390 x 844): nothing checked, a hazard
alone, and a modern slavery case, each screenshotted and checked with axe-core."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from fieldapp.checklists import load_checklists
from fieldapp.queries import connect
from fieldapp.queries import premises as premises_q
from tests.conftest import phone_page
from tests.factories import record_visit
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.visit_helpers import CLOCK_TOWER, SHIPPED, add_premises, visit_form

pytestmark = pytest.mark.browser

CAR_WASH = load_checklists(SHIPPED)["hand_car_wash"]
FIRST_RESPONDER_ROUTES = (
    "#route-nrm",
    "#route-duty_to_notify",
    "#route-child",
    "#route-police_999",
    "#route-adult_safeguarding",
)
REFERRAL_FORM = "https://www.modernslavery.gov.uk/start"


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    page = phone_page(browser, browser_context_args, north_m=20, accuracy=9)
    yield page
    page.context.close()


# axe-core lists only what fails: the same rules run, but gathering every passing element
# as well took a third of each check's time.
ONLY_VIOLATIONS = {"resultTypes": ["violations"]}


def no_accessibility_problems(page, within: str | None = None) -> None:
    """axe-core finds nothing wrong on the page (or in the part ``within`` names)."""
    results = Axe().run(
        page, context={"include": [[within]]} if within else None, options=ONLY_VIOLATIONS
    )
    problems = [
        f"{v['id']}: {[n['target'] for n in v['nodes']]}" for v in results.response["violations"]
    ]
    assert problems == [], problems


def answer_everything_no(page) -> None:
    for indicator in CAR_WASH.indicators:
        if indicator.answer_type == "yes_no":
            page.locator(f'input[name="q-{indicator.id}"][value="no"]').check()


def start_visit(page, live_server, premises_id) -> None:
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")


def test_an_officer_who_checks_nothing_is_warned_then_records_could_not_inspect(
    app, live_server, phone
):
    premises_id = add_premises(app, "Refused Wash", at=CLOCK_TOWER)
    # Found high with a red flag (ID held) on an earlier visit.
    record_visit(app, premises_id, visit_form(**{"q-id_retained": "yes"}))
    db = connect(app.config["DATABASE"])
    before = premises_q.get(db, premises_id)
    page = phone
    start_visit(page, live_server, premises_id)
    page.get_by_role("button", name="Submit visit").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Too little was checked to judge the risk of exploitation")
    expect(page.locator("#outcome-warning")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "visit-too-little-warning.png"), scale="css")
    summary.get_by_role("link").click()
    expect(page.locator("#outcome_reason")).to_be_focused()
    no_accessibility_problems(page)

    page.get_by_label("No: refused entry").check()
    page.wait_for_timeout(1000)  # GOV.UK's button ignores a second press within a second
    page.get_by_role("button", name="Submit visit").click()
    expect(page.locator("#outcome")).to_contain_text("Could not inspect: Refused entry")
    expect(page.locator(".app-safeguarding")).to_have_count(0)
    page.screenshot(
        path=str(SCREENSHOTS / "visit-could-not-inspect.png"), full_page=True, scale="css"
    )
    no_accessibility_problems(page)

    after = premises_q.get(db, premises_id)
    for column in ("risk_band", "red_flag_count", "last_red_flag_at", "last_visit_at"):
        assert after[column] == before[column], column
    page.goto(f"{live_server.url}/premises/{premises_id}")
    expect(page.locator(".govuk-summary-list").first).to_contain_text("High risk")
    expect(page.locator("tbody")).to_contain_text("Could not inspect")


def test_an_officer_who_records_a_hazard_alone_gets_the_hazard_route_and_no_nrm(
    app, live_server, phone
):
    premises_id = add_premises(app, "Sparks Wash", at=CLOCK_TOWER)
    page = phone
    start_visit(page, live_server, premises_id)
    answer_everything_no(page)
    page.locator('input[name="q-electrical"][value="yes"]').check()
    page.get_by_role("button", name="Submit visit").click()

    expect(page.locator(".app-result")).to_contain_text("Low concern")
    action = page.locator(".app-action--safety")
    expect(action).to_contain_text("Immediate risk: tell the enforcing authority now")
    expect(action).to_contain_text("HSE or the council's health and safety team")
    expect(page.locator(".app-safeguarding")).to_have_count(0)
    for route in FIRST_RESPONDER_ROUTES:
        expect(page.locator(route)).to_have_count(0)
    expect(page.locator("#concern-safety")).to_contain_text("High concern")
    page.screenshot(path=str(SCREENSHOTS / "visit-hazard-only.png"), full_page=True, scale="css")
    no_accessibility_problems(page)


def test_an_officer_who_records_signs_of_modern_slavery_gets_the_nrm_and_duty_to_notify(
    app, live_server, phone
):
    premises_id = add_premises(app, "Held Wash", at=CLOCK_TOWER)
    page = phone
    start_visit(page, live_server, premises_id)
    answer_everything_no(page)
    page.locator('input[name="q-transported"][value="yes"]').check()
    page.locator('input[name="q-fearful"][value="yes"]').check()
    page.get_by_role("button", name="Submit visit").click()

    expect(page.locator(".app-result")).to_contain_text("High concern")
    panel = page.locator(".app-safeguarding")
    expect(panel).to_contain_text("Signs of modern slavery: follow a safeguarding route now")
    expect(panel.locator("#route-nrm")).to_contain_text("Adult who consents: NRM referral")
    expect(panel.locator("#route-duty_to_notify")).to_contain_text("anonymous Duty to Notify")
    expect(page.locator("#concern-slavery")).to_contain_text(
        "Workers seem fearful and another sign of control is present."
    )
    page.screenshot(path=str(SCREENSHOTS / "visit-modern-slavery.png"), full_page=True, scale="css")
    no_accessibility_problems(page)


def tap_targets_are_big_enough(links) -> None:
    """Every link is at least 44 x 44 CSS pixels (WCAG 2.5.5), so a thumb hits the right one."""
    for index in range(links.count()):
        box = links.nth(index).bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, (links.nth(index).inner_text(), box)


def test_the_modern_slavery_routes_show_their_numbers_form_and_next_steps(app, live_server, phone):
    premises_id = add_premises(app, "Ringing Wash", at=CLOCK_TOWER)
    page = phone
    start_visit(page, live_server, premises_id)
    answer_everything_no(page)
    page.locator('input[name="q-id_retained"][value="yes"]').check()
    page.get_by_role("button", name="Submit visit").click()

    panel = page.locator(".app-safeguarding")
    expect(panel).to_contain_text("Signs of modern slavery: follow a safeguarding route now")
    for route in FIRST_RESPONDER_ROUTES:
        expect(panel.locator(route)).to_be_visible()
    adult = panel.locator("#route-adult_safeguarding")
    expect(adult).to_contain_text("raise a safeguarding concern")
    expect(adult.get_by_role("link", name="01632 960003")).to_have_attribute(
        "href", "tel:01632960003"
    )
    expect(adult.locator("#next-steps-adult_safeguarding")).to_contain_text(
        "Safeguarding concern raised with adult social care"
    )
    for route in ("#route-nrm", "#route-duty_to_notify", "#route-child"):
        form = panel.locator(route).get_by_role(
            "link", name="Home Office online referral form (NRM and Duty to Notify)"
        )
        expect(form).to_have_attribute("href", REFERRAL_FORM)
    nrm = panel.locator("#route-nrm")
    expect(nrm.get_by_role("link", name="0800 808 3733")).to_have_attribute(
        "href", "tel:08008083733"
    )
    expect(nrm.locator("#next-steps-nrm li")).to_have_text(
        [
            "Informed consent recorded",
            "NRM referral submitted online",
            "Home Office reference received",
            "The council's modern slavery lead told",
        ]
    )
    tap_targets_are_big_enough(panel.locator(".app-contacts a"))
    # What the officer sees at 390 x 844 when they reach the routes.
    panel.locator("#route-child").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "visit-modern-slavery-routes.png"), scale="css")
    panel.screenshot(path=str(SCREENSHOTS / "visit-modern-slavery-contacts.png"), scale="css")
    no_accessibility_problems(page)
