"""Accounts, sign-in attempts and the append-only audit trail."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL
                CHECK (role IN ('inspector', 'coordinator', 'partner', 'admin')),
            agency TEXT,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            -- Bumped when an account is disabled or its password reset, which ends every
            -- session signed in under the old value.
            session_version INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (role <> 'partner' OR agency IS NOT NULL)
        )
    """,
    """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            username TEXT,
            action TEXT NOT NULL,
            table_name TEXT,
            record_id TEXT,
            detail TEXT,
            ip TEXT
        )
    """,
    "CREATE INDEX audit_record ON audit (table_name, record_id)",
    """
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
    """,
    """
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
    """,
    """
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            ip TEXT,
            at TEXT NOT NULL,
            succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1))
        )
    """,
    "CREATE INDEX login_attempts_username ON login_attempts (username, at)",
    "CREATE INDEX login_attempts_ip ON login_attempts (ip, at)",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
