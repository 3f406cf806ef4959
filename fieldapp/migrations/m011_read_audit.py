"""Reads on the record (DPA 2018 s62 "consultation"), a keyed audit chain, and anchors.

- ``reads``: one row each time someone views a visit, a photo, a premises page, a briefing
  pack or the audit log: who, what (table and id), when, from where, and why (a category
  from a small fixed list). Append-only like the audit trail, but not chained: a page view
  must stay cheap, and the changes' trail is the one verified row by row.
- ``audit.mac_version``: how a row's hash was made. NULL for the rows chained before this
  step (plain SHA-256); 1 for HMAC-SHA256 under the key kept in the instance config. The
  first keyed row covers the last plain row's hash, so an older row rewritten later still
  breaks the chain there.
- ``export_log.audit_rows`` / ``audit_head``: the audit trail's length and last hash when
  the export was logged, so every export leaves an anchor behind.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE reads (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            username TEXT,
            table_name TEXT NOT NULL,
            record_id TEXT,
            why TEXT NOT NULL
                CHECK (why IN ('case_work', 'operation_briefing', 'partner_disclosure',
                               'audit_review')),
            ip TEXT
        )
    """,
    "CREATE INDEX reads_record ON reads (table_name, record_id)",
    "CREATE INDEX reads_user ON reads (user_id, at)",
    """
        CREATE TRIGGER reads_no_update BEFORE UPDATE ON reads
        BEGIN SELECT RAISE(ABORT, 'the read log is append-only'); END
    """,
    """
        CREATE TRIGGER reads_no_delete BEFORE DELETE ON reads
        BEGIN SELECT RAISE(ABORT, 'the read log is append-only'); END
    """,
    # ALTER TABLE ADD COLUMN does not fire the audit table's update trigger.
    "ALTER TABLE audit ADD COLUMN mac_version INTEGER CHECK (mac_version IN (1))",
    "ALTER TABLE export_log ADD COLUMN audit_rows INTEGER",
    "ALTER TABLE export_log ADD COLUMN audit_head TEXT",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
