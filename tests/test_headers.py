"""Security headers: a strict Content-Security-Policy everywhere, HSTS over HTTPS, and
pages with case data never kept in a cache."""

import re

import pytest

from fieldapp.http import content_security_policy, tile_source
from tests.conftest import make_app


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in header.split("; ")}


def test_strict_policy_on_every_kind_of_response(client, as_role):
    for url in ("/sign-in", "/healthz", "/static/app.css", "/sw.js", "/no/such/page"):
        policy = _policy(client.get(url))
        assert policy["default-src"] == "'self'"
        assert re.fullmatch(r"'self' 'nonce-[\w-]{20,}'", policy["script-src"])
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
        assert policy["frame-ancestors"] == "'self'" and policy["form-action"] == "'self'"
        assert policy["connect-src"] == "'self'"
        assert policy["img-src"] == "'self' data:"  # tests have no tile server
        assert "unsafe-inline" not in str(policy) and "unsafe-eval" not in str(policy)


def test_nonce_is_new_each_request_and_on_the_page_s_inline_script(client):
    first, second = client.get("/sign-in"), client.get("/sign-in")
    nonce = _policy(first)["script-src"].split("'nonce-")[1].rstrip("'")
    assert nonce not in _policy(second)["script-src"]
    html = first.get_data(as_text=True)
    inline = re.findall(r"<script(?![^>]*\b(?:src|type)=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)


def test_map_frame_inline_blocks_carry_the_nonce(as_role, client):
    as_role("coordinator")
    response = client.get("/sites/map/frame")
    nonce = _policy(response)["script-src"].split("'nonce-")[1].rstrip("'")
    html = response.get_data(as_text=True)
    assert "<script>" not in html and "<style>" not in html
    assert html.count(f'nonce="{nonce}"') >= 2


def test_tile_host_is_allowed_for_images(tmp_path):
    app = make_app(tmp_path, TILE_URL="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    policy = _policy(app.test_client().get("/sign-in"))
    assert policy["img-src"] == "'self' data: https://tile.openstreetmap.org"


@pytest.mark.parametrize(
    ("url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org:8443/{z}/{x}/{y}.png", "https://*.tile.example.org:8443"),
        ("", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_tile_source(url, source):
    assert tile_source(url) == source


def test_policy_text():
    assert "script-src 'self' 'nonce-abc'" in content_security_policy("abc", "")


def test_hsts_only_over_https_unless_forced(client, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/sign-in").headers
    secure = client.get("/sign-in", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    forced = make_app(tmp_path / "forced", HSTS_ALWAYS=True).test_client().get("/sign-in")
    assert "Strict-Transport-Security" in forced.headers


def test_signed_in_pages_and_json_are_never_stored(as_role, client):
    as_role("coordinator")
    for url in ("/", "/sites", "/sites/map", "/sites/map/frame", "/operations", "/api/session"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url


def test_static_files_and_the_worker_keep_their_caching(client):
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    assert client.get("/sw.js").headers["Cache-Control"] == "no-cache"


def test_permissions_policy_kept(client):
    policy = client.get("/sign-in").headers["Permissions-Policy"]
    assert "geolocation=(self)" in policy
