"""A new release reaches a phone that kept the old one, in Chromium: the outbox survives it."""

import shutil

import pytest
from playwright.sync_api import Browser, Page, expect

from fieldapp.config import ROOT
from fieldapp.web.offline import KEY
from fieldapp.web.offline.worker import SHELL_URLS
from tests.conftest import make_app, phone_page
from tests.test_browser_offline import prepare, queue_offline, wait_for_visits
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.visit_helpers import add_premises, evaluate_within

pytestmark = pytest.mark.browser

# The cache the phone keeps pages in (static/js/kept-pages.js): a release keeps it.
PAGES = "fieldapp-pages-v3"

# What the release changes in a kept script: a mark the test can see on the page.
RELEASE_MARK = """
const mark = document.createElement('p')
mark.id = 'release-mark'
mark.className = 'govuk-inset-text'
mark.textContent = 'The next release is running on this phone.'
document.querySelector('main').prepend(mark)
"""


@pytest.fixture
def static_copy(tmp_path):
    """The live server serves a copy of static/, so a test can release a change to it."""
    folder = tmp_path / "static"
    shutil.copytree(ROOT / "static", folder)
    return folder


@pytest.fixture
def app(tmp_path, static_copy):
    return make_app(tmp_path, STATIC_FOLDER=str(static_copy))


@pytest.fixture
def phone(browser: Browser, browser_context_args, live_server):
    page = phone_page(browser, browser_context_args, north_m=15, accuracy=8)
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    yield page
    page.context.close()


def caches_on_phone(page: Page) -> list[str]:
    return sorted(page.evaluate("caches.keys()"))


def outbox_on_phone(page: Page, user_id: str) -> list[str]:
    """The ids of the visits waiting in this officer's outbox (IndexedDB)."""
    return evaluate_within(
        page,
        """async (me) => {
          const { list } = await import('/static/js/outbox.js')
          return (await list(me)).map((item) => item.visit_id)
        }""",
        user_id,
    )


def wait_for_caches(page: Page, names: list[str], seconds: float = 15) -> None:
    """Wait until the phone's Cache Storage holds exactly ``names``."""
    evaluate_within(
        page,
        """async ([names, ms]) => {
          const deadline = Date.now() + ms
          let keys = await caches.keys()
          while (keys.sort().join() !== names.join()) {
            if (Date.now() > deadline) throw new Error(`caches on the phone: ${keys}`)
            await new Promise((resolve) => setTimeout(resolve, 50))
            keys = await caches.keys()
          }
        }""",
        [names, seconds * 1000],
    )


class RequestLog:
    """A WSGI app in front of the real one, noting each request's path and Cache-Control."""

    def __init__(self, app):
        self.app = app
        self.seen: list[tuple[str, str]] = []

    def __call__(self, environ, start_response):
        self.seen.append((environ["PATH_INFO"], environ.get("HTTP_CACHE_CONTROL", "")))
        return self.app(environ, start_response)


def version(app) -> str:
    return app.extensions[KEY].version


def test_a_new_release_reaches_the_phone_and_the_outbox_survives_it(
    app, live_server, phone, static_copy, tmp_path
):
    premises_id = add_premises(app, "Release Day Car Wash")
    form_url = prepare(phone, live_server, premises_id)
    assert caches_on_phone(phone) == [PAGES, f"fieldapp-shell-{version(app)}"]
    queue_offline(phone, form_url, tmp_path)
    me = phone.evaluate("document.body.dataset.userId")
    waiting = outbox_on_phone(phone, me)
    assert len(waiting) == 1

    # The release: a kept script changes and the server starts again on it. The officer's
    # sign-in ended meanwhile, so the visit cannot leave the phone before the update (the
    # server is stopped first: a request under way would bring the session back).
    live_server.stop()
    phone.context.clear_cookies()
    with (static_copy / "app.js").open("a") as script:
        script.write(RELEASE_MARK)
    release = make_app(tmp_path, STATIC_FOLDER=str(static_copy))
    assert version(release) != version(app)
    log = RequestLog(release)
    live_server.restart(log)

    # Back in signal: the first page comes through the old worker, and the browser finds
    # the new one. It keeps the new shell and removes the old copy, and nothing else.
    phone.context.set_offline(False)
    phone.goto(f"{live_server.url}/sign-in")
    wait_for_caches(phone, [PAGES, f"fieldapp-shell-{version(release)}"])
    # Every kept file came from the server, not from the browser's HTTP cache.
    fetched_afresh = {path for path, cache in log.seen if "no-cache" in cache}
    assert set(SHELL_URLS) - fetched_afresh == set()
    phone.reload()
    mark = phone.locator("#release-mark")
    expect(mark).to_have_text("The next release is running on this phone.")
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "offline-new-release.png"), scale="css")
    assert outbox_on_phone(phone, me) == waiting
    assert phone.evaluate(f"caches.match('/premises/{premises_id}/visits/new').then(Boolean)")

    # The officer signs in again: the visit kept through the update is sent, once.
    sign_in(phone, live_server.url, "inspector")
    expect(phone.locator("#release-mark")).to_be_visible()
    rows, photos = wait_for_visits(release, 1)
    assert [r["premises_id"] for r in rows] == [premises_id] and photos == 1
    expect(phone.locator("#outbox-banner")).to_be_hidden(timeout=15000)
    registration = "navigator.serviceWorker.getRegistration().then((r) => r.updateViaCache)"
    assert phone.evaluate(registration) == "none"
    assert phone.errors == []


def test_pages_kept_under_the_old_name_are_fetched_again(app, live_server, phone):
    """The kept pages' cache was renamed when the visit form changed: the worker fetches
    each kept page again under the new name, keeps the old copy of one it cannot fetch
    now, drops one that is gone, and removes the old cache."""
    kept = add_premises(app, "Kept Form Car Wash")
    phone.goto(f"{live_server.url}/sign-in")  # signed out: no worker yet
    old_pages = {
        f"/premises/{kept}/visits/new": "<h1>An old visit form</h1>",
        "/premises/999/visits/new": "<h1>A premises since removed</h1>",
        # Answered with a redirect, as every page is once the sign-in has ended.
        "/premises": "<h1>Find premises, as it was</h1>",
    }
    phone.evaluate(
        """async (pages) => {
          const old = await caches.open('fieldapp-pages-v1')
          for (const [path, html] of Object.entries(pages)) {
            await old.put(path, new Response(html, { headers: { 'Content-Type': 'text/html' } }))
          }
        }""",
        old_pages,
    )
    sign_in(phone, live_server.url, "inspector")
    wait_for_caches(phone, [PAGES, f"fieldapp-shell-{version(app)}"])
    text = "(path) => caches.match(path).then((r) => (r ? r.text() : null))"
    assert "Could you inspect the premises?" in phone.evaluate(text, f"/premises/{kept}/visits/new")
    assert phone.evaluate(text, "/premises/999/visits/new") is None
    assert phone.evaluate(text, "/premises") == "<h1>Find premises, as it was</h1>"
    assert phone.errors == []
