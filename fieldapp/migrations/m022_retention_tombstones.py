"""Tombstones: what the retention schedule removed, without what it said.

Each record removed under ``retention.toml`` leaves one row: its record type and table,
an id that names it without holding its content (a hash where the key is itself content,
such as an address looked up), the time its retention period ran from, the rule it was
removed under and when. Append-only, so the record of removals cannot be rewritten.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
    CREATE TABLE tombstones (
        id INTEGER PRIMARY KEY,
        record_type TEXT NOT NULL,
        table_name TEXT NOT NULL,
        record_id TEXT NOT NULL,
        counted_from TEXT NOT NULL,
        rule TEXT NOT NULL,
        removed_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX tombstones_removed ON tombstones (removed_at)",
    """
    CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones
    BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END
    """,
    """
    CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones
    BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
