"""Seals over removed stretches of the audit trail, export log and read log (m024).

``stop_at`` and ``next_batch`` find the oldest rows of a log that may go: a run from the
oldest row, in id order, each past the cut-off, stopping at the first row that is not (or
whose time cannot be read), and never the newest row. ``seal_and_remove`` writes the seal
and its tombstone and deletes the range, inside the caller's transaction. The rest reads
seals back for verification.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from fieldapp.queries import one, query

# The logs that are sealed, by the name a seal gives them: the table, and whether its rows
# carry a chain hash (the audit trail's row_hash) to keep at a seal's end.
LOGS: dict[str, tuple[str, bool]] = {
    "audit": ("audit", True),
    "export_log": ("export_log", False),
    "reads": ("reads", False),
}

SEAL_COLUMNS = (
    "log",
    "first_id",
    "last_id",
    "row_count",
    "first_at",
    "last_at",
    "end_hash",
    "sealed_at",
)


def _table(log: str) -> str:
    return LOGS[log][0]


def stop_at(db: Database, log: str, now: str, shift: str, guard: str) -> int | None:
    """The id removal stops before: the first row of ``log`` not at or before both ``now``
    moved by ``shift`` and ``guard`` (or whose time cannot be read), else the newest row,
    which always stays (None when the log is empty). Found once a run: rows are only added
    after it, so it holds while the run goes on."""
    table = _table(log)
    found = db.conn.execute(
        f"SELECT id FROM {table} WHERE julianday(at) IS NULL OR julianday(at) > "  # noqa: S608 - names from LOGS
        "MIN(julianday(:now, :shift), julianday(:guard)) ORDER BY id LIMIT 1",
        {"now": now, "shift": shift, "guard": guard},
    ).fetchone()
    if found:
        return found[0]
    return db.conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0]  # noqa: S608 - names from LOGS


def next_batch(db: Database, log: str, stop: int, limit: int) -> list[dict]:
    """Up to ``limit`` of the oldest rows (id, at, hash) of ``log`` before ``stop``, and
    never its newest row."""
    table = _table(log)
    digest = "row_hash" if LOGS[log][1] else "NULL"
    return query(
        db,
        f"SELECT id, at, {digest} AS hash FROM {table} "  # noqa: S608 - names from LOGS
        f"WHERE id < :stop AND id < (SELECT MAX(id) FROM {table}) ORDER BY id LIMIT :limit",
        {"stop": stop, "limit": limit},
    )


def last_seal(db: Database, log: str) -> dict | None:
    """The newest seal of ``log``."""
    return one(db, "SELECT * FROM log_seals WHERE log = ? ORDER BY id DESC LIMIT 1", [log])


def next_id_after(db: Database, log: str, row_id: int) -> int | None:
    """The id of the first row of ``log`` after ``row_id`` (None if there is none)."""
    table = _table(log)
    return db.conn.execute(
        f"SELECT MIN(id) FROM {table} WHERE id > ?",  # noqa: S608 - names from LOGS
        [row_id],
    ).fetchone()[0]


def seals(db: Database, log: str | None = None) -> list[dict]:
    """Every seal (of ``log``, or of all logs), oldest first."""
    if log is None:
        return query(db, "SELECT * FROM log_seals ORDER BY id")
    return query(db, "SELECT * FROM log_seals WHERE log = ? ORDER BY id", [log])


def first_kept(db: Database, log: str) -> dict | None:
    """The oldest row still in ``log``: its id (and for the audit trail, its prev_hash)."""
    table = _table(log)
    prev = "prev_hash" if LOGS[log][1] else "NULL"
    return one(
        db,
        f"SELECT id, {prev} AS prev_hash FROM {table} ORDER BY id LIMIT 1",  # noqa: S608 - names from LOGS
    )


def rows_sealed(db: Database, log: str) -> int:
    """How many rows of ``log`` seals say were removed."""
    return db.conn.execute(
        "SELECT COALESCE(SUM(row_count), 0) FROM log_seals WHERE log = ?", [log]
    ).fetchone()[0]


def seal_and_remove(
    db: Database, seal: Sequence, mac_version: int, mac: str, tombstone: Sequence
) -> int:
    """Write the seal (SEAL_COLUMNS values), its tombstone (record type, table, record id,
    counted from, rule, removed at) and delete the rows it covers; return the seal's id.
    Call inside a transaction: seal and removal land together or not at all."""
    values = dict(zip(SEAL_COLUMNS, seal, strict=True))
    cursor = db.conn.execute(
        f"INSERT INTO log_seals ({', '.join(SEAL_COLUMNS)}, mac_version, mac) "  # noqa: S608 - constant column names
        f"VALUES ({', '.join('?' for _ in SEAL_COLUMNS)}, ?, ?)",
        [*seal, mac_version, mac],
    )
    db.conn.execute(
        "INSERT INTO tombstones (record_type, table_name, record_id, counted_from, rule, "
        "removed_at) VALUES (?, ?, ?, ?, ?, ?)",
        list(tombstone),
    )
    db.conn.execute(
        f"DELETE FROM {_table(values['log'])} WHERE id BETWEEN ? AND ?",  # noqa: S608 - names from LOGS
        [values["first_id"], values["last_id"]],
    )
    return cursor.lastrowid
