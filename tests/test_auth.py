"""Signing in and out, throttling, and CSRF."""

import pytest

from fieldapp import accounts
from fieldapp.queries import connect
from fieldapp.queries import users as users_q
from tests.conftest import PASSWORD, USERS, csrf_token


def test_sign_in_lands_on_home_with_role_shown(client, auth):
    response = auth.login("coordinator")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Cole Coordinator" in page
    assert "Coordinator" in page


def test_anonymous_user_is_sent_to_sign_in_and_back(client, auth):
    response = client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    page = client.get(response.headers["Location"])
    response = client.post(
        response.headers["Location"],
        data={
            "username": "ada.admin",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/admin/users"


def test_next_cannot_send_the_user_to_another_site(client):
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in?next=//evil.example/steal",
        data={
            "username": "ada.admin",
            "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("", "x", "Enter your username"),
        ("ivy.inspector", "", "Enter your password"),
        ("ivy.inspector", "wrong password", "Enter a correct username and password"),
        ("nobody", "wrong password", "Enter a correct username and password"),
    ],
)
def test_sign_in_errors_name_the_problem(client, username, password, message):
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={
            "username": username,
            "password": password,
            "csrf_token": csrf_token(page.get_data(as_text=True)),
        },
    )
    html = response.get_data(as_text=True)
    assert message in html
    assert "There is a problem" in html  # the error summary
    assert "<title>Error:" in html


def test_sign_out_ends_the_session(client, auth):
    auth.login("inspector")
    response = auth.logout()
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


def test_a_static_file_fetched_during_sign_out_cannot_renew_the_session(client, auth):
    # The browser fetches the favicon with the cookie it had before signing out; if that
    # answer renewed the cookie, the sign-out would be undone.
    auth.login("inspector")
    response = client.get("/static/favicon.svg")
    assert "Set-Cookie" not in response.headers
    assert client.get("/").status_code == 200


def test_sign_out_needs_post(client, auth):
    auth.login("inspector")
    assert client.get("/sign-out").status_code == 405


def test_a_successful_sign_in_resets_the_failure_count(client, auth):
    for _ in range(4):
        auth.login("inspector", password="not the password")
    assert auth.login("inspector").status_code == 302
    auth.logout()
    for _ in range(4):
        auth.login("inspector", password="not the password")
    assert auth.login("inspector").status_code == 302


def test_disabled_user_cannot_sign_in_and_is_signed_out(app, client, auth, db):
    auth.login("inspector")
    user = users_q.find_by_username(db, USERS["inspector"][0])
    with app.test_request_context():
        accounts.set_active(db, user["id"], False)
    assert client.get("/").status_code == 302  # session no longer valid
    response = auth.login("inspector")
    assert "Enter a correct username and password" in response.get_data(as_text=True)


def test_password_reset_ends_existing_sessions(app, client, auth, db):
    auth.login("inspector")
    assert client.get("/").status_code == 200
    user = users_q.find_by_username(db, USERS["inspector"][0])
    with app.test_request_context():
        accounts.reset_password(db, user["id"], "a brand new password")
    assert client.get("/").status_code == 302
    assert auth.login("inspector", password="a brand new password").status_code == 302


def test_post_without_csrf_token_is_refused_with_the_expired_form_page(client, auth):
    auth.login("inspector")
    response = client.post("/sign-out", data={})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still signed in


def test_sign_in_and_failures_are_audited(app, auth):
    auth.login("inspector", password="nope nope nope")
    auth.login("inspector")
    auth.logout()
    db = connect(app.config["DATABASE"])
    rows = [
        (r["action"], r["username"], r["detail"])
        for r in db.query("SELECT * FROM audit WHERE action LIKE 'auth.%' ORDER BY id")
    ]
    assert rows == [
        ("auth.sign_in_failed", None, '{"attempted": "ivy.inspector"}'),
        ("auth.sign_in", "ivy.inspector", None),
        ("auth.sign_out", "ivy.inspector", None),
    ]
