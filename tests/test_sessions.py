"""Sessions live on the server: signing out, a reset or a disable ends them, so a copied
cookie stops working; sign out everywhere; cookies last only as long as the browser unless
the officer asks to stay signed in."""

from datetime import timedelta

from fieldapp import accounts, sessions
from fieldapp.queries import users as users_q
from tests.conftest import USERS, AuthActions, csrf_token


def _cookie(client) -> str:
    cookie = client.get_cookie("fieldapp_session")
    assert cookie is not None, "not signed in"
    return cookie.value


def _replay(app, value: str, remote_addr: str = "127.0.0.1"):
    """A second browser holding a copy of the cookie."""
    thief = app.test_client()
    thief.environ_base["REMOTE_ADDR"] = remote_addr
    thief.set_cookie("fieldapp_session", value)
    return thief


def test_a_cookie_replayed_after_sign_out_is_refused(app, client, auth):
    auth.login("inspector")
    copied = _cookie(client)
    assert _replay(app, copied).get("/").status_code == 200  # the copy works while signed in
    auth.logout()
    response = _replay(app, copied).get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_the_cookie_holds_a_random_token_not_the_user_id(app, client, auth, db):
    auth.login("inspector")
    with client.session_transaction() as kept:
        token = kept["_user_id"]
    assert len(token) >= 40
    stored = [r["id"] for r in db.query("SELECT id FROM sessions")]
    assert stored == [sessions.token_hash(token)]  # only its hash is kept


def test_signing_out_ends_only_this_session(app, auth):
    phone, laptop = app.test_client(), app.test_client()
    AuthActions(phone).login("inspector")
    AuthActions(laptop).login("inspector")
    AuthActions(phone).logout()
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_sign_out_everywhere_ends_every_session_of_the_user(app, auth, db):
    phone, laptop, colleague = app.test_client(), app.test_client(), app.test_client()
    AuthActions(phone).login("inspector")
    AuthActions(laptop).login("inspector")
    AuthActions(colleague).login("coordinator")
    page = laptop.get("/").get_data(as_text=True)
    assert "Sign me out on every phone and computer" in page
    response = laptop.post("/sign-out", data={"csrf_token": csrf_token(page), "everywhere": "1"})
    assert response.headers["Location"] == "/sign-in"
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert colleague.get("/").status_code == 200
    actions = [r["action"] for r in db.query("SELECT action FROM audit ORDER BY id")]
    assert actions[-1] == "auth.sign_out_everywhere"


def test_admin_signs_a_user_out_everywhere(app, as_role, db):
    phone = app.test_client()
    AuthActions(phone).login("inspector")
    target = users_q.find_by_username(db, USERS["inspector"][0])
    admin = as_role("admin")
    page = admin.get(f"/admin/users/{target['id']}")
    assert "1 live session" in page.text
    response = admin.post(
        f"/admin/users/{target['id']}/sign-out",
        {},
        expected=303,
        form_url=f"/admin/users/{target['id']}",
    )
    assert response.headers["Location"] == f"/admin/users/{target['id']}"
    assert phone.get("/").status_code == 302
    assert "0 live sessions" in admin.get(f"/admin/users/{target['id']}").text
    audit = next(db.query("SELECT * FROM audit WHERE action = 'user.sign_out_everywhere'"))
    assert (audit["record_id"], audit["username"]) == (str(target["id"]), "ada.admin")


def test_password_reset_and_disable_end_sessions_even_for_a_copied_cookie(app, client, auth, db):
    auth.login("inspector")
    copied = _cookie(client)
    user = users_q.find_by_username(db, USERS["inspector"][0])
    with app.test_request_context():
        accounts.reset_password(db, user["id"], "an entirely new secret")
    assert _replay(app, copied).get("/").status_code == 302
    auth.login("inspector", password="an entirely new secret")
    copied = _cookie(client)
    with app.test_request_context():
        accounts.set_active(db, user["id"], False)
    assert _replay(app, copied).get("/").status_code == 302


def test_a_session_unused_for_the_lifetime_is_refused(app, client, auth, monkeypatch):
    auth.login("inspector")
    later = sessions.utcnow() + app.permanent_session_lifetime + timedelta(minutes=1)
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    assert client.get("/").status_code == 302


def test_use_is_recorded_at_most_every_few_minutes(app, client, auth, db, monkeypatch):
    auth.login("inspector")
    first = db.execute("SELECT last_seen_at FROM sessions").fetchone()[0]
    client.get("/")
    assert db.execute("SELECT last_seen_at FROM sessions").fetchone()[0] == first
    later = sessions.utcnow() + sessions.TOUCH_EVERY
    monkeypatch.setattr(sessions, "utcnow", lambda: later)
    client.get("/")
    assert db.execute("SELECT last_seen_at FROM sessions").fetchone()[0] == later.isoformat()


def _session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if "fieldapp_session=" in h)


def test_the_session_cookie_goes_when_the_browser_closes_by_default(auth):
    header = _session_cookie_header(auth.login("inspector"))
    assert "Expires=" not in header and "Max-Age" not in header


def test_stay_signed_in_keeps_the_cookie_for_the_session_lifetime(auth):
    header = _session_cookie_header(auth.login("inspector", stay_signed_in="y"))
    assert "Expires=" in header


def test_sign_in_page_offers_to_stay_signed_in(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Stay signed in on this phone" in page
