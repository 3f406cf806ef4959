"""What the retention schedule would remove today, counted by record type, table and age.

``due`` only counts; ``removable`` and ``remove`` are what ``flask retention apply`` uses
for the records nothing else refers to (sessions, sign-in attempts, the geocoder cache,
imports), each removal leaving a tombstone; fieldapp.queries.retention_records has the
records others hang on. Each record's
age runs from the time its
retention period counts from (``retention.toml``'s ``after``); rows that go with another
record (a visit's answers, a referral's steps) take that record's time.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query

_REFERRAL_LAST_ACTION = (
    "SELECT r.id, MAX(r.recorded_at, COALESCE((SELECT MAX(s.recorded_at) FROM referral_steps s "
    "WHERE s.referral_id = r.id), '')) AS at FROM referrals r"
)

# (record type, table, a SELECT giving one ``at`` per row of the table), in report order.
TIMES: tuple[tuple[str, str, str], ...] = (
    ("visits", "visits", "SELECT visited_at AS at FROM visits"),
    (
        "visits",
        "answers",
        "SELECT v.visited_at AS at FROM answers a JOIN visits v ON v.id = a.visit_id",
    ),
    (
        "visits",
        "price_observations",
        "SELECT v.visited_at AS at FROM price_observations p JOIN visits v ON v.id = p.visit_id",
    ),
    ("photos", "photos", "SELECT created_at AS at FROM photos"),
    ("referrals", "referrals", _REFERRAL_LAST_ACTION),
    (
        "referrals",
        "referral_steps",
        f"SELECT r.at FROM referral_steps s JOIN ({_REFERRAL_LAST_ACTION}) r "  # noqa: S608 - fixed fragments
        "ON r.id = s.referral_id",
    ),
    ("operations", "operations", "SELECT operation_date AS at FROM operations"),
    (
        "operations",
        "operation_outcomes",
        "SELECT o.operation_date AS at FROM operation_outcomes x "
        "JOIN operations o ON o.id = x.operation_id",
    ),
    (
        "premises",
        "premises",
        "SELECT MAX(created_at, COALESCE(updated_at, ''), COALESCE(last_visit_at, '')) AS at "
        "FROM premises",
    ),
    ("imports", "place_loads", "SELECT loaded_at AS at FROM place_loads"),
    ("imports", "import_presets", "SELECT updated_at AS at FROM import_presets"),
    ("export_log", "export_log", "SELECT at FROM export_log"),
    ("audit", "audit", "SELECT at FROM audit"),
    ("read_audit", "reads", "SELECT at FROM reads"),
    ("sessions", "sessions", "SELECT COALESCE(ended_at, last_seen_at) AS at FROM sessions"),
    ("sessions", "login_attempts", "SELECT at FROM login_attempts"),
    ("training", "training", "SELECT recorded_at AS at FROM training"),
    (
        "training",
        "training_withdrawals",
        "SELECT t.recorded_at AS at FROM training_withdrawals w "
        "JOIN training t ON t.id = w.training_id",
    ),
    ("geocode_cache", "geocode_cache", "SELECT fetched_at AS at FROM geocode_cache"),
)


def due(db: Database, now: str, months: dict[str, int]) -> list[dict]:
    """Rows past their retention period at ``now`` (an ISO time), by table and whole years
    of age: ``{"record_type", "table", "years", "count"}``, oldest first within a table.

    ``months`` is the period of each record type; a type not in it is not counted.
    """
    found = []
    for record_type, table, times in TIMES:
        if record_type not in months:
            continue
        rows = query(
            db,
            "SELECT CAST((julianday(:now) - julianday(at)) / 365.25 AS INTEGER) AS years, "  # noqa: S608 - fixed fragments
            f"COUNT(*) AS count FROM ({times}) "
            "WHERE julianday(at) <= julianday(:now, :shift) GROUP BY years ORDER BY years DESC",
            {"now": now, "shift": f"-{int(months[record_type])} months"},
        )
        found += [{"record_type": record_type, "table": table, **row} for row in rows]
    return found


# What ``flask retention apply`` removes here: (record type, table, a SELECT giving each
# removable row's ``key`` and ``at``, the column the key is in, whether the tombstone
# names the row by a hash of its key because the key is content). The newest load of each
# kind of place file is kept whatever its age: it describes the postcodes the service holds.
REMOVABLE: tuple[tuple[str, str, str, str, bool], ...] = (
    (
        "sessions",
        "sessions",
        "SELECT id AS key, COALESCE(ended_at, last_seen_at) AS at FROM sessions",
        "id",
        False,
    ),
    ("sessions", "login_attempts", "SELECT id AS key, at FROM login_attempts", "id", False),
    (
        "geocode_cache",
        "geocode_cache",
        "SELECT query AS key, fetched_at AS at FROM geocode_cache",
        "query",
        True,
    ),
    (
        "imports",
        "place_loads",
        "SELECT id AS key, loaded_at AS at FROM place_loads l WHERE EXISTS (SELECT 1 FROM "
        "place_loads n WHERE n.kind = l.kind AND n.loaded_at > l.loaded_at)",
        "id",
        False,
    ),
    (
        "imports",
        "import_presets",
        "SELECT id AS key, updated_at AS at FROM import_presets",
        "id",
        False,
    ),
)


def removable(db: Database, rows_sql: str, months: int, now: str, limit: int) -> list[dict]:
    """Up to ``limit`` rows of ``rows_sql`` past ``months`` at ``now``, oldest first."""
    return query(
        db,
        f"SELECT key, at FROM ({rows_sql}) WHERE julianday(at) <= julianday(:now, :shift) "  # noqa: S608 - fixed fragments
        "ORDER BY at, key LIMIT :limit",
        {"now": now, "shift": f"-{int(months)} months", "limit": limit},
    )


def remove(db: Database, table: str, column: str, keys: list, tombstones: list[tuple]) -> None:
    """Delete the rows of ``table`` whose ``column`` is in ``keys`` and record their
    tombstones (record type, table, record id, counted from, rule, removed at)."""
    db.conn.executemany(
        "INSERT INTO tombstones (record_type, table_name, record_id, counted_from, rule, "
        "removed_at) VALUES (?, ?, ?, ?, ?, ?)",
        tombstones,
    )
    db.conn.executemany(
        f"DELETE FROM {table} WHERE {column} = ?",  # noqa: S608 - names from REMOVABLE
        [(key,) for key in keys],
    )
