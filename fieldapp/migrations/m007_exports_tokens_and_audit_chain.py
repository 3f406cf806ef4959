"""Partner exports on the record, API tokens, and a tamper-evident audit trail.

Each audit row will carry a hash over its own content and the previous row's hash, so
an edited or removed row breaks the chain at that point.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE audit ADD COLUMN prev_hash TEXT",
    "ALTER TABLE audit ADD COLUMN row_hash TEXT",
    """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            agency TEXT NOT NULL,
            name TEXT NOT NULL,
            -- Only a SHA-256 of the token is kept; the token itself is shown once.
            token_hash TEXT NOT NULL UNIQUE,
            token_hint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            revoked_at TEXT,
            revoked_by INTEGER REFERENCES users(id),
            last_used_at TEXT
        )
    """,
    """
        CREATE TABLE export_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            token_id INTEGER REFERENCES api_tokens(id),
            agency TEXT,
            format TEXT NOT NULL,
            filter TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            byte_count INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            CHECK (user_id IS NOT NULL OR token_id IS NOT NULL)
        )
    """,
    "CREATE INDEX export_log_sha256 ON export_log (sha256)",
    """
        CREATE TRIGGER export_log_append_only_update BEFORE UPDATE ON export_log
        BEGIN SELECT RAISE(ABORT, 'the export log is append-only'); END
    """,
    """
        CREATE TRIGGER export_log_append_only_delete BEFORE DELETE ON export_log
        BEGIN SELECT RAISE(ABORT, 'the export log is append-only'); END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
