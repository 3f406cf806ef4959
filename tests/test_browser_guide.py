"""The indicator guide and practice in Chromium at phone size (390 x 844): kept on the phone
for use without a signal, printable on A4, axe-clean, and practice records nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from fieldapp.queries import connect
from tests.conftest import phone_page
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_csp import _watch
from tests.test_browser_offline import wait_until_kept
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.visit_helpers import add_premises

pytestmark = pytest.mark.browser

# A4 at 96 dots to the inch.
A4_WIDTH_PX = 794
A4_HEIGHT_PX = 1123


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    page = phone_page(browser, browser_context_args)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    SCREENSHOTS.mkdir(exist_ok=True)
    yield page
    page.context.close()


def signed_in_with_worker(page, live_server) -> None:
    sign_in(page, live_server.url, "inspector")
    # A function, not an expression: the Content-Security-Policy refuses eval().
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null"
    )


def test_the_guide_is_kept_on_the_phone_and_reads_without_a_signal(live_server, phone):
    violations = _watch(phone)
    signed_in_with_worker(phone, live_server)
    # Kept when the worker was installed: the officer never opened these pages.
    wait_until_kept(phone, "/guide", "/guide/hand_car_wash", "/guide/nail_bar")

    phone.goto(f"{live_server.url}/guide")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Indicator guide")
    no_accessibility_problems(phone)
    phone.screenshot(path=str(SCREENSHOTS / "guide-index.png"), full_page=True, scale="css")

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/guide/hand_car_wash")  # from the phone's own store
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hand car wash")
    expect(phone.locator("#indicator-id_retained")).to_contain_text("Red flag")
    expect(phone.locator("#advice-interpreter")).to_contain_text("professional interpreter")
    no_accessibility_problems(phone)
    phone.screenshot(path=str(SCREENSHOTS / "guide-car-wash-phone.png"), scale="css")
    phone.screenshot(
        path=str(SCREENSHOTS / "guide-car-wash-phone-full.png"), full_page=True, scale="css"
    )
    phone.goto(f"{live_server.url}/guide/nail_bar")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nail bar")
    phone.context.set_offline(False)
    assert violations == [] and phone.errors == []


def test_the_guide_prints_on_a4_without_menus_or_buttons(browser: Browser, live_server):
    context = browser.new_context(viewport={"width": A4_WIDTH_PX, "height": A4_HEIGHT_PX})
    page = context.new_page()
    sign_in(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/guide/hand_car_wash")
    page.emulate_media(media="print")
    for hidden in (
        ".govuk-service-navigation",
        ".app-header",
        ".app-contents",
        "nav[aria-label=Back]",
    ):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".app-print-only")).to_be_visible()
    expect(page.locator(".app-print-only")).to_contain_text("Indicator guide: Hand car wash")
    # Links within the service print as text, without their address.
    after = page.evaluate(
        "() => getComputedStyle(document.querySelector('a[href^=\"#source-\"]'), '::after').content"
    )
    assert after in ("none", "normal", "")
    page.screenshot(path=str(SCREENSHOTS / "guide-car-wash-print.png"), full_page=True)
    page.screenshot(path=str(SCREENSHOTS / "guide-car-wash-print-page1.png"))
    pdf = page.pdf(format="A4", path=str(SCREENSHOTS / "guide-car-wash.pdf"))
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 3 <= pages <= 20, pages
    context.close()


def test_the_visit_form_opens_the_conversation_guide_on_demand(app, live_server, phone):
    premises_id = add_premises(app, "Guide Car Wash")
    sign_in(phone, live_server.url, "inspector")
    phone.goto(f"{live_server.url}/premises/{premises_id}/visits/new")
    guide = phone.locator("#conversation-guide")
    expect(guide.locator("#advice-apart")).to_be_hidden()
    phone.screenshot(path=str(SCREENSHOTS / "visit-form-top.png"), scale="css")
    guide.locator("summary").click()
    expect(guide.locator("#advice-apart")).to_be_visible()
    expect(guide).to_contain_text("Never a manager, a co-worker, a customer or a child")
    no_accessibility_problems(phone, "#conversation-guide")
    guide.scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "visit-conversation-guide.png"), scale="css")
    phone.get_by_role("link", name=re.compile("hand car wash indicator guide")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hand car wash")


def test_an_officer_practises_a_scenario_and_nothing_is_recorded(app, live_server, phone):
    violations = _watch(phone)
    sign_in(phone, live_server.url, "inspector")
    phone.goto(f"{live_server.url}/guide/practice")
    no_accessibility_problems(phone)
    phone.screenshot(path=str(SCREENSHOTS / "practice-list.png"), full_page=True, scale="css")
    phone.get_by_role("link", name="Nobody speaks but the boss").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nobody speaks but the boss")
    expect(phone.locator("main")).to_contain_text("kept safe in the office")
    no_accessibility_problems(phone)
    phone.screenshot(path=str(SCREENSHOTS / "practice-scenario.png"), scale="css")

    # The officer spots the passports, the man answering for them and the caravan.
    for question in ("id_retained", "spoken_for", "living_on_site", "cash_only"):
        phone.locator(f'input[name="q-{question}"][value="yes"]').check()
    phone.locator('input[name="q-electrical"][value="no"]').check()
    phone.get_by_role("button", name="See how it comes out").click()

    expect(phone.locator(".app-result").first).to_contain_text("High concern")
    expect(phone.locator("#route-nrm")).to_contain_text("Adult who consents: NRM referral")
    expect(phone.locator("#route-police_999")).to_be_visible()
    worked = phone.locator(".app-worked")
    expect(worked).to_contain_text("High concern")
    expect(worked).to_contain_text("Signs the worked answers found and you did not")
    no_accessibility_problems(phone)
    no_accessibility_problems(phone, "#your-result + .app-result")
    no_accessibility_problems(phone, ".app-worked")
    no_accessibility_problems(phone, ".app-safeguarding")
    phone.locator("#your-result").scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "practice-result.png"), scale="css")
    phone.screenshot(
        path=str(SCREENSHOTS / "practice-result-full.png"), full_page=True, scale="css"
    )

    db = connect(app.config["DATABASE"])
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == 0
    db.conn.close()
    assert violations == [] and phone.errors == []
