"""Sign-in throttling slows guessing without ever locking the owner out (OWASP, NCSC):
progressive delays per account and per address, capped; the owner's own address is not
slowed by failures elsewhere; admins and a reset clear the delays."""

from datetime import timedelta

import pytest

from fieldapp import accounts, sessions
from fieldapp.queries import users as users_q
from tests.conftest import USERS, AuthActions, make_app

OWNER_ADDRESS = "10.20.0.7"
ATTACKER_ADDRESS = "203.0.113.9"
OFFICE_ADDRESS = "198.51.100.1"  # one council office, many officers behind NAT
CAP = 60


class Clock:
    """The throttle's clock, moved by hand so no test sleeps."""

    def __init__(self):
        self.now = accounts.utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float):
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(accounts, "utcnow", clock)
    monkeypatch.setattr(sessions, "utcnow", clock)
    return clock


def browser(app, address: str) -> AuthActions:
    """A browser of its own at ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return AuthActions(client)


def _signed_in_once_from(app, role: str, address: str) -> AuthActions:
    owner = browser(app, address)
    assert owner.login(role).status_code == 302
    owner.logout()
    return owner


def test_delays_double_after_the_free_failures_and_stop_at_the_cap():
    assert [accounts.delay_after(n, 5, CAP) for n in range(4, 13)] == [
        0, 1, 2, 4, 8, 16, 32, 60, 60,
    ]  # fmt: skip
    assert accounts.delay_after(10_000, 5, CAP) == CAP


def test_a_delayed_attempt_says_how_long_to_wait(app, clock):
    guesser = browser(app, ATTACKER_ADDRESS)
    for _ in range(7):
        guesser.login("inspector", password="not the password")
        clock.advance(CAP)
    clock.advance(-CAP)  # just after the seventh
    response = guesser.login("inspector")  # the right password, but too soon
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "4"
    assert "Too many failed attempts to sign in. Wait 4 seconds and try again" in (
        response.get_data(as_text=True)
    )


def test_attempts_refused_while_waiting_do_not_lengthen_the_wait(app, clock):
    guesser = browser(app, ATTACKER_ADDRESS)
    for _ in range(5):
        guesser.login("inspector", password="not the password")
    for _ in range(30):
        assert guesser.login("inspector", password="not the password").status_code == 429
    clock.advance(1)
    assert guesser.login("inspector").status_code == 302


def test_fifty_wrong_passwords_from_elsewhere_do_not_stop_the_owner(app, clock):
    owner = _signed_in_once_from(app, "inspector", OWNER_ADDRESS)
    guesser = browser(app, ATTACKER_ADDRESS)
    for _ in range(50):
        # Waiting out every delay, so all fifty are checked and counted.
        assert guesser.login("inspector", password="guess guess guess").status_code == 200
        clock.advance(CAP)
    assert owner.login("inspector").status_code == 302  # at once, from their own address


def test_the_owner_from_a_new_address_waits_no_longer_than_the_cap(app, clock):
    guesser = browser(app, ATTACKER_ADDRESS)
    for _ in range(50):
        guesser.login("inspector", password="guess guess guess")
        clock.advance(CAP)
    guesser.login("inspector", password="one more guess")
    owner = browser(app, "10.99.0.1")  # a phone the owner never used before
    response = owner.login("inspector")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= CAP
    clock.advance(CAP)
    assert owner.login("inspector").status_code == 302


def test_failures_from_one_address_do_not_lock_other_accounts(app, clock):
    coordinator = _signed_in_once_from(app, "coordinator", "10.20.0.8")
    office_admin = _signed_in_once_from(app, "admin", OFFICE_ADDRESS)
    office = browser(app, OFFICE_ADDRESS)
    for n in range(20):
        office.login(username=f"someone.{n}", password="not the password")
    assert office.login("partner").status_code == 429  # a stranger here now waits
    assert coordinator.login("coordinator").status_code == 302  # from their own address
    assert office_admin.login("admin").status_code == 302  # a colleague in the same office


def test_a_correct_sign_in_from_the_owners_address_is_slowed_only_by_its_own_failures(app, clock):
    owner = _signed_in_once_from(app, "inspector", OWNER_ADDRESS)
    for _ in range(5):
        owner.login("inspector", password="fat fingers typo")
    assert owner.login("inspector").status_code == 429
    clock.advance(1)
    assert owner.login("inspector").status_code == 302


def _delayed(app, role: str) -> AuthActions:
    guesser = browser(app, ATTACKER_ADDRESS)
    # The clock stands still, so after the first five the guesses are refused unchecked.
    for _ in range(12):
        guesser.login(role, password="not the password")
    assert guesser.login(role).status_code == 429
    return guesser


def test_admin_unlock_in_the_browser_clears_the_delay(app, clock, as_role, db):
    guesser = _delayed(app, "inspector")
    target = users_q.find_by_username(db, USERS["inspector"][0])
    admin = as_role("admin")
    url = f"/admin/users/{target['id']}"
    assert "5 failed sign-ins" in admin.get(url).select_one("[data-testid=sign-in-failures]").text
    response = admin.post(f"{url}/unlock", {}, expected=303, form_url=url)
    assert response.headers["Location"] == url
    assert "0 failed sign-ins" in admin.get(url).text
    assert guesser.login("inspector").status_code == 302
    audit = next(db.query("SELECT * FROM audit WHERE action = 'user.unlock'"))
    assert (audit["username"], audit["record_id"]) == ("ada.admin", str(target["id"]))
    assert audit["detail"] == '{"failures_cleared": 5}'


def test_unlock_from_the_command_line_clears_the_delay(app, clock, db):
    guesser = _delayed(app, "inspector")
    result = app.test_cli_runner().invoke(args=["users", "unlock", "ivy.inspector"])
    assert result.exit_code == 0, result.output
    assert "ivy.inspector can sign in again" in result.output
    assert guesser.login("inspector").status_code == 302
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'user.unlock'").fetchone()[0]


def test_unlock_of_an_unknown_user_says_so(app):
    result = app.test_cli_runner().invoke(args=["users", "unlock", "no.such.person"])
    assert result.exit_code != 0
    assert "No user called no.such.person" in result.output


def test_a_password_reset_clears_the_delay(app, clock, db):
    guesser = _delayed(app, "inspector")
    target = users_q.find_by_username(db, USERS["inspector"][0])
    with app.test_request_context():
        accounts.reset_password(db, target["id"], "a fresh long secret")
    assert guesser.login("inspector", password="a fresh long secret").status_code == 302


def test_delays_and_refusals_are_audited(app, clock, db):
    _delayed(app, "inspector")
    rows = [
        (r["action"], r["detail"])
        for r in db.query("SELECT * FROM audit WHERE action LIKE 'auth.%' ORDER BY id")
    ]
    assert rows[4] == ("auth.sign_in_failed", '{"attempted": "ivy.inspector"}')
    assert rows[5] == (
        "auth.sign_in_delayed",
        '{"attempted": "ivy.inspector", "scope": "account", "wait_seconds": 1}',
    )
    assert rows[-1] == (
        "auth.throttled",
        '{"attempted": "ivy.inspector", "scope": "account", "wait_seconds": 1}',
    )


def test_failures_age_out_after_the_window(app, clock):
    guesser = browser(app, ATTACKER_ADDRESS)
    for _ in range(10):
        guesser.login("inspector", password="not the password")
        clock.advance(CAP)
    clock.advance(15 * 60)
    assert guesser.login("inspector").status_code == 302


def test_a_request_through_an_unconfigured_proxy_is_warned_about_once(app, client, caplog):
    with caplog.at_level("WARNING"):
        client.get("/sign-in", headers={"X-Forwarded-For": "192.0.2.44"})
        client.get("/sign-in", headers={"X-Forwarded-For": "192.0.2.45"})
    warnings = [r.getMessage() for r in caplog.records if "PROXY_FIX" in r.getMessage()]
    assert len(warnings) == 1
    assert "X-Forwarded-For" in warnings[0] and "127.0.0.1" in warnings[0]


def test_no_proxy_warning_when_proxy_fix_is_set(tmp_path, caplog):
    proxied = make_app(tmp_path, PROXY_FIX=1)
    with caplog.at_level("WARNING"):
        proxied.test_client().get("/sign-in", headers={"X-Forwarded-For": "192.0.2.44"})
    assert not [r for r in caplog.records if "PROXY_FIX" in r.getMessage()]


def test_behind_a_configured_proxy_delays_follow_the_forwarded_address(tmp_path, clock):
    proxied = make_app(tmp_path, PROXY_FIX=1)
    guesser = AuthActions(proxied.test_client())
    guesser.client.environ_base["HTTP_X_FORWARDED_FOR"] = ATTACKER_ADDRESS
    for n in range(20):
        guesser.login(username=f"someone.{n}", password="not the password")
    colleague = AuthActions(proxied.test_client())
    colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = OWNER_ADDRESS
    assert colleague.login("partner").status_code == 302  # not slowed by the guesser


@pytest.mark.parametrize("action", ["unlock", "sign-out"])
@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner"])
def test_only_admins_can_unlock_or_sign_others_out(as_role, db, role, action):
    target = users_q.find_by_username(db, USERS["admin"][0])
    client = as_role(role)
    response = client.post(f"/admin/users/{target['id']}/{action}", {}, expected=403, form_url="/")
    assert response.status_code == 403
    assert (
        db.execute(
            "SELECT count(*) FROM audit WHERE action IN ('user.unlock', 'user.sign_out_everywhere')"
        ).fetchone()[0]
        == 0
    )
