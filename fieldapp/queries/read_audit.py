"""The read log: who consulted which record, when and why (DPA 2018 s62 "consultation").

Rows are only ever added, a few to a request at most, in one short transaction. The audit
trail's chain is for changes, walked row by row by ``flask audit verify``; reads are many
times more numerous and kept apart (see m011_read_audit).

What a read costs is its commit, not its hash: on this project's machine an fsync'd commit
took 5.1 ms (a chained audit row 5.9 ms), and every writer waits its turn for the one write
lock, so at a few hundred page views a second the log would set the pace. A read's commit
therefore skips the fsync (``synchronous = NORMAL``, 0.4 ms): under WAL the database stays
consistent, and the read is on disk at the next fsync'd commit (any change, sign-in or
visit) or checkpoint; only a power cut in between can lose it, never an app crash.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlite_utils import Database

from fieldapp.queries import audit as audit_q
from fieldapp.queries import query, transaction

# The justification categories, as s62 asks: why a record was consulted. A view says which
# its purpose is; the database refuses any other.
WHY = {
    "case_work": "Case work",
    "operation_briefing": "Operation briefing",
    "partner_disclosure": "Partner disclosure",
    "audit_review": "Audit review",
}

COLUMNS = ("at", "user_id", "username", "table_name", "record_id", "why", "ip")
_INSERT = (
    f"INSERT INTO reads ({', '.join(COLUMNS)}) "  # noqa: S608 - constant column names
    f"VALUES ({', '.join('?' for _ in COLUMNS)})"
)


def record(db: Database, rows: Sequence[Sequence]) -> None:
    """Append ``rows`` of COLUMNS values, all or none, without waiting for an fsync."""
    if db.conn.in_transaction:  # part of the caller's write: it commits as the caller says
        db.conn.executemany(_INSERT, rows)
        return
    (previous,) = db.conn.execute("PRAGMA synchronous").fetchone()
    db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        with transaction(db):
            db.conn.executemany(_INSERT, rows)
    finally:
        db.conn.execute(f"PRAGMA synchronous = {int(previous)}")


def recent(
    db: Database, limit: int = 100, offset: int = 0, filters: Mapping[str, object] | None = None
) -> list[dict]:
    """The newest reads first, narrowed by ``filters``: those of the audit trail's (but
    ``action``, which reads have not) and ``why``."""
    given = dict(filters or {})
    why = given.pop("why", None)
    if given.get("action") is not None:
        raise ValueError("reads have no action to filter by")
    given.pop("action", None)
    clause, args = audit_q.where(given)
    if why is not None:
        clause, args = f"{clause} {'AND' if clause else 'WHERE'} why = ?", [*args, why]
    return query(
        db,
        f"SELECT * FROM reads{clause} ORDER BY id DESC LIMIT ? OFFSET ?",  # noqa: S608
        [*args, limit, offset],
    )
