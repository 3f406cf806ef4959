"""API tokens expire, are rate limited per token, and show admins when they were last used."""

from __future__ import annotations

import pytest

from fieldapp.exports import tokens
from fieldapp.migrations import m012_token_expiry
from fieldapp.queries import connect
from tests.conftest import AuthActions, csrf_token, make_app, parse
from tests.test_api import API, bearer, make_token, rows


def set_expiry(app, when: str) -> None:
    db = connect(app.config["DATABASE"])
    db.execute("UPDATE api_tokens SET expires_at = ?", [when])
    db.conn.commit()
    db.conn.close()


def admin_client(app):
    client = app.test_client()
    AuthActions(client).login("admin")
    return client


def create(app, days: str):
    admin = admin_client(app)
    form = admin.get("/admin/tokens").get_data(as_text=True)
    return admin.post(
        "/admin/tokens",
        data={"csrf_token": csrf_token(form), "agency": "glaa", "name": "GLAA", "days": days},
    )


def test_a_token_expires_after_90_days_by_default_shown_when_made_and_listed(app):
    token, page = make_token(app)
    [stored] = rows(app, "SELECT created_at, expires_at FROM api_tokens")
    assert stored["expires_at"][:10] > stored["created_at"][:10]
    from datetime import datetime

    made = datetime.fromisoformat(stored["created_at"])
    assert (datetime.fromisoformat(stored["expires_at"]) - made).days == 90
    assert "It works until" in page.select_one("#new-token-expires").text
    listing = parse(admin_client(app).get("/admin/tokens").get_data(as_text=True))
    cell = listing.select_one('tr[data-token-id] td[data-label="Expires"]').text
    assert cell.strip() and cell.strip() != "Never"


def test_the_admin_chooses_how_long_within_the_limit(app):
    assert create(app, "30").status_code == 201
    [stored] = rows(app, "SELECT created_at, expires_at FROM api_tokens")
    from datetime import datetime

    gap = datetime.fromisoformat(stored["expires_at"]) - datetime.fromisoformat(
        stored["created_at"]
    )
    assert gap.days == 30
    too_long = create(app, "1000")
    assert too_long.status_code == 400
    assert "Enter a number of days from 1 to 365" in too_long.get_data(as_text=True)
    words = create(app, "ninety")
    assert words.status_code == 400
    assert "Enter a number of days, like 90" in words.get_data(as_text=True)
    assert len(rows(app, "SELECT id FROM api_tokens")) == 1


def test_an_expired_token_is_refused_with_401_saying_so(app):
    token, _ = make_token(app)
    client = app.test_client()
    assert client.get(API, headers=bearer(token)).status_code == 200
    set_expiry(app, "2020-01-01T00:00:00+00:00")
    refused = client.get(API, headers=bearer(token))
    assert refused.status_code == 401
    assert "This API token expired on 1 January 2020" in refused.json["error"]
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    listing = admin_client(app).get("/admin/tokens").get_data(as_text=True)
    assert "Expired" in listing


def test_too_many_requests_is_429_with_retry_after(tmp_path):
    app = make_app(tmp_path, API_RATE_LIMIT_PER_MINUTE=3)
    token, _ = make_token(app)
    client = app.test_client()
    for _ in range(3):
        assert client.get(API, headers=bearer(token)).status_code == 200
    limited = client.get(API, headers=bearer(token))
    assert limited.status_code == 429 and limited.is_json
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert "Too many requests with this API token" in limited.json["error"]
    assert len(rows(app, "SELECT id FROM export_log")) == 3  # the refused call exported nothing
    other, _ = make_token(app, name="Another system")
    assert client.get(API, headers=bearer(other)).status_code == 200  # per token


def test_the_sliding_window_lets_requests_in_again_as_old_ones_age():
    window = tokens.SlidingWindow(window=60)
    assert [window.hit("t", 2, now=t) for t in (0, 10)] == [None, None]
    assert window.hit("t", 2, now=30) == 30  # the first leaves the window at 60
    assert window.hit("t", 2, now=60.5) is None
    assert window.hit("t", 2, now=61) == 9


def test_last_used_is_shown_to_admins_and_not_touched_by_refused_calls(app):
    token, _ = make_token(app)
    [before] = rows(app, "SELECT last_used_at FROM api_tokens")
    assert before["last_used_at"] is None
    assert (
        "Never"
        in parse(admin_client(app).get("/admin/tokens").get_data(as_text=True))
        .select_one('td[data-label="Last used"]')
        .text
    )
    app.test_client().get(API, headers=bearer(token))
    [after] = rows(app, "SELECT last_used_at FROM api_tokens")
    assert after["last_used_at"] is not None
    cell = parse(admin_client(app).get("/admin/tokens").get_data(as_text=True)).select_one(
        'td[data-label="Last used"]'
    )
    assert "Never" not in cell.text and ("GMT" in cell.text or "BST" in cell.text)

    set_expiry(app, "2020-01-01T00:00:00+00:00")
    db = connect(app.config["DATABASE"])
    db.execute("UPDATE api_tokens SET last_used_at = '2021-01-01T00:00:00+00:00'")
    db.conn.commit()
    db.conn.close()
    app.test_client().get(API, headers=bearer(token))
    assert rows(app, "SELECT last_used_at FROM api_tokens")[0]["last_used_at"].startswith("2021")


@pytest.mark.parametrize("sql", m012_token_expiry.STATEMENTS[1:])
def test_tokens_made_before_expiry_existed_get_90_days(query_db, sql):
    user = query_db.execute("SELECT id FROM users LIMIT 1").fetchone()[0]
    query_db.execute(
        "INSERT INTO api_tokens (agency, name, token_hash, token_hint, created_at, created_by) "
        "VALUES ('glaa', 'old', 'h', 'fa_', '2025-01-01T00:00:00+00:00', ?)",
        [user],
    )
    query_db.execute(sql)
    expires = query_db.execute("SELECT expires_at FROM api_tokens").fetchone()[0]
    from datetime import UTC, datetime

    days = (datetime.fromisoformat(expires) - datetime.now(UTC)).days
    assert days in (89, 90)


def _make(app, agency: str, scope: str):
    admin = admin_client(app)
    form = admin.get("/admin/tokens").get_data(as_text=True)
    return admin.post(
        "/admin/tokens",
        data={
            "csrf_token": csrf_token(form),
            "agency": agency,
            "name": "East Midlands partnership",
            "scope": scope,
            "days": "30",
        },
    )


def test_a_regional_partnership_gets_a_figures_token_and_nothing_else(app):
    refused = _make(app, "partnership", "flagged_sites")
    assert refused.status_code == 400
    summary = parse(refused.get_data(as_text=True)).select_one(".govuk-error-summary")
    assert "reads aggregate figures only" in summary.text
    assert not rows(app, "SELECT id FROM api_tokens")

    made = _make(app, "partnership", "aggregates")
    assert made.status_code == 201
    token = parse(made.get_data(as_text=True)).select_one("#new-token-value").text.strip()
    listing = admin_client(app).get("/admin/tokens").get_data(as_text=True)
    assert "A regional partnership (aggregate figures only)" in listing
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/aggregates", headers=auth).status_code == 200
    assert client.get("/api/v1/flagged-sites", headers=auth).status_code == 403
