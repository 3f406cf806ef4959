"""The shell in a real browser at phone size: sign in as each role and look at home."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import PASSWORD, USERS

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parent.parent / "screenshots"


def sign_in(page: Page, base_url: str, role: str) -> None:
    page.goto(f"{base_url}/sign-in")
    page.get_by_label("Username").fill(USERS[role][0])
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def record_outside_requests(page: Page, base_url: str) -> list[str]:
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith((base_url, "data:")) else outside.append(request.url)
        ),
    )
    return outside


@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner", "admin"])
def test_each_role_signs_in_at_phone_size(page: Page, live_server, role):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    outside = record_outside_requests(page, live_server.url)
    sign_in(page, live_server.url, role)
    expect(page.get_by_role("heading", level=1)).to_contain_text(USERS[role][1])
    expect(page.get_by_test_id("role")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"home-{role}.png"), full_page=True, scale="css")
    # GOV.UK Frontend's JavaScript started (it adds this class to <body>).
    expect(page.locator("body")).to_have_class(
        "govuk-template__body js-enabled govuk-frontend-supported"
    )
    assert errors == []
    assert outside == []


def test_wrong_password_shows_error_summary_and_focuses_it(page: Page, live_server):
    page.goto(f"{live_server.url}/sign-in")
    page.get_by_label("Username").fill("ivy.inspector")
    page.get_by_label("Password", exact=True).fill("not it")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a correct username and password")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "sign-in-error.png"), full_page=True, scale="css")
    # The summary's link moves focus to the field at fault.
    summary.get_by_role("link").click()
    expect(page.get_by_label("Username")).to_be_focused()


def test_sign_out_from_the_header(page: Page, live_server):
    sign_in(page, live_server.url, "admin")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto(f"{live_server.url}/admin/users")
    expect(page).to_have_url(f"{live_server.url}/sign-in?next=/admin/users")


def test_admin_adds_a_user_at_phone_size(page: Page, live_server):
    sign_in(page, live_server.url, "admin")
    page.get_by_role("main").get_by_role("link", name="Users").click()
    page.get_by_role("button", name="Add a user").click()
    page.get_by_label("Full name").fill("Rae Partner")
    page.get_by_label("Username").fill("rae.partner")
    page.get_by_role("radio", name="Partner agency").check()
    page.get_by_label("Agency", exact=True).select_option("fire")
    page.get_by_label("Temporary password").fill("a temporary password")
    page.screenshot(path=str(SCREENSHOTS / "admin-new-user.png"), full_page=True, scale="css")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_text("User rae.partner created.")).to_be_visible()
    expect(page.get_by_role("cell", name="Fire and rescue service")).to_be_visible()


def test_admin_filters_the_audit_log_at_phone_size(page: Page, live_server):
    from tests.test_browser_assessment import no_accessibility_problems

    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/audit")
    # The filters are folded until used, so the log itself starts on the first screen.
    person = page.get_by_label("Person (username)")
    expect(person).to_be_hidden()
    page.locator("summary", has_text="Filter the log").click()
    person.fill(USERS["admin"][0])
    page.get_by_label("Action").select_option(label="Signed in (auth.sign_in)")
    page.get_by_label("Record type").select_option(label="User")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(
        re.compile(r"person=ada\.admin&action=auth\.sign_in&record-type=users")
    )
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Signed in")
    for row in rows.all():
        expect(row).to_contain_text(USERS["admin"][0])
        expect(row.locator("td").nth(2)).to_contain_text("Signed in")
    no_accessibility_problems(page)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-audit-filtered.png"), full_page=True, scale="css")
    # A date that does not exist: the summary says which box, and its link goes there.
    page.locator("#from-day").fill("31")
    page.locator("#from-month").fill("2")
    page.locator("#from-year").fill("2026")
    page.get_by_role("button", name="Filter").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("From date must be a real date")
    no_accessibility_problems(page)
    summary.get_by_role("link").click()
    expect(page.locator("#from-day")).to_be_focused()
    page.get_by_role("link", name="Clear filters").click()
    expect(page).to_have_url(f"{live_server.url}/admin/audit")
