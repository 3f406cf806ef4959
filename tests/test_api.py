"""The token API for partner systems: tokens made, used and revoked; errors; its OpenAPI."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import fields
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from fieldapp import sitefilter as filters
from fieldapp.exports import encoders as exporting
from fieldapp.exports import profiles as export_profiles
from fieldapp.queries import connect
from fieldapp.queries import sites as sites_q
from fieldapp.web.api.openapi import API_FORMATS
from fieldapp.web.api.v1 import TOKEN_ATTR
from tests.conftest import AuthActions, csrf_token, parse
from tests.test_sites import register  # noqa: F401 - the shared register fixture

API = "/api/v1/flagged-sites"


def make_token(app, agency="glaa", name="GLAA case system"):
    """Create a token through the admin page; return (token, page)."""
    admin = app.test_client()
    AuthActions(admin).login("admin")
    form = admin.get("/admin/tokens").get_data(as_text=True)
    response = admin.post(
        "/admin/tokens",
        data={"csrf_token": csrf_token(form), "agency": agency, "name": name},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    page = parse(response.get_data(as_text=True))
    return page.select_one("#new-token-value").text.strip(), page


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def rows(app, sql, params=()):
    db = connect(app.config["DATABASE"])
    found = list(db.query(sql, params))
    db.conn.close()
    return found


def test_a_token_is_shown_once_and_stored_only_as_a_hash(app):
    token, page = make_token(app)
    assert token.startswith("fa_") and len(token) > 40
    assert "shown only once" in page.text
    [stored] = rows(app, "SELECT * FROM api_tokens")
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in json.dumps(stored)
    assert token[:9] + "…" == stored["token_hint"]
    # Not anywhere in the database file either (nor its write-ahead log).
    for path in Path(app.config["DATABASE"]).parent.glob("test.db*"):
        assert token.encode() not in path.read_bytes()
    # The list page never shows it again.
    admin = app.test_client()
    AuthActions(admin).login("admin")
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing and stored["token_hint"] in listing


def test_a_token_fetches_its_agencys_flagged_sites_as_geojson(app, register, db):  # noqa: F811
    token, _ = make_token(app, agency="glaa")
    response = app.test_client().get(API, headers=bearer(token))
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    doc = response.get_json(force=True)
    with app.app_context():
        flagged = sites_q.ids(db, filters.SiteFilter(flagged=True))
    assert [f["id"] for f in doc["features"]] == flagged
    expected = set(exporting.columns(export_profiles.load()["glaa"])) - {"latitude", "longitude"}
    assert all(set(f["properties"]) == expected for f in doc["features"])
    assert doc["metadata"]["agency"] == "glaa"
    assert doc["metadata"]["made_by"] == f"API token GLAA case system ({token[:9]}…)"
    [used] = rows(app, "SELECT last_used_at FROM api_tokens")
    assert used["last_used_at"]


def test_filters_are_query_parameters(app, register, db):  # noqa: F811
    token, _ = make_token(app)
    client = app.test_client()
    for query in ("sector=hand_car_wash", "red_flag_category=CTL&sort=name", "q=red", "flagged=0"):
        doc = client.get(f"{API}?{query}", headers=bearer(token)).get_json(force=True)
        with app.app_context():
            args = dict(p.split("=") for p in query.split("&"))
            f = filters.parse({**args, "flagged": "1"})
            assert [x["id"] for x in doc["features"]] == sites_q.ids(db, f), query


@pytest.mark.parametrize(
    ("headers", "query"),
    [({}, "format=csv"), ({"Accept": "text/csv"}, ""), ({"Accept": "text/csv"}, "format=csv")],
)
def test_csv_by_parameter_or_accept_header(app, register, headers, query):  # noqa: F811
    token, _ = make_token(app)
    response = app.test_client().get(f"{API}?{query}", headers={**bearer(token), **headers})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    # A machine client gets the table alone; the marking comes in a header.
    assert response.headers["X-Handling-Marking"] == "OFFICIAL-SENSITIVE"
    assert response.headers["Content-Disposition"].endswith('-OFFICIAL-SENSITIVE.csv"')
    found = exporting.read_csv(response.get_data())
    assert {r["name"] for r in found} == {"Red Flag Wash", "<img src=x onerror=alert(1)>"}


@pytest.mark.parametrize(
    ("headers", "challenge"),
    [
        ({}, 'Bearer realm="fieldapp"'),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, 'Bearer realm="fieldapp"'),
        ({"Authorization": "Bearer fa_not-a-real-token"}, 'error="invalid_token"'),
        ({"Authorization": "Bearer "}, 'Bearer realm="fieldapp"'),
    ],
)
def test_no_valid_token_is_401_json_with_a_bearer_challenge(app, headers, challenge):
    response = app.test_client().get(API, headers=headers)
    assert response.status_code == 401
    assert challenge in response.headers["WWW-Authenticate"]
    assert response.is_json and response.json["error"]


def test_a_signed_in_session_is_not_a_token(app, as_role):
    response = as_role("coordinator").client.get(API)
    assert response.status_code == 401 and response.is_json


def test_a_revoked_token_stops_working_at_once(app, register):  # noqa: F811
    token, page = make_token(app)
    client = app.test_client()
    assert client.get(API, headers=bearer(token)).status_code == 200
    admin = app.test_client()
    AuthActions(admin).login("admin")
    listing = admin.get("/admin/tokens").get_data(as_text=True)
    token_id = parse(listing).select_one("tr[data-token-id]")["data-token-id"]
    response = admin.post(
        f"/admin/tokens/{token_id}/revoke", data={"csrf_token": csrf_token(listing)}
    )
    assert response.status_code == 303
    assert "Revoked" in admin.get("/admin/tokens").get_data(as_text=True)
    refused = client.get(API, headers=bearer(token))
    assert refused.status_code == 401 and "revoked" in refused.json["error"]
    actions = [r["action"] for r in rows(app, "SELECT action FROM audit ORDER BY id")]
    assert "api_token.create" in actions and "api_token.revoke" in actions


@pytest.mark.parametrize(
    ("query", "parameter", "message"),
    [
        ("sector=garage", "sector", "sector must be one of hand_car_wash, nail_bar"),
        ("band=red", "band", "band must be one or more of"),
        ("visited_after=yesterday", "visited_after", "must be a date like"),
        ("bbox=1,2", "bbox", "bbox must be west,south,east,north"),
        ("colour=red", "colour", "colour is not a filter"),
        ("format=xml", "format", "format must be one of geojson, csv"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_parameter(app, query, parameter, message):
    token, _ = make_token(app)
    response = app.test_client().get(f"{API}?{query}", headers=bearer(token))
    assert response.status_code == 400 and response.is_json
    assert response.json["parameter"] == parameter
    assert message in response.json["error"]


def test_api_errors_are_json(app):
    client = app.test_client()
    for url, status in [("/api/v1/nothing-here", 404), (API, 401)]:
        response = client.get(url)
        assert response.status_code == status and response.is_json, url
    token, _ = make_token(app)
    # No CSRF token needed (the API is exempt), but the endpoint only reads.
    response = client.post(API, headers=bearer(token))
    assert response.status_code == 405 and response.is_json


def test_api_calls_are_logged_with_the_token_and_the_sha256_of_the_bytes(app, register):  # noqa: F811
    token, _ = make_token(app)
    body = app.test_client().get(f"{API}?format=csv", headers=bearer(token)).get_data()
    [entry] = rows(app, "SELECT * FROM export_log")
    [stored] = rows(app, "SELECT id FROM api_tokens")
    assert entry["token_id"] == stored["id"] and entry["user_id"] is None
    assert entry["sha256"] == hashlib.sha256(body).hexdigest()
    assert entry["byte_count"] == len(body) and entry["row_count"] == 2
    assert entry["agency"] == "glaa" and entry["format"] == "csv"
    assert entry["filter"] == "flagged=1"


def test_token_admin_form_errors_are_shown(app, as_role):
    admin = as_role("admin")
    response = admin.post("/admin/tokens", {"agency": "", "name": ""}, expected=400)
    text = response.get_data(as_text=True)
    assert "Select the agency the token is for" in text and "Say what the token is for" in text


# -- OpenAPI ---------------------------------------------------------------------------------


@pytest.fixture
def openapi(app):
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.json


def test_the_openapi_document_validates(openapi):
    validate(openapi)
    assert openapi["openapi"].startswith("3.1")


def test_the_openapi_paths_are_the_real_api_routes(app, openapi):
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
    }
    assert set(openapi["paths"]) == routes
    for path, operations in openapi["paths"].items():
        rule = next(r for r in app.url_map.iter_rules() if r.rule == path)
        assert {m.upper() for m in operations} <= rule.methods


def test_the_openapi_parameters_are_the_real_filters(openapi):
    operation = openapi["paths"]["/api/v1/flagged-sites"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    filter_names = {f.name for f in fields(filters.SiteFilter)} - {"errors"}
    assert set(params) == filter_names | {"format"}
    assert params["sector"]["schema"]["enum"] == list(filters.SECTORS)
    assert params["band"]["schema"]["items"]["enum"] == list(filters.BANDS)
    assert params["red_flag_category"]["schema"]["enum"] == list(filters.CATEGORIES)
    assert params["sort"]["schema"]["enum"] == list(filters.SORTS)
    assert params["format"]["schema"]["enum"] == list(API_FORMATS)
    # Every documented parameter is accepted by the real parser (no "not a filter" error).
    assert not filters.parse(dict.fromkeys(params, ""), known_only=True).errors
    scheme = openapi["components"]["securitySchemes"]["bearerAuth"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert openapi["security"] == [{"bearerAuth": []}]
    assert set(operation["responses"]) == {"200", "400", "401", "403", "429"}


def test_every_public_api_data_route_checks_a_token(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            assert getattr(app.view_functions[rule.endpoint], TOKEN_ATTR, False), rule.rule
