"""Shell commands for users, the database and demo data (run with an app context)."""

import json

from fieldapp import accounts
from fieldapp.queries import connect
from fieldapp.queries import users as users_q


def test_users_create_disable_and_reset_password(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "new.officer",
            "--name",
            "New Officer",
            "--role",
            "inspector",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Created inspector new.officer" in result.output
    db = connect(app.config["DATABASE"])
    user = users_q.find_by_username(db, "new.officer")
    assert user["role"] == "inspector" and user["active"] == 1

    result = runner.invoke(args=["users", "disable", "new.officer"])
    assert result.exit_code == 0, result.output
    assert users_q.find_by_username(db, "new.officer")["active"] == 0

    result = runner.invoke(
        args=["users", "reset-password", "new.officer", "--password", "another long password"]
    )
    assert result.exit_code == 0, result.output
    assert accounts.verify(db, "new.officer", "another long password") is None  # still disabled
    runner.invoke(args=["users", "enable", "new.officer"])
    assert accounts.verify(db, "new.officer", "another long password")["username"] == "new.officer"

    actions = [
        (r["action"], r["username"])
        for r in db.query("SELECT * FROM audit WHERE record_id = ? ORDER BY id", [user["id"]])
    ]
    assert actions == [
        ("user.create", "(command line)"),
        ("user.update", "(command line)"),
        ("user.reset_password", "(command line)"),
        ("user.update", "(command line)"),
    ]


def test_users_create_explains_bad_input(runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "p1",
            "--name",
            "P",
            "--role",
            "partner",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code != 0
    assert "agency: Select the agency" in result.output
    result = runner.invoke(
        args=["users", "create", "p2", "--name", "P", "--role", "inspector", "--password", "short"]
    )
    assert "password: Password must be 12 characters or more" in result.output


def test_users_disable_unknown_user(runner):
    result = runner.invoke(args=["users", "disable", "ghost"])
    assert result.exit_code != 0
    assert "No user called ghost" in result.output


def test_db_migrate_reports_up_to_date(runner):
    result = runner.invoke(args=["db", "migrate"])
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_demo_load_prints_one_login_per_role_and_is_repeatable(tmp_path):
    from tests.conftest import make_app

    outputs = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        app = make_app(tmp_path / name)
        db = connect(app.config["DATABASE"])
        db.execute("DELETE FROM users")  # the demo loader only fills an empty database
        db.conn.commit()
        result = app.test_cli_runner().invoke(args=["demo", "load", "--if-empty"])
        assert result.exit_code == 0, result.output
        for role in ("inspector", "coordinator", "partner", "admin"):
            assert f"  {role}" in result.output
        outputs.append(
            [
                dict(r)
                for r in db.query(
                    "SELECT uuid, name, sector, address, postcode, latitude, longitude "
                    "FROM premises"
                )
            ]
        )
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) >= 100
    assert {p["sector"] for p in outputs[0]} == {"hand_car_wash", "nail_bar"}
    # Leicester, roughly: every demo premises is inside the city.
    assert all(52.55 < p["latitude"] < 52.70 and -1.25 < p["longitude"] < -1.02 for p in outputs[0])


def test_migrating_to_could_not_inspect_reassesses_every_premises_once(tmp_path):
    """A database from before visits could fail to judge the risk: a site found high with a
    red flag, then visited with nothing answered, wrongly read "not visited yet". The
    migration marks the empty visit, and `db migrate` re-assesses, restoring the high."""
    from fieldapp.migrations import migrations
    from tests.conftest import _build_app  # the app without the template database

    app = _build_app(tmp_path, {})
    db = connect(app.config["DATABASE"])
    migrations.apply(db, stop_before="m009_visit_outcomes_and_concerns")
    db["users"].insert(
        {
            "id": 1,
            "username": "old.officer",
            "display_name": "Old Officer",
            "role": "inspector",
            "password_hash": "x",
            "created_at": "2025-01-01T00:00:00+00:00",
            "updated_at": "2025-01-01T00:00:00+00:00",
        },
        alter=False,
    )
    db.execute(
        "INSERT INTO premises (id, uuid, name, sector, address, postcode, created_at, "
        "updated_at) VALUES (1, 'u-1', 'Old Wash', 'hand_car_wash', '1 Road', 'LE1 1AA', "
        "'2025-01-01T00:00:00+00:00', '2025-01-01T00:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO checklist_versions (hash, checklist_id, version, content, first_used_at) "
        "VALUES ('h1', 'hand_car_wash', 1, '{}', '2025-01-01T00:00:00+00:00')"
    )
    red_flag = {
        "red_flags": [{"id": "debt", "question": "Debt?", "category": "CTL"}],
        "contributions": [],
    }
    empty = {"red_flags": [], "contributions": []}
    for visit_id, day, band, flags, result in (
        ("v-high", "2025-06-01", "high", 1, red_flag),
        ("v-empty", "2025-06-02", None, 0, empty),
    ):
        db.execute(
            "INSERT INTO visits (id, premises_id, inspector_id, root_id, visited_at, "
            "submitted_at, checklist_hash, checklist_id, checklist_version, location_method, "
            "score_total, score_maximum, band, red_flag_count, result, content_hash) VALUES "
            "(?, 1, 1, ?, ?, ?, 'h1', 'hand_car_wash', 1, 'none', 5, 5, ?, ?, ?, 'c')",
            [
                visit_id,
                visit_id,
                f"{day}T10:00:00+00:00",
                f"{day}T10:00:00+00:00",
                band,
                flags,
                json.dumps(result),
            ],
        )
    # What the old code left: the empty visit as the current risk.
    db.execute("UPDATE premises SET risk_band = NULL, last_visit_at = '2025-06-02T10:00:00+00:00'")
    db.conn.commit()
    runner = app.test_cli_runner()

    result = runner.invoke(args=["db", "migrate"])
    assert result.exit_code == 0, result.output
    assert "m009_visit_outcomes_and_concerns" in result.output
    assert "Re-assessed 1 premises: 1 changed level (none -> high: 1)" in result.output
    row = db.execute("SELECT risk_band, last_visit_at, red_flag_count FROM premises").fetchone()
    assert row == ("high", "2025-06-01T10:00:00+00:00", 1)
    outcome = db.execute("SELECT outcome, outcome_reason FROM visits WHERE id = 'v-empty'")
    assert outcome.fetchone() == ("not_assessed", "too_little")

    again = runner.invoke(args=["premises", "reassess"])
    assert again.exit_code == 0, again.output
    assert "Re-assessed 1 premises: 0 changed level; 0 newly flagged" in again.output
