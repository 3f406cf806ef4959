"""The records ``flask retention apply`` removes that other records hang on: referrals,
photos, visits, operations, training and premises (fieldapp.retention_records).

Each record type has a SELECT giving, per record, its ``key``, the time its period counts
from (``at``) and ``held``: why it must stay although past its period (something still
stored refers to it), or NULL. A record is its whole family: a visit is every revision of
it (keyed by ``root_id``, counted from the latest), a referral is it and its corrections
(keyed by the first, counted from the last step on any of them).
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from fieldapp.queries import query
from fieldapp.queries.retention import _REFERRAL_LAST_ACTION

# Each referral with the first referral of its chain of corrections.
_CHAINS = (
    "WITH RECURSIVE chain(id, root) AS (SELECT id, id FROM referrals WHERE corrects IS NULL "
    "UNION ALL SELECT r.id, c.root FROM referrals r JOIN chain c ON r.corrects = c.id) "
)
VISIT_HELD = "a referral still kept refers to it"
PREMISES_HELD = {
    "visit": "a visit of it is still kept",
    "referral": "a referral about it is still kept",
    "operation": "an operation still kept includes it",
}

# (record type, main table, a SELECT of key, at, held), in the order they are removed:
# referrals before the visits they hold, everything before the premises it holds.
RECORDS: tuple[tuple[str, str, str], ...] = (
    (
        "referrals",
        "referrals",
        f"{_CHAINS}SELECT c.root AS key, MAX(a.at) AS at, NULL AS held FROM chain c "  # noqa: S608 - fixed fragments
        f"JOIN ({_REFERRAL_LAST_ACTION}) a ON a.id = c.id GROUP BY c.root",
    ),
    ("photos", "photos", "SELECT id AS key, created_at AS at, NULL AS held FROM photos"),
    (
        "visits",
        "visits",
        # Not correlated: the visits referrals name are found once, not once a visit.
        "SELECT v.root_id AS key, MAX(v.visited_at) AS at, CASE WHEN v.root_id IN (SELECT "  # noqa: S608 - fixed fragments
        "w.root_id FROM referrals r JOIN visits w ON w.id = r.visit_id) "
        f"THEN '{VISIT_HELD}' END AS held FROM visits v GROUP BY v.root_id",
    ),
    (
        "operations",
        "operations",
        "SELECT id AS key, operation_date AS at, NULL AS held FROM operations",
    ),
    ("training", "training", "SELECT id AS key, recorded_at AS at, NULL AS held FROM training"),
    (
        "premises",
        "premises",
        "SELECT p.id AS key, "  # noqa: S608 - fixed fragments
        "MAX(p.created_at, COALESCE(p.updated_at, ''), COALESCE(p.last_visit_at, '')) AS at, "
        "CASE WHEN p.id IN (SELECT premises_id FROM visits) "
        f"THEN '{PREMISES_HELD['visit']}' "
        "WHEN p.id IN (SELECT premises_id FROM referrals) "
        f"THEN '{PREMISES_HELD['referral']}' "
        "WHEN p.id IN (SELECT premises_id FROM operation_sites "
        "UNION SELECT premises_id FROM operation_outcomes) "
        f"THEN '{PREMISES_HELD['operation']}' END AS held FROM premises p",
    ),
)

# Rows that go with a record, as (table, column naming the main row), deleted before it.
CHILDREN: dict[str, tuple[tuple[str, str], ...]] = {
    "referrals": (("referral_steps", "referral_id"),),
    "visits": (("answers", "visit_id"), ("price_observations", "visit_id")),
    "operations": (
        ("operation_sites", "operation_id"),
        ("operation_partners", "operation_id"),
        ("operation_outcomes", "operation_id"),
    ),
    "training": (("training_withdrawals", "training_id"),),
}

# The rows of each family (the key's own row for a single-row record), newest first so
# no row is deleted while another still refers to it.
_MEMBERS = {
    "referrals": f"{_CHAINS}SELECT c.id AS id, a.at AS at FROM chain c JOIN "  # noqa: S608 - fixed fragments
    f"({_REFERRAL_LAST_ACTION}) a ON a.id = c.id "
    "WHERE c.root IN (SELECT value FROM json_each(:keys)) ORDER BY c.id DESC",
    "visits": "SELECT id, visited_at AS at FROM visits "
    "WHERE root_id IN (SELECT value FROM json_each(:keys)) ORDER BY root_id, revision DESC",
}
_PHOTOS = "SELECT id, visit_id, content_type, created_at AS at FROM photos WHERE "


def _window(record_sql: str) -> str:
    return (
        f"SELECT key, at, held FROM ({record_sql}) "  # noqa: S608 - fixed fragments
        "WHERE julianday(at) <= julianday(:now, :shift)"
    )


def due(db: Database, record_sql: str, months: int, now: str, limit: int) -> list[dict]:
    """Up to ``limit`` records of ``record_sql`` past ``months`` at ``now`` and not held,
    oldest first: ``{"key", "at"}``."""
    return query(
        db,
        f"SELECT key, at FROM ({_window(record_sql)}) WHERE held IS NULL "  # noqa: S608 - fixed fragments
        "ORDER BY at, key LIMIT :limit",
        {"now": now, "shift": f"-{int(months)} months", "limit": limit},
    )


def held(db: Database, record_sql: str, months: int, now: str) -> dict[str, int]:
    """How many records past their period are held back, by why."""
    rows = query(
        db,
        f"SELECT held, count(*) AS count FROM ({_window(record_sql)}) "  # noqa: S608 - fixed fragments
        "WHERE held IS NOT NULL GROUP BY held ORDER BY held",
        {"now": now, "shift": f"-{int(months)} months"},
    )
    return {row["held"]: row["count"] for row in rows}


def members(db: Database, record_type: str, records: list[dict]) -> list[dict]:
    """The rows of ``records``' families, ``{"id", "at"}``, in the order to delete them."""
    if record_type not in _MEMBERS:
        return [{"id": r["key"], "at": r["at"]} for r in records]
    return query(db, _MEMBERS[record_type], {"keys": json.dumps([r["key"] for r in records])})


def photos(db: Database, column: str, keys: list) -> list[dict]:
    """The photos whose ``column`` (``id`` or ``visit_id``) is in ``keys``."""
    where = {"id": "id", "visit_id": "visit_id"}[column]
    return query(
        db,
        f"{_PHOTOS}{where} IN (SELECT value FROM json_each(:keys)) ORDER BY id",  # noqa: S608 - fixed fragments
        {"keys": json.dumps(keys)},
    )


def child_counts(db: Database, table: str, column: str, keys: list) -> dict:
    """How many rows of ``table`` each of ``keys`` has (a name from CHILDREN)."""
    rows = query(
        db,
        f"SELECT {column} AS key, count(*) AS count FROM {table} "  # noqa: S608 - names from CHILDREN
        f"WHERE {column} IN (SELECT value FROM json_each(:keys)) GROUP BY {column}",
        {"keys": json.dumps(keys)},
    )
    return {row["key"]: row["count"] for row in rows}


def remove(db: Database, tombstones: list[tuple], deletes: list[tuple[str, str, list]]) -> dict:
    """Write ``tombstones`` (record type, table, record id, counted from, rule, removed at),
    then delete, in order, the rows of each ``(table, column, keys)``: how many went from
    each table. The caller holds the transaction: tombstones first, as the triggers ask."""
    db.conn.executemany(
        "INSERT INTO tombstones (record_type, table_name, record_id, counted_from, rule, "
        "removed_at) VALUES (?, ?, ?, ?, ?, ?)",
        tombstones,
    )
    gone: dict[str, int] = {}
    for table, column, keys in deletes:
        cursor = db.conn.executemany(
            f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - names from CHILDREN/RECORDS
            [(key,) for key in keys],
        )
        gone[table] = gone.get(table, 0) + max(cursor.rowcount, 0)
    return gone
