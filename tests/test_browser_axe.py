"""Every page each role can reach passes axe-core (WCAG 2.2 A and AA rules and axe's best
practices) at phone size, as it first opens, and the forms officers and coordinators fill
in pass with their errors shown.

The pages come from the app's own url_map and access rules (as the fuzz test's do), with
ids of real demo records, so a new page is checked without anyone listing it here. Pages
that are not HTML (downloads, JSON, the service worker) are left out by their content type.
"""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect

from tests.conftest import LiveServer
from tests.test_browser_assessment import ONLY_VIOLATIONS
from tests.test_browser_shell import sign_in
from tests.test_fuzz import World, _targets

pytestmark = pytest.mark.browser

ROLES = ("anonymous", "inspector", "coordinator", "partner", "admin")
# Signing out would end the role's session for the pages after it.
LEFT_OUT = {"auth.logout"}


def pages_for(*roles: str) -> list[tuple[str, str]]:
    """(endpoint, role) for every GET route each of ``roles`` may open."""
    return [
        (endpoint, role)
        for endpoint, method, role in _targets()
        if method == "GET" and endpoint not in LEFT_OUT and role in roles
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory, _template_database, browser: Browser, browser_context_args):
    """The demo served for real, and a phone signed in as each role."""
    world = World(tmp_path_factory.mktemp("axe"))
    server = LiveServer(world.app).start()
    phones = {}
    for role in ROLES:
        context = browser.new_context(**browser_context_args)
        page = context.new_page()
        if role != "anonymous":
            sign_in(page, server.url, role)
            expect(page.get_by_role("button", name="Sign out")).to_be_attached()
        phones[role] = page
    yield world, server, phones
    for page in phones.values():
        page.context.close()
    server.stop()


def violations(page) -> list[str]:
    """What axe-core finds wrong on the page: each rule with the elements it found."""
    found = Axe().run(page, options=ONLY_VIOLATIONS).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:5]}" for v in found]


def check_page(site, endpoint: str, role: str) -> None:
    """Open the page as ``role`` and assert axe finds nothing wrong with it."""
    world, server, phones = site
    page = phones[role]
    url = world.url(endpoint)
    # Asked first without the browser, which would start a download instead of a page.
    kind = world.clients[role].get(url).mimetype
    if kind != "text/html":
        pytest.skip(f"{url} is not a page ({kind})")
    page.goto(server.url + url)
    assert violations(page) == [], f"{url} as {role}"


# The coordinator's and administrator's pages are in test_browser_axe_office.py, so the
# two halves run side by side.
@pytest.mark.parametrize(("endpoint", "role"), pages_for("anonymous", "inspector", "partner"))
def test_every_field_and_partner_page_passes_axe(site, endpoint, role):
    check_page(site, endpoint, role)


def test_error_pages_pass_axe(site):
    world, server, phones = site
    page = phones["inspector"]
    for url, status in (("/premises/999999", 404), ("/admin/users", 403), ("/no-such-page", 404)):
        response = page.goto(server.url + url)
        assert response.status == status, url
        assert violations(page) == [], url


def test_forms_with_their_errors_shown_pass_axe(site):
    """Each form sent empty (or half filled) shows its error summary and field errors, and
    the page still passes."""
    world, server, phones = site
    premises = world.ids["premises_id"]
    forms = (
        ("anonymous", "/sign-in", "Sign in"),
        ("inspector", "/premises/new", "Add premises"),
        ("inspector", f"/premises/{premises}/visits/new", "Submit visit"),
        ("coordinator", f"/premises/{premises}", "Flag"),
        ("coordinator", "/operations/new?take=all", "Plan the operation"),
        ("admin", "/admin/users/new", "Create user"),
        ("admin", "/admin/tokens", "Create token"),
    )
    for role, url, button in forms:
        page = phones[role]
        page.goto(server.url + url)
        page.get_by_role("button", name=button).first.click()
        summary = page.locator(".govuk-error-summary")
        expect(summary, f"{url}: no error summary").to_be_visible()
        assert violations(page) == [], f"{url} as {role} with errors shown"
