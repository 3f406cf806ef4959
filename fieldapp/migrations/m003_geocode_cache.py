"""Answers from the geocoder, kept so the same address is never looked up twice."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE geocode_cache (
            query TEXT PRIMARY KEY,  -- normalised: lower case, single spaces
            latitude REAL,           -- NULL when the geocoder found nothing
            longitude REAL,
            display_name TEXT,
            fetched_at TEXT NOT NULL
        )
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
