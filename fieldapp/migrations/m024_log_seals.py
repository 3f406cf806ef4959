"""Seals over removed stretches of the audit trail, the export log and the read log.

The retention schedule removes the oldest rows of these logs in whole id ranges. Each
range removed first leaves a seal: which log, the first and last id it covers, how many
rows went, the first and last of their times, for the audit trail the hash of the last
row removed (so the first row kept can still be checked against it), when it was sealed,
and an HMAC-SHA256 over all of that under the audit key kept outside the database.
Seals are append-only. A row of the three logs may now be deleted only when a seal for
that log covers its id, so an ad-hoc DELETE is still refused.
"""

from __future__ import annotations

from sqlite_utils import Database


def _guarded_delete(table: str, trigger: str, log: str, message: str) -> tuple[str, str]:
    return (
        f"DROP TRIGGER IF EXISTS {trigger}",
        f"""
        CREATE TRIGGER {trigger} BEFORE DELETE ON {table}
        WHEN NOT EXISTS (SELECT 1 FROM log_seals s WHERE s.log = '{log}'
                         AND OLD.id BETWEEN s.first_id AND s.last_id)
        BEGIN SELECT RAISE(ABORT, '{message}'); END
        """,  # noqa: S608 - names and messages are the constants below
    )


STATEMENTS = (
    """
    CREATE TABLE log_seals (
        id INTEGER PRIMARY KEY,
        log TEXT NOT NULL CHECK (log IN ('audit', 'export_log', 'reads')),
        first_id INTEGER NOT NULL,
        last_id INTEGER NOT NULL,
        row_count INTEGER NOT NULL CHECK (row_count > 0),
        first_at TEXT NOT NULL,
        last_at TEXT NOT NULL,
        end_hash TEXT,
        sealed_at TEXT NOT NULL,
        mac_version INTEGER NOT NULL CHECK (mac_version IN (1)),
        mac TEXT NOT NULL,
        CHECK (first_id <= last_id)
    )
    """,
    "CREATE INDEX log_seals_range ON log_seals (log, last_id)",
    """
    CREATE TRIGGER log_seals_no_update BEFORE UPDATE ON log_seals
    BEGIN SELECT RAISE(ABORT, 'log seals are append-only'); END
    """,
    """
    CREATE TRIGGER log_seals_no_delete BEFORE DELETE ON log_seals
    BEGIN SELECT RAISE(ABORT, 'log seals are append-only'); END
    """,
    *_guarded_delete(
        "audit",
        "audit_no_delete",
        "audit",
        "the audit trail is append-only: rows go only under a seal (flask retention apply)",
    ),
    *_guarded_delete(
        "export_log",
        "export_log_append_only_delete",
        "export_log",
        "the export log is append-only: rows go only under a seal (flask retention apply)",
    ),
    *_guarded_delete(
        "reads",
        "reads_no_delete",
        "reads",
        "the read log is append-only: rows go only under a seal (flask retention apply)",
    ),
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
