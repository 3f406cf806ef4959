"""The database: migrations, connection settings and the append-only audit table."""

import sqlite3

import pytest

from fieldapp.migrations import migrate, migrations
from fieldapp.queries import connect


def test_migrate_creates_every_table_then_is_a_no_op(tmp_path):
    db = connect(str(tmp_path / "new.db"))
    applied = migrate(db)
    assert applied == [m.name for m in migrations._migrations]
    assert {"users", "audit", "premises", "login_attempts"} <= set(db.table_names())
    assert migrate(db) == []


def test_migrate_keeps_existing_data(tmp_path):
    path = str(tmp_path / "old.db")
    db = connect(path)
    migrate(db)
    db.execute(
        "INSERT INTO users (username, display_name, role, password_hash, created_at, updated_at)"
        " VALUES ('kept', 'Kept User', 'inspector', 'x', 'now', 'now')"
    )
    db.conn.commit()
    db.conn.close()
    again = connect(path)
    assert migrate(again) == []
    assert again.execute("SELECT username FROM users").fetchall() == [("kept",)]


def test_connection_enforces_foreign_keys_and_uses_wal(tmp_path):
    db = connect(str(tmp_path / "fk.db"))
    migrate(db)
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("INSERT INTO audit (at, user_id, action) VALUES ('now', 999, 'orphan')")


def test_audit_rows_cannot_be_changed_or_deleted(tmp_path):
    db = connect(str(tmp_path / "audit.db"))
    migrate(db)
    db.execute("INSERT INTO audit (at, action) VALUES ('now', 'something')")
    db.conn.commit()
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("UPDATE audit SET action = 'else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("DELETE FROM audit")


def test_premises_search_finds_name_street_and_postcode(tmp_path):
    db = connect(str(tmp_path / "fts.db"))
    migrate(db)
    db["premises"].insert(
        {
            "uuid": "u1",
            "name": "Glimmerfold Hand Car Wash",
            "sector": "hand_car_wash",
            "address": "12 Narborough Road, Leicester",
            "postcode": "LE3 0AB",
            "created_at": "now",
            "updated_at": "now",
        }
    )
    for query in ["glimmerfold", "narborough", "LE3"]:
        assert [r["name"] for r in db["premises"].search(query)] == ["Glimmerfold Hand Car Wash"]


def test_search_index_follows_renames_but_not_risk_updates(tmp_path):
    db = connect(str(tmp_path / "fts2.db"))
    migrate(db)
    db["premises"].insert(
        {
            "uuid": "u1",
            "name": "Old Name Car Wash",
            "sector": "hand_car_wash",
            "address": "1 A Street",
            "postcode": "LE1 1AA",
            "created_at": "now",
            "updated_at": "now",
        }
    )
    changes = db.conn.total_changes
    db.execute("UPDATE premises SET risk_band = 'high' WHERE uuid = 'u1'")
    assert db.conn.total_changes - changes == 1  # the row only, no index rows
    db.execute("UPDATE premises SET name = 'New Name Car Wash' WHERE uuid = 'u1'")
    db.conn.commit()
    assert [r["name"] for r in db["premises"].search("new")] == ["New Name Car Wash"]
    assert list(db["premises"].search("old")) == []
