"""Every route declares who may use it, and the declaration is enforced."""

import pytest
from flask import Flask

from fieldapp.permissions import PUBLIC, rule_for


def test_every_registered_route_declares_an_access_rule(app):
    undeclared = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in app.url_map.iter_rules()
        if rule_for(rule.endpoint, app) is None
    ]
    assert undeclared == [], "routes with no @allow/@public rule: " + ", ".join(undeclared)


def test_only_sign_in_health_and_static_files_are_public(app):
    public = sorted(
        {r.endpoint for r in app.url_map.iter_rules() if rule_for(r.endpoint, app) == PUBLIC}
    )
    # The API's data endpoint is public to the session check only: its own bearer-token
    # check refuses every request without a live token (tests/test_api.py).
    assert public == [
        "api.aggregate_figures",
        "api.flagged_sites",
        "api.openapi",
        "auth.login",
        "health.healthz",
        "offline.offline",
        "offline.service_worker",
        "static",
    ]


def test_a_route_without_a_rule_is_refused(app: Flask, as_role):
    @app.route("/forgotten")
    def forgotten():
        return "should never be seen"

    as_role("admin").get("/forgotten", expected=403)


ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/audit", "/admin/users/1"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner"])
def test_admin_pages_are_refused_to_other_roles(as_role, role, url):
    page = as_role(role).get(url, expected=403)
    assert "You do not have permission" in page.h1.text


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_open_for_admin(as_role, url):
    as_role("admin").get(url)


@pytest.mark.parametrize("url", ["/", *ADMIN_PAGES])
def test_signed_out_users_are_asked_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("inspector", [], ["Users", "Audit log"]),
        ("coordinator", [], ["Users", "Audit log"]),
        ("partner", [], ["Users", "Audit log"]),
        ("admin", ["Users", "Audit log"], []),
    ],
)
def test_navigation_shows_each_role_only_what_it_may_use(as_role, role, shown, hidden):
    page = as_role(role).get("/")
    menu = [a.text.strip() for a in page.select(".govuk-service-navigation__link")]
    for item in shown:
        assert item in menu
    for item in hidden:
        assert item not in menu
