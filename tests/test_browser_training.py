"""The Training page and recording a course, at phone size (390 x 844), checked with axe-core
and screenshotted."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from fieldapp.queries import connect
from fieldapp.queries import training as training_q
from fieldapp.timeutil import add_months, uk_today
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.test_training import add_officer, trained, user_id

pytestmark = pytest.mark.browser


@pytest.fixture
def officers(app):
    """Ivy in date, Cole overdue, Una untrained."""
    db = connect(app.config["DATABASE"])
    today = uk_today()
    trained(db, user_id(db, "inspector"), (today - timedelta(days=40)).isoformat())
    trained(
        db,
        user_id(db, "coordinator"),
        (add_months(today, -13)).isoformat(),
        course="Local modern slavery awareness",
    )
    una = add_officer(db, "una.untrained")
    db.conn.close()
    return {"una": una}


def test_an_admin_sees_who_is_untrained_and_records_their_training(
    page: Page, app, live_server, officers
):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    sign_in(page, live_server.url, "admin")
    page.get_by_role("link", name="Training", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("First responder training")
    expect(page.locator("#untrained")).to_contain_text("Una Untrained")
    expect(page.locator("#overdue")).to_contain_text("Cole Coordinator")
    expect(page.locator("#trained")).to_contain_text("Ivy Inspector")
    no_accessibility_problems(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "training-list.png"), full_page=True, scale="css")

    page.locator("#untrained").get_by_role("link", name="Una Untrained").click()
    tomorrow = uk_today() + timedelta(days=1)
    page.get_by_label("Day").fill(str(tomorrow.day))
    page.get_by_label("Month").fill(str(tomorrow.month))
    page.get_by_label("Year").fill(str(tomorrow.year))
    page.get_by_label("Another course").check()
    page.get_by_label("Name of the other course").fill("Salvation Army first responder workshop")
    page.get_by_role("button", name="Record training").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Date of the training must be today or in the past")
    # What was typed is kept.
    expect(page.get_by_label("Another course")).to_be_checked()
    expect(page.get_by_label("Name of the other course")).to_have_value(
        "Salvation Army first responder workshop"
    )
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "training-error.png"), full_page=True, scale="css")

    today = uk_today()
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record training").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Training recorded for Una Untrained"
    )
    expect(page.locator("#training-records")).to_contain_text(
        "Salvation Army first responder workshop"
    )
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "training-person.png"), full_page=True, scale="css")
    db = connect(app.config["DATABASE"])
    assert [r["course"] for r in training_q.for_user(db, officers["una"])] == [
        "Salvation Army first responder workshop"
    ]
    db.conn.close()

    page.get_by_role("link", name="Withdraw").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Withdraw a training record")
    no_accessibility_problems(page)
    page.get_by_label("Why is this record wrong?").fill("Una did the e-learning, not this")
    page.get_by_role("button", name="Withdraw the record").click()
    expect(page.locator("#training-records")).to_contain_text("Una did the e-learning, not this")
    expect(page.locator("#latest-training")).to_have_text("No first responder training recorded.")
    # The page with the error summary is answered 400, which Chromium logs; nothing else.
    assert [e for e in errors if "status of 400" not in e] == []
