"""The retention schedule (checklists/retention.toml): its checks and what it would remove."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlite_utils import Database

from fieldapp.checklists import RECORD_TYPES, ChecklistError, load_retention
from fieldapp.migrations import migrate
from fieldapp.queries import retention as retention_q

SHIPPED = Path(__file__).resolve().parent.parent / "checklists"
NOW = "2026-06-01T12:00:00+00:00"


@pytest.fixture
def schedule_file(tmp_path) -> Path:
    path = tmp_path / "retention.toml"
    shutil.copy(SHIPPED / "retention.toml", path)
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ChecklistError) as caught:
        load_retention(path)
    return [str(problem) for problem in caught.value.problems]


def test_the_shipped_schedule_covers_every_record_type_with_a_basis():
    schedule = load_retention(SHIPPED / "retention.toml")
    assert list(schedule) == list(RECORD_TYPES)
    assert schedule["visits"].months == 72 and schedule["visits"].period == "6 years"
    assert schedule["sessions"].period == "1 year"
    assert all(rule.basis and rule.after for rule in schedule.values())


def test_an_unknown_record_type_is_named_with_its_file(schedule_file):
    schedule_file.write_text(
        schedule_file.read_text() + '\n[vists]\nyears = 6\nafter = "x"\nbasis = "y"\n'
    )
    found = problems(schedule_file)
    assert len(found) == 1
    assert found[0].startswith(f'{schedule_file}: vists: unknown record type "vists"')


def test_a_missing_record_type_is_named(schedule_file):
    text = schedule_file.read_text()
    start = text.index("[photos]")
    schedule_file.write_text(text[:start] + text[text.index("[referrals]") :])
    assert problems(schedule_file) == [
        f"{schedule_file}: photos: is missing: add a [photos] table with years (or months), "
        "after and basis."
    ]


def test_a_negative_or_zero_period_is_refused(schedule_file):
    text = schedule_file.read_text()
    text = text.replace("[visits]\nyears = 6", "[visits]\nyears = -6", 1)
    text = text.replace("[sessions]\nmonths = 12", "[sessions]\nmonths = 0", 1)
    schedule_file.write_text(text)
    found = problems(schedule_file)
    assert len(found) == 2
    assert found[0].startswith(f"{schedule_file}: visits.years: -6 is not a period")
    assert found[1].startswith(f"{schedule_file}: sessions.months: 0 is not a period")


def test_a_period_needs_one_unit_and_a_basis(schedule_file):
    text = schedule_file.read_text().replace("[audit]\nyears = 6", "[audit]\nyears = 6\nmonths = 3")
    text = text.replace(
        '[imports]\nyears = 2\nafter = "the load"\nbasis', "[imports]\nyears = 2\nbasis"
    )
    schedule_file.write_text(text)
    found = problems(schedule_file)
    assert any(p.startswith(f"{schedule_file}: imports.after: ") for p in found)
    assert any(p.startswith(f"{schedule_file}: audit: give the period as one of") for p in found)


def _world() -> Database:
    db = Database(memory=True)
    migrate(db)
    db["users"].insert(
        {
            "id": 1,
            "username": "o",
            "display_name": "O",
            "role": "inspector",
            "password_hash": "x",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    db["premises"].insert(
        {
            "id": 1,
            "uuid": "p1",
            "name": "Shine",
            "sector": "hand_car_wash",
            "created_at": NOW,
            "updated_at": NOW,
        }
    )
    db["checklist_versions"].insert(
        {"hash": "h", "checklist_id": "c", "version": 1, "content": "{}", "first_used_at": NOW}
    )
    for visit_id, when in (
        ("seven", "2019-05-01T10:00:00+00:00"),
        ("five", "2021-05-01T10:00:00+00:00"),
    ):
        db["visits"].insert(
            {
                "id": visit_id,
                "premises_id": 1,
                "inspector_id": 1,
                "root_id": visit_id,
                "visited_at": when,
                "submitted_at": when,
                "checklist_hash": "h",
                "checklist_id": "c",
                "checklist_version": 1,
                "location_method": "none",
                "score_total": 0,
                "score_maximum": 0,
                "result": "{}",
                "content_hash": "x",
            }
        )
        db["answers"].insert_all(
            {"visit_id": visit_id, "question_id": q, "value": "yes"} for q in ("a", "b")
        )
    db["sessions"].insert_all(
        [
            {
                "id": "old",
                "user_id": 1,
                "created_at": "2025-01-01T09:00:00+00:00",
                "last_seen_at": "2025-01-02T09:00:00+00:00",
            },
            {
                "id": "new",
                "user_id": 1,
                "created_at": "2026-05-01T09:00:00+00:00",
                "last_seen_at": "2026-05-30T09:00:00+00:00",
            },
        ]
    )
    return db


def test_the_report_counts_a_visit_past_six_years_and_not_one_inside_them():
    rows = retention_q.due(_world(), NOW, {"visits": 72, "sessions": 12})
    assert rows == [
        {"record_type": "visits", "table": "visits", "years": 7, "count": 1},
        {"record_type": "visits", "table": "answers", "years": 7, "count": 2},
        {"record_type": "sessions", "table": "sessions", "years": 1, "count": 1},
    ]


def test_a_longer_period_counts_nothing_and_types_left_out_are_not_counted():
    assert retention_q.due(_world(), NOW, {"visits": 96}) == []


def test_the_report_command_prints_the_counts_and_removes_nothing(app, runner, db):
    result = runner.invoke(args=["retention", "report", "--now", "2040-01-01T00:00:00+00:00"])
    assert result.exit_code == 0, result.output
    assert "nothing has been removed" in result.output
    assert "visits (visits, their answers and price checks): kept 6 years after the visit." in (
        result.output
    )
    assert "sessions (sign-in sessions and sign-in attempts): kept 1 year" in result.output


# Applying the schedule: what goes, what stays, and the tombstone each removal leaves.

APPLY_NOW = "2026-06-01T12:00:00+00:00"
OLD, RECENT = "2025-05-01T10:00:00+00:00", "2026-05-01T10:00:00+00:00"


def _removable_world(db) -> None:
    user = db.execute("SELECT id FROM users ORDER BY id LIMIT 1").fetchone()[0]
    for n, when in enumerate((OLD, RECENT)):
        db.execute(
            "INSERT INTO sessions (id, user_id, created_at, last_seen_at, ended_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [f"s{n}", user, when, when, when],
        )
        db.execute(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, 0)",
            [f"user{n}", "192.0.2.1", when],
        )
        db.execute(
            "INSERT INTO geocode_cache (query, fetched_at) VALUES (?, ?)",
            [f"{n} jan kowalski's house, leicester", when],
        )
    # Three postcode loads: the old ones go except the newest of their kind, whatever its age.
    for n, when in enumerate(("2023-01-01T00:00:00+00:00", "2023-06-01T00:00:00+00:00")):
        db.execute(
            "INSERT INTO place_loads (kind, file_name, rows_loaded, rows_skipped, held, loaded_at) "
            "VALUES ('onspd', ?, 1, 0, 1, ?)",
            [f"ONSPD_{n}.csv", when],
        )
    db.execute(
        "INSERT INTO place_loads (kind, file_name, rows_loaded, rows_skipped, held, loaded_at) "
        "VALUES ('uprn', 'uprn.csv', 1, 0, 1, '2023-01-01T00:00:00+00:00')"
    )
    db.conn.commit()


def test_apply_removes_what_is_past_its_period_and_leaves_tombstones(app, runner, db):
    _removable_world(db)
    result = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes", "--batch", "1"])
    assert result.exit_code == 0, result.output
    assert "sessions: 1 removed from sessions" in result.output
    assert "sessions: 1 removed from login_attempts" in result.output
    assert "geocode_cache: 1 removed from geocode_cache" in result.output
    assert "imports: 1 removed from place_loads" in result.output
    assert "visits: not removed yet" in result.output
    assert "audit: not removed yet" not in result.output and "sealed id ranges" in result.output
    assert [r[0] for r in db.execute("SELECT id FROM sessions")] == ["s1"]
    assert [r[0] for r in db.execute("SELECT username FROM login_attempts")] == ["user1"]
    assert [r[0] for r in db.execute("SELECT file_name FROM place_loads ORDER BY id")] == [
        "ONSPD_1.csv",
        "uprn.csv",
    ]
    tombstones = db.execute(
        "SELECT record_type, table_name, record_id, counted_from, rule FROM tombstones ORDER BY id"
    ).fetchall()
    assert len(tombstones) == 4
    assert (
        "sessions",
        "sessions",
        "s0",
        OLD,
        "sessions: kept 1 year after the session was last used, or the sign-in attempt",
    ) in tombstones
    geocode = next(t for t in tombstones if t[0] == "geocode_cache")
    assert geocode[2].startswith("sha256:") and "kowalski" not in str(tombstones).lower()
    audit_row = db.execute("SELECT detail FROM audit WHERE action = 'retention.apply'").fetchone()[
        0
    ]
    assert '"sessions.sessions": 1' in audit_row
    # Again: nothing more is due, nothing more goes.
    again = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes"])
    assert "sessions: 0 removed from sessions" in again.output
    assert db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 4


def test_tombstones_cannot_be_rewritten_and_apply_asks_first(app, runner, db):
    _removable_world(db)
    refused = runner.invoke(args=["retention", "apply", "--now", APPLY_NOW], input="n\n")
    assert refused.exit_code != 0 and "Nothing removed" in refused.output
    assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 2
    runner.invoke(args=["retention", "apply", "--now", APPLY_NOW, "--yes"])
    for statement in ("UPDATE tombstones SET rule = 'x'", "DELETE FROM tombstones"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(statement)
    bad = runner.invoke(args=["retention", "apply", "--yes", "--batch", "0"])
    assert bad.exit_code != 0 and "--batch" in bad.output
