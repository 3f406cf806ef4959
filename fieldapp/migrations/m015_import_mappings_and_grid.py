"""Named import mappings, and what a council's file says beyond our first columns.

``import_presets`` keeps the column and sector mappings people confirm, so the next file of
the same shape needs no choosing. Premises gain the trading name, the date the council
registered them, and the British National Grid easting and northing a file gave, kept beside
the converted latitude and longitude (council GIS works in EPSG:27700).
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
    CREATE TABLE import_presets (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 80),
        mapping TEXT NOT NULL CHECK (json_valid(mapping)),
        created_by INTEGER REFERENCES users (id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )
    """,
    "ALTER TABLE premises ADD COLUMN trading_name TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE premises ADD COLUMN registered_on TEXT",
    "ALTER TABLE premises ADD COLUMN easting REAL",
    "ALTER TABLE premises ADD COLUMN northing REAL",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
