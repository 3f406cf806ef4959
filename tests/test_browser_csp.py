"""The strict Content-Security-Policy in Chromium: every page each role can reach, the risk
map's frame, the visit form, a result, an operation and its briefing pack, with no
violation reported and nothing blocked."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import AuthActions, phone_page
from tests.factories import plan_operation
from tests.test_browser_shell import SCREENSHOTS, sign_in
from tests.test_sites import register as register  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser

# Every violation in any frame reaches the console, where the test collects it; Chromium
# also logs its own "Content Security Policy" message, collected the same way.
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI +
    ' at ' + e.sourceFile + ':' + e.lineNumber)
})
"""
# Pages that are files or would end the session rather than show something.
NOT_PAGES = (
    ".csv",
    ".kml",
    ".geojson",
    ".xlsx",
    ".gpkg",
    ".zip",
    ".txt",
    ".pdf",
    "/sign-out",
    "/visits/photos/",
)
MAX_PAGES = 20


def _watch(page: Page) -> list[str]:
    seen: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda m: (
            seen.append(f"{page.url}: {m.text}")
            if "Content Security Policy" in m.text or "CSP violation" in m.text
            else None
        ),
    )
    return seen


def _plan_operation(app) -> int:
    """An operation over every site with GLAA invited, so the partner has a pack to read."""
    client = app.test_client()
    AuthActions(client).login("coordinator")
    return plan_operation(client, "Operation Policy")


def _crawl(page: Page, base: str, start: list[str]) -> list[str]:
    """Visit the start pages and every same-site link they lead to, breadth first."""
    queue, visited = [base + path for path in start], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.pop(0)
        if url in visited or any(part in url for part in NOT_PAGES):
            continue
        visited.append(url)
        page.goto(url)  # waits for "load": every script and frame has run by then
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            link = urljoin(url, href).split("#")[0]
            if urlsplit(link).netloc == urlsplit(base).netloc and link not in visited:
                queue.append(link)
    return visited


@pytest.fixture
def ids(app, db, register):
    visit = db.execute("SELECT id FROM visits ORDER BY visited_at DESC LIMIT 1").fetchone()[0]
    return {"premises": register["Red Flag Wash"], "visit": visit, "op": _plan_operation(app)}


@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner", "admin"])
def test_no_page_breaks_the_policy(browser, browser_context_args, live_server, ids, role):
    page = phone_page(browser, browser_context_args)
    violations = _watch(page)
    base = live_server.url
    if role == "inspector":
        _crawl(page, base, ["/sign-in", "/offline"])  # the public pages, once
    sign_in(page, base, role)
    start = {
        "inspector": [f"/premises/{ids['premises']}/visits/new", f"/visits/{ids['visit']}"],
        "coordinator": [
            "/sites/map",
            "/sites/map?heat=1",
            f"/operations/{ids['op']}",
            f"/operations/{ids['op']}/brief",
            f"/premises/{ids['premises']}/visits/new",
            f"/visits/{ids['visit']}",
            f"/visits/{ids['visit']}/report",  # its marking is a nonce'd style block
        ],
        "partner": ["/sites/map", f"/operations/{ids['op']}/brief"],
        "admin": [
            "/admin/users",
            "/admin/audit",
            # Filtered, and with a mistake in the filters (the 400 page draws too).
            "/admin/audit?person=ada.admin&action=auth.sign_in&from-day=1&from-month=1"
            "&from-year=2026&record-type=users",
            "/admin/audit?kind=reads&why=audit_review&to-day=31&to-month=2&to-year=2026",
        ],
    }[role]
    visited = _crawl(page, base, ["/", *start])
    assert len(visited) >= 4, visited
    assert violations == [], violations
    page.context.close()


def test_the_map_draws_under_the_policy(browser, browser_context_args, live_server, register):
    page = phone_page(browser, browser_context_args)
    violations = _watch(page)
    sign_in(page, live_server.url, "coordinator")
    response = page.goto(f"{live_server.url}/sites/map")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    frame = page.frame_locator("#risk-map")
    expect(frame.locator("html[data-map-ready]")).to_have_count(1, timeout=15000)
    expect(frame.locator(".app-marker, .marker-cluster").first).to_be_visible()
    page.locator("#risk-map").scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-csp-phone.png"), scale="css")
    assert violations == [], violations
    page.context.close()
