"""Shell commands for users, the database and demo data (run with an app context)."""

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
