"""Sessions kept on the server, so signing out ends a session even if its cookie is kept.

The signed cookie carries only a random session id; this table holds a hash of it. A
request is signed in only while its row has no ``ended_at`` and was seen recently, so a
cookie copied before sign-out, a password reset or a disable is refused when replayed.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE sessions (
            -- SHA-256 of the id in the cookie: the database alone cannot make a cookie.
            id TEXT PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id),
            created_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            ended_at TEXT,
            ended_reason TEXT,
            -- 1 when the officer ticked "Stay signed in on this phone".
            persistent INTEGER NOT NULL DEFAULT 0 CHECK (persistent IN (0, 1)),
            ip TEXT
        ) WITHOUT ROWID
    """,
    # Ending every session of one user (sign out everywhere, reset, disable) finds them here.
    "CREATE INDEX sessions_live_by_user ON sessions (user_id) WHERE ended_at IS NULL",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
