"""An inspector's visit end to end in Chromium at phone size, with the phone's location."""

import pytest
from playwright.sync_api import Browser, expect

from tests.conftest import phone_page
from tests.test_browser_shell import SCREENSHOTS, record_outside_requests, sign_in
from tests.visit_helpers import CLOCK_TOWER, add_premises, jpeg_bytes, offset

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    """A phone standing 20 m from the Clock Tower, with location allowed."""
    page = phone_page(browser, browser_context_args, north_m=20, accuracy=9)
    context = page.context
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.outside = record_outside_requests(page, live_server.url)
    page.console_errors = errors
    yield page
    context.close()


def answer(page, question_id: str, value: str) -> None:
    page.locator(f'input[name="q-{question_id}"][value="{value}"]').check()


def answer_all_no(page) -> None:
    """A thorough visit that found nothing (enough checked to judge); tests then name the
    signs they are about."""
    page.evaluate(
        """document.querySelectorAll('input[type="radio"][value="no"][name^="q-"]')
             .forEach((radio) => radio.click())"""
    )


@pytest.mark.parametrize(
    ("sector", "name", "price_field", "workers_field", "minutes_field", "red_flag"),
    [
        (
            "hand_car_wash",
            "Testford Hand Car Wash",
            "price_basic_wash",
            "workers_per_car",
            "minutes_per_car",
            "id_retained",
        ),
        (
            "nail_bar",
            "Testford Nails",
            "price_manicure",
            "technicians_per_client",
            "minutes_per_treatment",
            "id_retained",
        ),
    ],
)
def test_complete_a_visit_at_phone_size(
    app,
    live_server,
    phone,
    tmp_path,
    sector,
    name,
    price_field,
    workers_field,
    minutes_field,
    red_flag,
):
    add_premises(app, name, sector=sector, at=CLOCK_TOWER)
    add_premises(
        app, "Somewhere Else Nails", sector="nail_bar", at=offset(CLOCK_TOWER, north_m=900)
    )
    page = phone
    sign_in(page, live_server.url, "inspector")
    page.get_by_role("main").get_by_role("link", name="Find premises").click()
    page.get_by_role("button", name="Premises near me").click()
    expect(page.locator("#results li").first).to_contain_text(name)
    expect(page.locator("#results li").first).to_contain_text("20 m away")
    page.screenshot(
        path=str(SCREENSHOTS / f"find-near-me-{sector}.png"), full_page=True, scale="css"
    )
    page.get_by_role("link", name=f"Start visit to {name}").click()

    # The location is captured on arrival and its accuracy shown plainly.
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")
    expect(page.locator("#location-status")).to_contain_text("20 m from where this premises")
    page.screenshot(path=str(SCREENSHOTS / f"visit-form-top-{sector}.png"), scale="css")

    page.locator(f'input[name="q-{price_field}"]').fill("5.00")
    page.locator(f'input[name="q-{workers_field}"]').fill("3")
    page.locator(f'input[name="q-{minutes_field}"]').fill("30")
    expect(page.locator(f'input[name="q-{price_field}"]')).to_have_attribute("inputmode", "decimal")
    answer(page, "cash_only", "yes")
    answer(page, "long_hours", "not_seen")
    answer(page, "language", "no")
    answer(page, red_flag, "yes")
    if sector == "hand_car_wash":
        # A follow-up shows only once its question is answered yes.
        answer(page, "living_on_site", "yes")
        follow_up = page.locator('input[name="q-residents_count"]')
        expect(follow_up).to_be_visible()
        follow_up.fill("4")
    photo = tmp_path / "shop.jpg"
    photo.write_bytes(jpeg_bytes())
    page.locator("#photos").set_input_files(str(photo))
    page.screenshot(
        path=str(SCREENSHOTS / f"visit-form-full-{sector}.png"), full_page=True, scale="css"
    )
    page.get_by_role("button", name="Submit visit").click()

    expect(page.locator(".app-result")).to_contain_text("High concern")
    panel = page.locator(".app-safeguarding")
    expect(panel).to_contain_text("Signs of modern slavery: follow a safeguarding route now")
    expect(panel).to_contain_text("Adult who does not consent: anonymous Duty to Notify")
    expect(panel.get_by_role("link", name="08000 121 700").first).to_be_visible()
    expect(page.get_by_text("3 workers x 30 min at £")).to_be_visible()
    expect(page.get_by_role("link", name="Photo 1")).to_be_visible()
    page.screenshot(
        path=str(SCREENSHOTS / f"visit-result-{sector}.png"), full_page=True, scale="css"
    )

    # Record the referral that was made.
    page.get_by_label("Adult who does not consent: anonymous Duty to Notify").check()
    page.get_by_label("Reference number (optional)").fill("DTN-0001")
    page.locator("#referral-form").get_by_label("Adults").fill("1")
    page.locator("#referral-form").get_by_label("Labour exploitation").check()
    page.get_by_role("button", name="Record referral").click()
    expect(page.locator(".app-referral").first).to_contain_text("DTN-0001")
    # The draft kept on the phone is gone once the server has the visit.
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.includes(':draft:'))")
    assert drafts == []
    assert page.console_errors == []
    assert page.outside == []


def test_answers_survive_a_failed_submit_and_a_closed_tab(app, live_server, phone):
    premises_id = add_premises(app, "Keepsake Car Wash")
    page = phone
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")
    answer_all_no(page)
    answer(page, "cash_only", "yes")
    page.locator('input[name="q-price_basic_wash"]').fill("six")
    page.get_by_label("Anything else (optional)").fill("Back gate padlocked")
    page.get_by_role("button", name="Submit visit").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("enter pounds and pence")
    expect(page.locator('input[name="q-cash_only"][value="yes"]')).to_be_checked()
    page.screenshot(path=str(SCREENSHOTS / "visit-form-error.png"), scale="css")
    # Close the tab and come back: the answers are still on the phone.
    page.goto(f"{live_server.url}/")
    page.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    expect(page.locator("#draft-banner")).to_contain_text("unsent answers")
    expect(page.locator('input[name="q-cash_only"][value="yes"]')).to_be_checked()
    expect(page.get_by_label("Anything else (optional)")).to_have_value("Back gate padlocked")


def test_add_a_new_premises_and_get_the_duplicate_warning(app, live_server, phone):
    add_premises(app, "Sparkle Valet", at=offset(CLOCK_TOWER, north_m=30))
    page = phone
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/new")
    page.get_by_label("Business name").fill("Bubbles Hand Car Wash")
    page.get_by_label("Hand car wash").check()
    page.get_by_label("Street address").fill("2 Test Street, Leicester")
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")
    page.get_by_role("button", name="Add premises").click()
    warning = page.locator("#duplicates")
    expect(warning).to_contain_text("This may already be on the register")
    expect(warning).to_contain_text("Sparkle Valet")
    page.screenshot(
        path=str(SCREENSHOTS / "add-premises-duplicate.png"), full_page=True, scale="css"
    )
    page.get_by_label("This is a different business: add it anyway").check()
    page.get_by_role("button", name="Add premises").click()
    expect(page.get_by_text("Bubbles Hand Car Wash added.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Bubbles Hand Car Wash")


def test_poor_accuracy_asks_for_a_retry_map_or_reason(
    browser, browser_context_args, app, live_server
):
    premises_id = add_premises(app)
    context = browser.new_context(
        **browser_context_args,
        geolocation={"latitude": CLOCK_TOWER[0], "longitude": CLOCK_TOWER[1], "accuracy": 340},
        permissions=["geolocation"],
    )
    page = context.new_page()
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    status = page.locator("#location-status")
    expect(status).to_contain_text("only accurate to 340 m (more than 100 m)")
    answer_all_no(page)
    page.get_by_role("button", name="Submit visit").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("only accurate to 340 m")
    page.screenshot(path=str(SCREENSHOTS / "visit-poor-accuracy.png"), scale="css")
    page.get_by_label("If the location is poor or missing, say why").fill("Basement nail bar")
    page.get_by_role("button", name="Submit visit").click()
    expect(page.locator(".app-result")).to_be_visible()
    context.close()


def test_nothing_answered_is_warned_on_the_phone_then_kept_as_could_not_inspect(
    app, live_server, phone
):
    from fieldapp.submission import TOO_LITTLE_MESSAGE

    premises_id = add_premises(app, "Padlocked Car Wash")
    page = phone
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    expect(page.locator("#location-status")).to_contain_text("accurate to 9 m")
    page.get_by_role("button", name="Submit visit").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(TOO_LITTLE_MESSAGE)
    expect(page.locator("#outcome-warning")).to_be_visible()
    page.get_by_label("No: refused entry").check()
    page.wait_for_timeout(1000)  # GOV.UK's button ignores a second press within a second
    page.get_by_role("button", name="Submit visit").click()
    expect(page.locator("#outcome")).to_contain_text("Could not inspect: Refused entry.")
    expect(page.locator(".app-result .govuk-tag")).to_have_text("Could not inspect")
    assert page.console_errors == []
