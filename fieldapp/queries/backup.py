"""What a backup reads from a database: a consistent copy, its tables' row counts, its
integrity, the audit trail's head and the photo files it names."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from fieldapp.queries import query


def copy_database(source: str, destination: str, busy_timeout_ms: int = 5000) -> None:
    """Copy the database at ``source`` to a new file ``destination`` with SQLite's online
    backup, safe while the app writes.

    Copied in one step: under WAL a reader never blocks writers, and the copy is the
    database as of one moment. (Copying a few pages at a time would start again after
    every write by another connection, and might never finish on a busy day.) The copy is
    one self-contained file, not in WAL mode.
    """
    src = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)
    dst = sqlite3.connect(destination)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = DELETE")
        dst.commit()
    finally:
        dst.close()
        src.close()


def integrity_problems(db: Database) -> list[str]:
    """What SQLite's full integrity check finds (empty when the file is sound)."""
    try:
        rows = [row[0] for row in db.conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as error:
        return [str(error)]
    return [] if rows == ["ok"] else rows


def table_counts(db: Database) -> dict[str, int]:
    """Rows in each table, by name (SQLite's own tables aside)."""
    names = [
        row["name"]
        for row in query(
            db,
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {
        name: db.conn.execute(f"SELECT count(*) FROM {quoted[name]}").fetchone()[0]  # noqa: S608 - names from sqlite_master, quoted
        for name in names
    }


def audit_head(db: Database) -> dict:
    """The audit trail's row count and its latest row's id and mac (None when empty)."""
    rows = db.conn.execute("SELECT count(*) FROM audit").fetchone()[0]
    last = db.conn.execute("SELECT id, row_hash FROM audit ORDER BY id DESC LIMIT 1").fetchone()
    return {"rows": rows, "id": last[0] if last else None, "mac": last[1] if last else None}


def photos(db: Database) -> list[dict]:
    """Every stored photo's id, visit, type and recorded hashes."""
    return query(
        db, "SELECT id, visit_id, content_type, sha256, stripped_sha256 FROM photos ORDER BY id"
    )


def has_data(db: Database) -> bool:
    """Whether any table holds a row, apart from the record of migrations applied and the
    full-text indexes' own bookkeeping (which a new, migrated database already has)."""
    virtual = [
        row["name"]
        for row in query(
            db, "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'"
        )
    ]
    return any(
        count
        for name, count in table_counts(db).items()
        if name != "_sqlite_migrations" and not name.startswith(tuple(f"{v}_" for v in virtual))
    )
