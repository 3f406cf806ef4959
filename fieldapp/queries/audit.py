"""The audit table: appending a row under the write lock, reading the chain back, and the
anchors (row count and last hash) kept beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from sqlite_utils import Database

from fieldapp.queries import query, transaction

HASH_FUNCTION = "fieldapp_audit_hash"
COLUMNS = ("at", "user_id", "username", "action", "table_name", "record_id", "detail", "ip")

# One statement reads the last hash and appends the row, so the read happens under the
# write lock the INSERT holds: two writers cannot both chain to the same previous row
# (SQLite runs writers one at a time, and a writer whose view is stale is refused, never
# allowed to append on top of an old last row).
_APPEND = (
    "INSERT INTO audit (at, user_id, username, action, table_name, record_id, detail, ip, "  # noqa: S608 - a constant function name
    "prev_hash, row_hash, mac_version) "
    "SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, prev, "
    f"{HASH_FUNCTION}(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, prev), ?10 FROM "
    "(SELECT coalesce((SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1), ?9) AS prev)"
)


def append(
    db: Database, values: Sequence, genesis: str, hasher: Callable[..., str], mac_version: int
) -> None:
    """Append one row of COLUMNS ``values``, chained to the last row (or ``genesis``) by
    ``hasher``, marked as made by ``mac_version``."""
    db.conn.create_function(HASH_FUNCTION, 9, hasher, deterministic=True)
    # Usually inside the caller's transaction, after its first write took the write lock:
    # then one statement, no savepoint (this runs on every visit). Alone, a transaction
    # of its own takes the lock up front.
    if db.conn.in_transaction:
        db.conn.execute(_APPEND, [*values, genesis, mac_version])
        return
    with transaction(db):
        db.conn.execute(_APPEND, [*values, genesis, mac_version])


def chain(db: Database) -> Iterator[tuple]:
    """Every row as (id, *COLUMNS, prev_hash, row_hash, mac_version), oldest first."""
    return db.conn.execute(
        f"SELECT id, {', '.join(COLUMNS)}, prev_hash, row_hash, mac_version "  # noqa: S608
        "FROM audit ORDER BY id"
    )


_SEALED = "SELECT COALESCE(SUM(row_count), 0) FROM log_seals WHERE log = 'audit'"


def head(db: Database) -> tuple[int, str | None]:
    """The trail's row count (counting the rows retention removed under seals, so an
    anchor's count stays a position in the whole history) and its last row's hash (None
    when empty)."""
    count, last = db.conn.execute(
        f"SELECT count(*) + ({_SEALED}), "  # noqa: S608 - a constant
        "(SELECT row_hash FROM audit ORDER BY id DESC LIMIT 1) FROM audit"
    ).fetchone()
    return count, last


def hashes_at(db: Database, positions: set[int]) -> tuple[int, dict[int, tuple[int, str]]]:
    """The trail's row count, and (id, row_hash) of its n-th row (oldest first) for each n
    in ``positions``: one pass over the ids and hashes, however many anchors. Positions
    count the rows removed under seals; of those, only a seal's last row is found (its id
    and the seal's end hash)."""
    found: dict[int, tuple[int, str]] = {}
    sealed = 0
    for row_count, last_id, end_hash in db.conn.execute(
        "SELECT row_count, last_id, end_hash FROM log_seals WHERE log = 'audit' ORDER BY id"
    ):
        sealed += row_count
        if sealed in positions and end_hash:
            found[sealed] = (last_id, end_hash)
    count = sealed
    for count, (row_id, digest) in enumerate(
        db.conn.execute("SELECT id, row_hash FROM audit ORDER BY id"), start=sealed + 1
    ):
        if count in positions:
            found[count] = (row_id, digest)
    return count, found


def export_anchors(db: Database) -> list[dict]:
    """The head recorded with each export, oldest first."""
    return query(
        db,
        "SELECT id, at, audit_rows, audit_head FROM export_log "
        "WHERE audit_rows IS NOT NULL ORDER BY id",
    )


# What the log's page can narrow the rows to, each a condition on one argument. Times are
# stored as UTC ISO text of one width, so they compare as text.
FILTERS = {
    "username": "username = ?",
    "action": "action = ?",
    "table_name": "table_name = ?",
    "record_id": "record_id = ?",
    "since": "at >= ?",
    "before": "at < ?",
}

# In the audit trail a failed sign-in has no one signed in: the name typed is in its
# detail, and a search for a person finds the attempts made in their name too (both sides
# of the OR have an index).
AUDIT_FILTERS = {
    **FILTERS,
    "username": "(username = ? OR (action = 'auth.sign_in_failed' "
    "AND json_extract(detail, '$.attempted') = ?))",
}


def where(
    filters: Mapping[str, object], conditions: Mapping[str, str] = FILTERS
) -> tuple[str, list]:
    """A WHERE clause (or nothing) and its arguments for the ``conditions`` given a value."""
    used = [(conditions[name], value) for name, value in filters.items() if value is not None]
    if not used:
        return "", []
    # A condition may name its argument more than once.
    args = [value for sql, value in used for _ in range(sql.count("?"))]
    return " WHERE " + " AND ".join(sql for sql, _ in used), args


def recent(
    db: Database, limit: int = 200, offset: int = 0, filters: Mapping[str, object] | None = None
) -> list[dict]:
    """The newest audit rows first, narrowed by ``filters`` (names from FILTERS)."""
    clause, args = where(filters or {}, AUDIT_FILTERS)
    return query(
        db,
        f"SELECT * FROM audit{clause} ORDER BY id DESC LIMIT ? OFFSET ?",  # noqa: S608
        [*args, limit, offset],
    )


def for_record(db: Database, table: str, record_id, actions: Sequence[str]) -> list[dict]:
    """One record's audit rows of the given actions, newest first."""
    marks = ", ".join("?" for _ in actions)
    return query(
        db,
        "SELECT at, username, action, detail FROM audit WHERE table_name = ? "  # noqa: S608
        f"AND record_id = ? AND action IN ({marks}) ORDER BY id DESC",
        [table, str(record_id), *actions],
    )
