"""Error pages: each status has a page that says what to do next."""

import pytest
from flask import abort

from fieldapp.permissions import public
from tests.conftest import make_app, parse


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path, MAX_CONTENT_LENGTH=1024, PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom/<int:code>", methods=["GET"])
    @public
    def boom(code):
        abort(code)

    @app.route("/crash")
    @public
    def crash():
        raise RuntimeError("unexpected")

    return app


@pytest.mark.parametrize(
    ("code", "heading"),
    [
        (400, "Sorry, there is a problem with your request"),
        (403, "You do not have permission to see this page"),
        (404, "Page not found"),
        (413, "The file is too large"),
        (429, "Too many requests"),
    ],
)
def test_each_error_page(client, code, heading):
    response = client.get(f"/boom/{code}")
    assert response.status_code == code
    page = parse(response.get_data(as_text=True))
    assert page.h1.text.strip() == heading
    assert page.title.text.startswith(heading)


def test_unknown_page_is_404(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    response = client.post("/boom/400")
    assert response.status_code == 405
    assert "not available here" in response.get_data(as_text=True)


def test_unexpected_error_is_a_calm_500(client):
    response = client.get("/crash")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in html
    assert "RuntimeError" not in html


def test_oversized_request_is_413_not_a_crash(client):
    response = client.post("/sign-in", data={"username": "x" * 5000, "password": "y"})
    assert response.status_code == 413


def test_api_style_requests_get_json_errors(client):
    response = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["status"] == 404
