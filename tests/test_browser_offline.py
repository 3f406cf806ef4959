"""Offline-first visits in Chromium at phone size: nothing recorded is lost or sent twice."""

import json

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.checklists import load_folder
from fieldapp.queries import connect
from tests.conftest import USERS, phone_page
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.visit_helpers import SHIPPED, add_premises, evaluate_within, jpeg_bytes

pytestmark = pytest.mark.browser


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    page = phone_page(browser, browser_context_args, north_m=15, accuracy=8)
    context = page.context
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    context.close()


def visits(app):
    db = connect(app.config["DATABASE"])
    rows = [dict(r) for r in db.query("SELECT id, premises_id FROM visits")]
    photos = db.execute("SELECT count(*) FROM photos").fetchone()[0]
    db.conn.close()
    return rows, photos


def wait_for_visits(app, count: int, seconds: float = 15):
    """Poll the database until ``count`` visits are stored (sending happens in the page)."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows, photos = visits(app)
        if len(rows) >= count:
            return rows, photos
        time.sleep(0.2)
    return visits(app)


def prepare(page: Page, live_server, premises_id: int) -> str:
    """Signed in and online: open the form once so the phone keeps it, then go offline."""
    sign_in(page, live_server.url, "inspector")
    # A function, not an expression: Playwright polls an expression with eval(), which the
    # Content-Security-Policy refuses.
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null"
    )
    form_url = f"{live_server.url}/premises/{premises_id}/visits/new"
    page.goto(form_url)
    evaluate_within(page, "() => fetch('/api/checklists.json')")  # kept by the service worker
    wait_until_kept(page, f"/premises/{premises_id}/visits/new", "/api/checklists.json")
    return form_url


def wait_until_kept(page: Page, *paths: str, seconds: float = 15) -> None:
    """Wait until the service worker has stored ``paths`` on the phone (Cache Storage)."""
    evaluate_within(
        page,
        """async ([paths, ms]) => {
          const deadline = Date.now() + ms
          const kept = async () => (await Promise.all(paths.map((p) => caches.match(p))))
          while (!(await kept()).every(Boolean)) {
            if (Date.now() > deadline) throw new Error(`not kept on the phone: ${paths}`)
            await new Promise((resolve) => setTimeout(resolve, 25))
          }
        }""",
        [list(paths), seconds * 1000],
    )


def wait_for_sending_to_finish(page: Page) -> None:
    """Wait until any send of the outbox the page has under way has finished.

    The page runs one send at a time and a trigger that comes during one joins it, so a
    send that started offline and is still failing would swallow the next trigger.
    """
    evaluate_within(page, "() => import('/static/js/offline.js').then((m) => m.sendNow())")


def fill_visit(page: Page, tmp_path) -> None:
    """A modern slavery case: the workers' ID held, living on site, a price below wages."""
    expect(page.locator("#location-status")).to_contain_text("accurate to 8 m")
    page.locator('input[name="q-cash_only"][value="yes"]').check()
    page.locator('input[name="q-living_on_site"][value="yes"]').check()
    page.locator('input[name="q-id_retained"][value="yes"]').check()
    page.locator('input[name="q-price_basic_wash"]').fill("5")
    page.locator('input[name="q-workers_per_car"]').fill("3")
    page.locator('input[name="q-minutes_per_car"]').fill("20")
    photo = tmp_path / "forecourt.jpg"
    photo.write_bytes(jpeg_bytes())
    page.locator("#photos").set_input_files(str(photo))


def queue_offline(page: Page, form_url: str, tmp_path) -> None:
    page.context.set_offline(True)
    page.goto(form_url)  # from the phone's own store
    fill_visit(page, tmp_path)
    page.get_by_role("button", name="Submit visit").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Saved on this phone: not sent yet")
    expect(page.locator("#provisional-result")).to_contain_text("High concern")
    expect(page.locator(".app-safeguarding")).to_contain_text("follow a safeguarding route now")
    expect(page.locator("#outbox-banner")).to_contain_text("1 visit is saved on this phone")


def test_offline_visit_with_photo_survives_a_reload_and_is_stored_once(
    app, live_server, phone, tmp_path
):
    premises_id = add_premises(app, "Signalless Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    phone.screenshot(path=str(SCREENSHOTS / "offline-provisional.png"), full_page=True, scale="css")
    phone.reload()  # offline: the page comes from the phone, the outbox from IndexedDB
    expect(phone.locator("#outbox-banner")).to_contain_text("1 visit is saved on this phone")
    assert visits(app) == ([], 0)
    wait_for_sending_to_finish(phone)  # the reload's own try, offline

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#outbox-banner")).to_be_hidden(timeout=15000)
    rows, photos = visits(app)
    assert [r["premises_id"] for r in rows] == [premises_id]
    assert photos == 1
    phone.goto(f"{live_server.url}/visits/{rows[0]['id']}")
    expect(phone.locator(".app-result")).to_contain_text("High concern")
    assert phone.errors == []


def test_server_down_then_back_sends_exactly_once(app, live_server, phone, tmp_path):
    premises_id = add_premises(app, "Flaky Server Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    live_server.stop()
    phone.context.set_offline(False)
    phone.get_by_role("button", name="Send now").click()
    expect(phone.locator("#outbox-banner")).to_contain_text("1 visit is saved")
    wait_for_sending_to_finish(phone)  # the try while the server was down
    live_server.restart()
    phone.get_by_role("button", name="Send now").click()
    expect(phone.locator("#outbox-banner")).to_be_hidden(timeout=15000)
    # Once sent, the page showing the visit saved on the phone opens its stored result.
    phone.wait_for_url("**/visits/*", timeout=15000)
    expect(phone.locator(".app-result")).to_contain_text("High concern")
    # Sending again (another tab, the service worker) changes nothing.
    evaluate_within(phone, "() => import('/static/js/outbox.js').then((m) => m.sendAll())")
    rows, photos = visits(app)
    assert len(rows) == 1 and photos == 1


def test_an_expired_sign_in_keeps_the_visit_until_the_officer_signs_in(
    app, live_server, phone, tmp_path
):
    premises_id = add_premises(app, "Long Day Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    phone.context.clear_cookies()  # the session ends while the phone is offline
    phone.context.set_offline(False)
    phone.get_by_role("button", name="Send now").click()
    expect(phone.locator("#outbox-banner")).to_contain_text("Sign in again to send")
    assert visits(app) == ([], 0)
    phone.goto(f"{live_server.url}/sign-in")
    phone.get_by_label("Username").fill(USERS["inspector"][0])
    phone.get_by_label("Password", exact=True).fill("correct horse battery")
    phone.get_by_role("button", name="Sign in").click()
    rows, photos = wait_for_visits(app, 1)
    assert len(rows) == 1 and photos == 1
    expect(phone.locator("#outbox-banner")).to_be_hidden()


def test_signing_out_with_unsent_visits_warns_first(app, live_server, phone, tmp_path):
    premises_id = add_premises(app, "Warning Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    phone.get_by_role("button", name="Sign out").click()
    warning = phone.locator("#signout-warning")
    expect(warning).to_contain_text("1 visit has not been sent yet")
    phone.screenshot(path=str(SCREENSHOTS / "offline-signout-warning.png"), scale="css")
    expect(phone).to_have_url(f"{live_server.url}/premises/{premises_id}/visits/new")


def test_another_officer_on_the_same_phone_does_not_see_the_outbox(
    app, live_server, phone, tmp_path
):
    premises_id = add_premises(app, "Shared Phone Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    # The server down and the first officer's session gone before the phone is back
    # online, so the first officer's visit cannot go in the meantime (a request already
    # under way when the cookies went would bring the session back).
    live_server.stop()
    phone.context.clear_cookies()
    phone.context.set_offline(False)
    live_server.restart()
    sign_in(phone, live_server.url, "coordinator")
    phone.goto(f"{live_server.url}/outbox")
    expect(phone.locator("#outbox-status")).to_contain_text("Nothing is waiting")
    expect(phone.locator("#outbox-banner")).to_be_hidden()


def provisional_text(page: Page) -> str:
    return " ".join(page.locator("main").inner_text().split())


def test_the_provisional_result_shows_each_concern_and_its_routes(
    app, live_server, phone, tmp_path
):
    premises_id = add_premises(app, "Routes Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    queue_offline(phone, form_url, tmp_path)
    result = phone.locator("#provisional-result")
    expect(result.locator(".govuk-tag")).to_have_text("High concern")
    expect(result).to_contain_text(
        "High concern: the signs point to modern slavery or forced labour."
    )
    panel = phone.locator(".app-safeguarding")
    expect(panel).to_contain_text("Does the employer hold the workers' passports or ID documents?")
    safeguarding = load_folder(SHIPPED).safeguarding
    contacts = {c["id"]: c for c in safeguarding["contact"]}
    for route in safeguarding["route"][:5]:  # 999, child, NRM, Duty to Notify, adult
        block = panel.locator(f"#route-{route['id']}")
        expect(block).to_be_visible()
        # Every step, every contact (a number rings, the form opens), every next step.
        expect(block.locator("ul").first.locator("li")).to_have_text(route["steps"])
        links = [
            f"tel:{contacts[c]['number'].replace(' ', '')}"
            if "number" in contacts[c]
            else contacts[c]["url"]
            for c in route["contacts"]
        ]
        hrefs = block.locator(".app-contacts a").evaluate_all("(els) => els.map((a) => a.href)")
        assert hrefs == links, route["id"]
        expect(block.locator(".app-next-steps li")).to_have_text(
            [step["text"] for step in route["next_steps"]]
        )
    expect(panel.locator("#route-nrm").get_by_role("link", name="08000 121 700")).to_be_visible()
    expect(panel.locator("#route-child")).to_contain_text("Demo number")
    # 3 workers x 20 min at £12.71 is £12.71, far above the £5 charged: the Fair Work Agency.
    expect(phone.locator(".app-action--labour #route-fair_work_agency")).to_be_visible()
    slavery = phone.locator("#provisional-concern-slavery")
    expect(slavery.locator(".govuk-tag")).to_have_text("High concern")
    expect(slavery).to_contain_text("Red flag: Does the employer hold")
    expect(phone.locator("#provisional-concern-safety .govuk-tag")).to_have_text(
        "Not enough checked"
    )
    expect(phone.locator("main")).to_contain_text("Price check: 3 workers x 20 min at £12.71/h")
    # What the officer sees at 390x844 with the result at the top of the screen.
    phone.evaluate("document.getElementById('provisional-result').scrollIntoView()")
    phone.screenshot(path=str(SCREENSHOTS / "offline-provisional-modern-slavery.png"), scale="css")
    panel.locator("#route-nrm").scroll_into_view_if_needed()
    phone.screenshot(path=str(SCREENSHOTS / "offline-provisional-routes.png"), scale="css")
    assert phone.errors == []


def test_a_hazard_alone_offline_shows_the_enforcing_authority_and_no_nrm(app, live_server, phone):
    premises_id = add_premises(app, "Live Wire Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    phone.context.set_offline(True)
    phone.goto(form_url)
    expect(phone.locator("#location-status")).to_contain_text("accurate to 8 m")
    for question in ("electrical", "no_ppe", "acid_chemicals", "no_first_aid", "no_el_insurance"):
        answer = "yes" if question == "electrical" else "no"
        phone.locator(f'input[name="q-{question}"][value="{answer}"]').check()
    # Enough of the labour questions answered to judge the visit at all (the overall level
    # follows exploitation: modern slavery and labour concern).
    for question in ("cash_only", "overstaffed", "long_hours", "no_contract"):
        phone.locator(f'input[name="q-{question}"][value="no"]').check()
    phone.get_by_role("button", name="Submit visit").click()
    expect(phone.locator(".app-action--safety #route-hazard_now")).to_be_visible()
    expect(phone.locator(".app-safeguarding")).to_have_count(0)
    for route in ("police_999", "child", "nrm", "duty_to_notify"):
        expect(phone.locator(f"#route-{route}")).to_have_count(0)
    expect(phone.locator("#provisional-concern-safety .govuk-tag")).to_have_text("High concern")
    assert phone.errors == []


def test_offline_a_visit_with_too_little_checked_is_stopped_until_a_reason_is_given(
    app, live_server, phone
):
    from fieldapp.submission import TOO_LITTLE_MESSAGE

    premises_id = add_premises(app, "Shuttered Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    phone.context.set_offline(True)
    phone.goto(form_url)
    expect(phone.locator("#location-status")).to_contain_text("accurate to 8 m")
    phone.locator('input[name="q-cash_only"][value="yes"]').check()
    phone.get_by_role("button", name="Submit visit").click()

    summary = phone.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=TOO_LITTLE_MESSAGE)).to_have_attribute(
        "href", "#outcome_reason"
    )
    expect(phone.locator("#outcome-warning")).to_be_visible()
    expect(phone.locator("#outcome_reason-error")).to_have_text(f"Error: {TOO_LITTLE_MESSAGE}")
    assert phone.title().startswith("Error: ")
    assert (
        evaluate_within(
            phone,
            "() => import('/static/js/outbox.js')"
            ".then((m) => m.list(document.body.dataset.userId))",
        )
        == []
    )
    phone.screenshot(path=str(SCREENSHOTS / "offline-too-little-warning.png"), scale="css")
    summary.get_by_role("link").click()
    expect(phone.locator("#outcome_reason")).to_be_focused()

    phone.get_by_label("No: closed").check()
    # GOV.UK's button ignores a second press within a second of the first (double clicks).
    phone.wait_for_timeout(1000)
    phone.get_by_role("button", name="Submit visit").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Saved on this phone: not sent yet")
    result = phone.locator("#provisional-result")
    expect(result.locator(".govuk-tag")).to_have_text("Not enough checked")
    expect(result).to_contain_text("Could not inspect: Closed.")

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone.locator("#outbox-banner")).to_be_hidden(timeout=15000)
    db = connect(app.config["DATABASE"])
    stored = [dict(r) for r in db.query("SELECT outcome, outcome_reason FROM visits")]
    db.conn.close()
    assert stored == [{"outcome": "not_assessed", "outcome_reason": "closed"}]
    assert phone.errors == []


def test_the_phone_assesses_in_chromium_as_the_server_does(live_server, phone):
    """The parity corpus's hand-written cases, in the browser this time (its own Intl)."""
    from tests import test_assessment_parity as parity

    cases = json.loads(
        json.dumps(
            [
                *parity.whole_checklist_cases(),
                *parity.combination_cases(),
                *parity.price_cases(),
                *parity.refused_cases(),
                *parity.demo_style_cases(60),
            ]
        )
    )
    sign_in(phone, live_server.url, "inspector")
    javascript = evaluate_within(
        phone,
        """async ([payload, cases]) => {
          const { evaluateVisit, routesFor } = await import('/static/js/assessment.js')
          return cases.map((c) => {
            const reference = { ...payload, references: { [c.checklist]: c.references } }
            try {
              const result = evaluateVisit(reference, c.checklist, c.answers, c.visited_at)
              const routes = routesFor(result, payload.safeguarding, payload.assessment)
                .map((a) => ({ ...a, routes: a.routes.map((r) => r.id) }))
              return { result, routes }
            } catch (error) {
              return { error: error.message }
            }
          })
        }""",
        [parity.payload(), cases],
    )
    found = parity.differences(cases, parity.python_side(cases), javascript)
    assert found == [], "\n".join(found[:10])
