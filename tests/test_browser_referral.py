"""The first responder's moment on a phone (390 x 844): a red-flag visit saved offline
becomes its stored result once the signal returns, where the officer records the referral
with its counts and ticks what has happened since."""

import pytest
from playwright.sync_api import expect

from fieldapp.queries import connect
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_offline import phone, prepare, queue_offline  # noqa: F401 (fixture)
from tests.test_browser_shell import SCREENSHOTS
from tests.visit_helpers import add_premises

pytestmark = pytest.mark.browser


def test_offline_red_flag_visit_becomes_the_stored_result_and_takes_a_referral(
    app,
    live_server,
    phone,  # noqa: F811 (the offline tests' phone fixture)
    tmp_path,
):
    premises_id = add_premises(app, "Handoff Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    phone.context.set_offline(False)
    # No reload, no tap: the page opens the stored result once the outbox has sent it.
    phone.wait_for_url("**/visits/*", timeout=20000)
    expect(phone.get_by_role("heading", level=1)).to_contain_text("High concern")
    expect(phone.locator("#referrals")).to_be_visible()

    form = phone.locator("#referral-form")
    form.get_by_label("Adult who consents: NRM referral").check()
    form.get_by_label("Reference number (optional)").fill("John Smith")
    form.get_by_label("Adults").fill("2")
    form.get_by_label("Children").fill("1")
    form.get_by_label("Labour exploitation").check()
    form.locator('input[name="consent_recorded"][value="yes"]').check()
    phone.wait_for_timeout(1000)
    form.get_by_role("button", name="Record referral").click()
    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The reference looks like a person's name")
    no_accessibility_problems(phone, "#referral-form")

    form = phone.locator("#referral-form")
    form.get_by_label("Reference number (optional)").fill("NRM/2026/01234")
    phone.wait_for_timeout(1000)
    form.get_by_role("button", name="Record referral").click()
    record = phone.locator(".app-referral").first
    expect(record).to_contain_text("2 adults, 1 child")
    expect(record).to_contain_text("NRM/2026/01234")
    steps = record.locator('input[name="step"]')
    assert steps.count() >= 1, "the NRM route names its next steps"
    steps.first.check()
    phone.wait_for_timeout(1000)
    record.get_by_role("button", name="Save the next steps").click()
    expect(phone.locator(".govuk-notification-banner--success")).to_contain_text(
        "Next steps updated"
    )
    expect(phone.locator(".app-referral").first.locator('input[name="step"]').first).to_be_checked()
    no_accessibility_problems(phone, "#referrals")
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.locator("#referrals").scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "referral-recorded.png"), full_page=True, scale="css")
    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT adults, children, reference FROM referrals").fetchall() == [
        (2, 1, "NRM/2026/01234")
    ]
    assert db.execute("SELECT count(*) FROM referral_steps WHERE done = 1").fetchone()[0] == 1
    assert phone.errors == []
