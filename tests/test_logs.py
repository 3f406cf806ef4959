"""What the service writes down: every unexpected error with its traceback and the request
id the person sees, and one access line per request that never holds a secret."""

import json
import logging

import pytest

from fieldapp.logs import safe_query
from fieldapp.permissions import public
from tests.conftest import PASSWORD, USERS, csrf_token, make_app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path, PROPAGATE_EXCEPTIONS=False)

    @app.route("/crash")
    @public
    def crash():
        raise RuntimeError("deliberate failure for the log")

    return app


def _access_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "fieldapp.access"]


def test_unexpected_error_is_logged_with_traceback_and_the_reference_the_page_shows(client, caplog):
    caplog.set_level(logging.INFO, logger="fieldapp")
    response = client.get("/crash")
    assert response.status_code == 500
    rid = response.headers["X-Request-Id"]
    assert len(rid) == 12
    assert rid in response.get_data(as_text=True)
    [record] = [r for r in caplog.records if r.name == "fieldapp.errors"]
    assert record.levelno == logging.ERROR
    assert rid in record.getMessage()
    assert "GET /crash" in record.getMessage()
    assert record.exc_info and record.exc_info[0] is RuntimeError
    formatted = logging.Formatter().format(record)
    assert "Traceback (most recent call last)" in formatted
    assert "deliberate failure for the log" in formatted
    [line] = _access_lines(caplog)
    assert line["status"] == 500 and line["request_id"] == rid


def test_json_error_quotes_the_same_reference(client, caplog):
    caplog.set_level(logging.INFO, logger="fieldapp")
    response = client.get("/crash", headers={"Accept": "application/json"})
    assert response.status_code == 500
    rid = response.headers["X-Request-Id"]
    assert response.json["reference"] == rid
    assert f"quote this reference: {rid}" in response.json["error"]
    assert any(rid in r.getMessage() for r in caplog.records if r.name == "fieldapp.errors")


def test_every_response_has_a_fresh_request_id(client):
    first = client.get("/healthz").headers["X-Request-Id"]
    second = client.get("/healthz").headers["X-Request-Id"]
    assert first != second


def test_a_proxy_request_id_is_kept_only_behind_a_configured_proxy(tmp_path):
    offered = {"X-Request-Id": "abcdef0123456789"}
    plain = make_app(tmp_path / "plain").test_client()
    assert plain.get("/healthz", headers=offered).headers["X-Request-Id"] != "abcdef0123456789"
    proxied = make_app(tmp_path / "proxied", PROXY_FIX=1).test_client()
    assert proxied.get("/healthz", headers=offered).headers["X-Request-Id"] == "abcdef0123456789"
    hostile = {"X-Request-Id": "x\u202e<script>" * 3}
    assert proxied.get("/healthz", headers=hostile).headers["X-Request-Id"].isalnum()


def test_access_line_has_the_request_and_never_a_token_or_form_data(client, caplog):
    caplog.set_level(logging.INFO, logger="fieldapp")
    page = client.get("/sign-in")
    client.post(
        "/sign-in",
        data={
            "username": USERS["coordinator"][0],
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    client.get(
        "/sites?sector=nail_bar&token=fa_secret123&access_token=tok456",
        headers={"Authorization": "Bearer fa_bearer789"},
    )
    lines = _access_lines(caplog)
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (PASSWORD, "fa_secret123", "tok456", "fa_bearer789", USERS["coordinator"][0]):
        assert secret not in text
    sign_in = next(x for x in lines if x["method"] == "POST")
    assert sign_in["path"] == "/sign-in" and sign_in["status"] == 302
    sites = next(x for x in lines if x["path"] == "/sites")
    assert sites["query"] == "sector=nail_bar&token=[redacted]&access_token=[redacted]"
    assert sites["status"] == 200 and isinstance(sites["user"], int)
    assert isinstance(sites["ms"], float)
    assert set(sites) == {"method", "path", "query", "status", "ms", "user", "request_id"}


def test_what_an_officer_searches_for_is_not_in_the_access_log(client, caplog, auth):
    auth.login("inspector")
    caplog.set_level(logging.INFO, logger="fieldapp")
    client.get("/premises/?q=Jan+Kowalski+flat+2")
    client.get("/premises/new?name=Jan+Kowalski")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "Kowalski" not in text
    lines = {x["path"]: x for x in _access_lines(caplog)}
    assert lines["/premises/"]["query"] == "q=[redacted:19]"
    assert lines["/premises/new"]["query"] == "name=[redacted:12]"


def test_where_an_officer_stands_is_cut_to_a_kilometre_in_the_access_log(client, caplog, auth):
    auth.login("inspector")
    caplog.set_level(logging.INFO, logger="fieldapp")
    client.get("/premises/?lat=52.636878&lon=-1.139759")
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert "52.636878" not in text and "1.139759" not in text
    lines = {x["path"]: x for x in _access_lines(caplog)}
    assert lines["/premises/"]["query"] == "lat=~52.64&lon=~-1.14"


def test_access_log_can_be_switched_off(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="fieldapp")
    make_app(tmp_path, ACCESS_LOG=False).test_client().get("/healthz")
    assert not _access_lines(caplog)


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        (b"page=2", "page=2"),
        (b"Token=abc&q=x", "Token=[redacted]&q=[redacted:1]"),
        (b"q=Jan+Kowalski&page=2", "q=[redacted:12]&page=2"),
        (b"Q=LE1%205AA&name=Bright%20Nails", "Q=[redacted:7]&name=[redacted:12]"),
        (b"q=", "q="),
        (b"api_key=1&key=2", "api_key=[redacted]&key=[redacted]"),
        (b"lat=52.636878&lon=-1.139759&page=2", "lat=~52.64&lon=~-1.14&page=2"),
        (b"LATITUDE=52.6&longitude=nope", "LATITUDE=~52.60&longitude=[redacted]"),
        (b"lat=1e999", "lat=~inf"),
        (b"", ""),
    ],
)
def test_safe_query_redacts_secret_values(query, logged):
    assert safe_query(query) == logged
