"""API tokens expire.

Tokens made before this step never expired; they are given 90 days from the day this step
runs, so partner systems keep working while the council issues them new ones.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE api_tokens ADD COLUMN expires_at TEXT",
    "UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now', '+90 days') "
    "WHERE expires_at IS NULL",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
