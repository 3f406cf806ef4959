"""Retention for the audit trail, the export log and the read log: the oldest rows go in
sealed id ranges, the newest row never goes, and what remains still verifies; rows
removed by hand, or under a seal made without the audit key, are caught."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest

from fieldapp import audit
from fieldapp.migrations import migrate
from fieldapp.queries import connect
from fieldapp.timeutil import utcnow
from tests.conftest import _build_app
from tests.test_backup import create, empty_app, invoke

NOW = "2026-06-01T12:00:00+00:00"
# Six years for the audit trail and the export log, two for the read log (retention.toml).
AUDIT_CUTOFF = "2020-06-01T12:00:00+00:00"
READS_CUTOFF = "2024-06-01T12:00:00+00:00"
OFFICER = audit.Actor(None, "officer.jones", "192.0.2.7")
DETAIL = "Jan Kowalski's nail bar"


@pytest.fixture
def log_app(tmp_path):
    """An installation on a fresh database with no rows yet, so the logs start in the past."""
    app = _build_app(tmp_path, {})
    db = connect(app.config["DATABASE"])
    migrate(db)
    db.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, "
        "updated_at) VALUES (1, 'officer.jones', 'Officer Jones', 'inspector', 'x', ?, ?)",
        [NOW, NOW],
    )
    db.conn.commit()
    db.conn.close()
    return app


@pytest.fixture
def db(log_app):
    conn = connect(log_app.config["DATABASE"])
    yield conn
    conn.conn.close()


def write(db, monkeypatch, when: str, n: int = 1) -> None:
    """``n`` rows in each log at ``when``: an audit row, a read and an export."""
    monkeypatch.setattr(audit, "now_iso", lambda: when)
    for _ in range(n):
        audit.record("test.change", "premises", 7, db=db, actor=OFFICER, note=DETAIL)
        db.execute(
            "INSERT INTO reads (at, user_id, username, table_name, record_id, why, ip) "
            "VALUES (?, 1, 'officer.jones', 'visits', 'v1', 'case_work', '192.0.2.7')",
            [when],
        )
        db.execute(
            "INSERT INTO export_log (at, user_id, agency, format, filter, row_count, byte_count, "
            "sha256) VALUES (?, 1, 'police', 'csv', ?, 3, 100, 'abc')",
            [when, DETAIL],
        )
    db.conn.commit()
    monkeypatch.undo()


def world(db, monkeypatch) -> None:
    """Past and inside each period, either side of its cut-off, then recent rows."""
    write(db, monkeypatch, "2019-01-01T09:00:00+00:00", 3)
    write(db, monkeypatch, AUDIT_CUTOFF)  # exactly at the cut-off: past it
    write(db, monkeypatch, "2020-06-01T12:00:01+00:00")  # a second inside: kept
    write(db, monkeypatch, "2024-06-01T11:59:59+00:00")  # the read log: past its two years
    write(db, monkeypatch, "2024-06-01T12:00:01+00:00")
    write(db, monkeypatch, "2026-05-01T09:00:00+00:00", 2)


def apply(app, *extra):
    result = app.test_cli_runner().invoke(
        args=["retention", "apply", "--now", NOW, "--yes", *extra]
    )
    assert result.exit_code == 0, result.output
    return result


def verify(app, *extra):
    return app.test_cli_runner().invoke(args=["audit", "verify", *extra])


def ids(db, table):
    return [r[0] for r in db.execute(f"SELECT id FROM {table} ORDER BY id")]  # noqa: S608


def times(db, table):
    return [r[0] for r in db.execute(f"SELECT at FROM {table} ORDER BY id")]  # noqa: S608


def seals(db, log):
    return list(db.query("SELECT * FROM log_seals WHERE log = ? ORDER BY id", [log]))


def drop(db, *triggers):
    """What someone with the database file could do: drop the guards."""
    for name in triggers:
        db.execute(f"DROP TRIGGER IF EXISTS {name}")


def test_rows_past_the_period_go_under_seals_and_the_rest_verifies(log_app, db, monkeypatch):
    world(db, monkeypatch)
    result = apply(log_app, "--batch", "2")
    assert "audit: 4 removed from audit" in result.output
    assert "export_log: 4 removed from export_log" in result.output
    assert "read_audit: 6 removed from reads" in result.output
    assert "audit: not removed yet" not in result.output
    # A second inside each period is kept; exactly at the cut-off goes.
    assert times(db, "export_log")[0] == "2020-06-01T12:00:01+00:00"
    assert times(db, "reads")[0] == "2024-06-01T12:00:01+00:00"
    first_audit = db.execute("SELECT at FROM audit ORDER BY id LIMIT 1").fetchone()[0]
    assert first_audit == "2020-06-01T12:00:01+00:00"
    # Batches of two: whole ranges from row 1, each starting right after the one before.
    audit_seals = seals(db, "audit")
    assert [(s["first_id"], s["last_id"], s["row_count"]) for s in audit_seals] == [
        (1, 2, 2),
        (3, 4, 2),
    ]
    assert [(s["first_id"], s["last_id"]) for s in seals(db, "reads")] == [(1, 2), (3, 4), (5, 6)]
    assert audit_seals[0]["first_at"] == "2019-01-01T09:00:00+00:00"
    assert audit_seals[-1]["last_at"] == AUDIT_CUTOFF
    kept = db.execute("SELECT prev_hash FROM audit ORDER BY id LIMIT 1").fetchone()[0]
    assert audit_seals[-1]["end_hash"] == kept  # the first kept row links to the seal
    assert all(s["end_hash"] is None for s in seals(db, "reads") + seals(db, "export_log"))
    # One tombstone a seal, naming the range.
    tombstones = db.execute(
        "SELECT record_type, table_name, record_id, counted_from FROM tombstones "
        "WHERE table_name = 'audit' ORDER BY id"
    ).fetchall()
    assert tombstones == [
        ("audit", "audit", "ids 1-2", "2019-01-01T09:00:00+00:00"),
        ("audit", "audit", "ids 3-4", AUDIT_CUTOFF),
    ]
    detail = json.loads(
        db.execute("SELECT detail FROM audit WHERE action = 'retention.apply'").fetchone()[0]
    )
    assert detail["removed"] == {
        "audit.audit": 4,
        "export_log.export_log": 4,
        "read_audit.reads": 6,
    }
    assert detail["sealed"]["reads"] == ["ids 1-2", "ids 3-4", "ids 5-6"]

    checked = verify(log_app)
    assert checked.exit_code == 0, checked.output
    assert checked.output.startswith(f"audit trail intact: {len(ids(db, 'audit'))} rows")
    assert (
        "; 7 retention seals verify (removed under them: 4 audit trail rows, 4 export log "
        "rows, 6 read log rows)"
    ) in checked.output


def test_a_second_run_removes_nothing_and_later_rows_still_verify(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    seal_count = db.execute("SELECT count(*) FROM log_seals").fetchone()[0]
    tombstones = db.execute("SELECT count(*) FROM tombstones").fetchone()[0]
    again = apply(log_app)
    assert "audit: 0 removed from audit" in again.output
    assert "read_audit: 0 removed from reads" in again.output
    assert db.execute("SELECT count(*) FROM log_seals").fetchone()[0] == seal_count
    assert db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == tombstones
    with log_app.app_context():
        for n in range(3):
            audit.record("test.later", "things", n, db=db)
    checked = verify(log_app)
    assert checked.exit_code == 0, checked.output
    assert "audit trail intact" in checked.output


def test_the_newest_row_of_each_log_is_never_removed(log_app, db, monkeypatch):
    write(db, monkeypatch, "2010-01-01T00:00:00+00:00", 4)
    newest = {table: ids(db, table)[-1] for table in ("audit", "reads", "export_log")}
    apply(log_app, "--batch", "3")
    for table in ("reads", "export_log"):
        assert ids(db, table) == [newest[table]]
    # The audit trail keeps its old head, and gains the retention.apply row after it.
    assert ids(db, "audit")[0] == newest["audit"]
    assert seals(db, "audit")[-1]["last_id"] == newest["audit"] - 1
    assert verify(log_app).exit_code == 0


def test_audit_rows_of_the_last_day_stay_whatever_now_says(log_app, db, monkeypatch):
    clock = utcnow()
    for hours in (50, 49, 23, 1):
        write(db, monkeypatch, (clock - timedelta(hours=hours)).isoformat())
    result = log_app.test_cli_runner().invoke(
        args=["retention", "apply", "--now", "2040-01-01T00:00:00+00:00", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert "audit: 2 removed from audit" in result.output
    assert "export_log: 3 removed from export_log" in result.output  # only its head stays
    assert verify(log_app).exit_code == 0


def test_a_delete_not_covered_by_a_seal_is_refused(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    for table in ("audit", "reads", "export_log"):
        kept = ids(db, table)[0]
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"DELETE FROM {table} WHERE id = ?", [kept])  # noqa: S608
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(f"DELETE FROM {table}")  # noqa: S608
    for statement in ("UPDATE log_seals SET row_count = 1", "DELETE FROM log_seals"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)


def test_a_removed_seal_is_caught(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app, "--batch", "2")
    first = seals(db, "reads")[0]
    drop(db, "log_seals_no_delete")
    db.execute("DELETE FROM log_seals WHERE id = ?", [first["id"]])
    db.conn.commit()
    result = verify(log_app)
    assert result.exit_code == 1
    second = seals(db, "reads")[0]
    assert (
        f"read log seal {second['id']} (rows 3-4): read log rows 1-2 are missing before it and "
        "no seal covers them"
    ) in result.output


def test_rows_removed_beyond_the_last_seal_are_caught(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    drop(db, "audit_no_delete", "reads_no_delete")
    audit_kept, reads_kept = ids(db, "audit")[0], ids(db, "reads")[0]
    db.execute("DELETE FROM audit WHERE id = ?", [audit_kept])
    db.execute("DELETE FROM reads WHERE id = ?", [reads_kept])
    db.conn.commit()
    result = verify(log_app)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    # The chain names the row whose link breaks; the seals name the rows gone.
    assert lines[0].startswith(
        f"broken at row {audit_kept + 1}: its link to row {audit_kept - 1} does not match"
    )
    assert (
        f"audit trail row {audit_kept + 1}: audit trail row {audit_kept} is missing before "
        "it and no seal covers them"
    ) in result.output
    assert f"read log row {reads_kept + 1}: read log row {reads_kept} is missing" in (result.output)


def test_a_seal_forged_without_the_key_is_caught(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    # Someone with the file but not the key seals the next export log row and removes it.
    last = seals(db, "export_log")[-1]
    victim = ids(db, "export_log")[0]
    at = times(db, "export_log")[0]
    forged = ["export_log", victim, victim, 1, at, at, None, NOW]
    db.execute(
        "INSERT INTO log_seals (log, first_id, last_id, row_count, first_at, last_at, end_hash, "
        "sealed_at, mac_version, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
        [*forged, audit.seal_mac(*forged, key=b"a guessed key")],
    )
    db.execute("DELETE FROM export_log WHERE id = ?", [victim])  # the trigger lets it go
    db.conn.commit()
    assert last["last_id"] + 1 == victim
    result = verify(log_app)
    assert result.exit_code == 1
    forged_id = seals(db, "export_log")[-1]["id"]
    assert (
        f"export log seal {forged_id} (rows {victim}-{victim}): its MAC does not match: it was "
        "forged or changed by someone without the audit key"
    ) in result.output


def test_a_seal_changed_after_it_was_written_is_caught(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    seal = seals(db, "audit")[0]
    drop(db, "log_seals_no_update")
    db.execute("UPDATE log_seals SET row_count = 1 WHERE id = ?", [seal["id"]])
    db.conn.commit()
    result = verify(log_app)
    assert result.exit_code == 1
    assert f"audit trail seal {seal['id']} (rows 1-4): its MAC does not match" in result.output


def test_tombstones_and_seals_hold_no_content(log_app, db, monkeypatch):
    world(db, monkeypatch)
    apply(log_app)
    stored = str(db.execute("SELECT * FROM log_seals").fetchall()) + str(
        db.execute("SELECT * FROM tombstones").fetchall()
    )
    assert db.execute("SELECT count(*) FROM tombstones").fetchone()[0] == 3  # one a seal
    for content in ("officer.jones", "Kowalski", "192.0.2.7", "police", "case_work", "premises"):
        assert content not in stored


def test_anchors_and_export_anchors_still_match_after_removal(log_app, db, monkeypatch, tmp_path):
    write(db, monkeypatch, "2010-01-01T00:00:00+00:00", 3)
    with log_app.app_context():
        inside = audit.head(db)  # its row will go, inside a sealed segment
    world(db, monkeypatch)
    with log_app.app_context():
        later = audit.head(db)  # its row stays
    anchors = tmp_path / "anchors.txt"
    anchors.write_text(inside.line() + "\n" + later.line() + "\n")
    apply(log_app)
    with log_app.app_context():
        assert audit.head(db).rows == later.rows + 1  # counting the removed rows
    result = verify(log_app, "--anchor", str(anchors))
    assert result.exit_code == 0, result.output
    assert "; 1 anchors match" in result.output
    # Removing the tail is still caught: the anchor's row count is a position in history.
    drop(db, "audit_no_delete")
    db.execute("DELETE FROM audit WHERE id > ?", [ids(db, "audit")[-3]])
    db.conn.commit()
    assert verify(log_app, "--anchor", str(anchors)).exit_code == 1


def test_a_backup_made_after_removal_verifies_and_restores(log_app, db, monkeypatch, tmp_path):
    world(db, monkeypatch)
    apply(log_app)
    archive = create(log_app, tmp_path / "backups")
    verified = invoke(log_app, "verify", archive)
    assert verified.exit_code == 0, verified.output
    target = empty_app(tmp_path / "restored")
    result = invoke(target, "restore", archive)
    assert result.exit_code == 0, result.output
    assert "audit trail intact" in result.output and "retention seals verify" in result.output
    assert verify(target).exit_code == 0


def test_a_row_inside_its_period_stops_the_run_so_ranges_stay_whole(log_app, db, monkeypatch):
    write(db, monkeypatch, "2010-01-01T00:00:00+00:00")
    write(db, monkeypatch, "2026-05-01T00:00:00+00:00")  # inside: everything after it stays
    write(db, monkeypatch, "2010-02-01T00:00:00+00:00")
    write(db, monkeypatch, "2026-05-02T00:00:00+00:00")
    apply(log_app)
    for table in ("reads", "export_log"):
        assert times(db, table)[:2] == ["2026-05-01T00:00:00+00:00", "2010-02-01T00:00:00+00:00"]
    assert [(s["first_id"], s["last_id"]) for s in seals(db, "reads")] == [(1, 1)]
    assert verify(log_app).exit_code == 0
