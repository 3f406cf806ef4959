"""Staff as data subjects: everything held about an officer, and anonymising a leaver
while the visits they recorded stay attributed to a pseudonym."""

from __future__ import annotations

import json

from fieldapp import audit
from fieldapp.queries import connect
from fieldapp.queries import users as users_q
from tests.conftest import USERS, AuthActions
from tests.factories import record_visit
from tests.visit_helpers import add_premises, visit_form


def _officer(app) -> tuple[int, int, str]:
    """The inspector signs in twice (once wrongly) and records a visit."""
    client = app.test_client()
    AuthActions(client).login("inspector", password="not the password")
    assert AuthActions(client).login("inspector").status_code == 302
    premises_id = add_premises(app, name="<svg onload=x> Wash")
    visit_id = record_visit(app, premises_id, visit_form())
    db = connect(app.config["DATABASE"])
    user_id = users_q.find_by_username(db, USERS["inspector"][0])["id"]
    db.conn.close()
    return user_id, premises_id, visit_id


def test_records_lists_everything_held_about_an_officer(app, runner, tmp_path):
    user_id, premises_id, visit_id = _officer(app)
    out = tmp_path / "records.json"
    result = runner.invoke(args=["users", "records", USERS["inspector"][0], "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 visits" in result.output and "2 sign_in_attempts" in result.output
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found["account"]["username"] == USERS["inspector"][0]
    assert "password_hash" not in json.dumps(found)
    parts = found["parts"]
    assert [v["id"] for v in parts["visits"]["rows"]] == [visit_id]
    assert parts["visits"]["rows"][0]["premises"] == "<svg onload=x> Wash"
    assert [a["succeeded"] for a in parts["sign_in_attempts"]["rows"]] == [0, 1]
    assert parts["sessions"]["count"] == 1 and "id" not in parts["sessions"]["rows"][0]
    assert any(r["action"] == "visit.create" for r in parts["audit_trail"]["rows"]), parts[
        "audit_trail"
    ]
    db = connect(app.config["DATABASE"])
    assert (
        db.execute(
            "SELECT count(*) FROM audit WHERE action = 'user.subject_access' AND record_id = ?",
            [str(user_id)],
        ).fetchone()[0]
        == 1
    )


def test_anonymising_a_leaver_keeps_their_visits_under_a_pseudonym(app, runner):
    user_id, _, visit_id = _officer(app)
    username = USERS["inspector"][0]
    result = runner.invoke(args=["users", "anonymise", username, "--yes"])
    assert result.exit_code == 0, result.output
    assert f"Former staff member {user_id}" in result.output
    db = connect(app.config["DATABASE"])
    user = db.execute(
        "SELECT username, display_name, active FROM users WHERE id = ?", [user_id]
    ).fetchone()
    assert user == (f"former-{user_id}", f"Former staff member {user_id}", 0)
    inspector = db.execute("SELECT inspector_id FROM visits WHERE id = ?", [visit_id]).fetchone()
    assert inspector[0] == user_id  # still attributed, to the pseudonym
    assert not db.execute(
        "SELECT count(*) FROM login_attempts WHERE username = ?", [username]
    ).fetchone()[0]
    live = db.execute(
        "SELECT count(*) FROM sessions WHERE user_id = ? AND ended_at IS NULL", [user_id]
    ).fetchone()[0]
    assert live == 0
    assert audit.verify(db).intact
    # Neither the old password nor the old username signs in any more.
    client = app.test_client()
    assert AuthActions(client).login("inspector").status_code != 302


def test_anonymise_asks_first_and_unknown_names_are_refused(app, runner):
    result = runner.invoke(args=["users", "anonymise", USERS["inspector"][0]], input="n\n")
    assert result.exit_code != 0 and "Nothing changed" in result.output
    db = connect(app.config["DATABASE"])
    assert users_q.find_by_username(db, USERS["inspector"][0])["active"] == 1
    result = runner.invoke(args=["users", "records", "<script>nobody"])
    assert result.exit_code != 0 and "No user called" in result.output
