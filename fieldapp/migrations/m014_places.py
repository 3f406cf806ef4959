"""Postcodes and UPRNs loaded from open data, so premises can be placed without sending an
address anywhere, and a record of each load so the app can say what it holds.

WITHOUT ROWID: each table is looked up only by its key, so the rows live in the key's own
B-tree (one lookup, not two, and no second copy of 2.7 million keys).
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    # One row per postcode: the ONS Postcode Directory's or Code-Point Open's, whichever was
    # loaded last, except that a terminated postcode never replaces a live one.
    """CREATE TABLE postcodes (
        postcode TEXT PRIMARY KEY,          -- upper case, no spaces: LE15AA
        display TEXT NOT NULL,              -- LE1 5AA
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        easting INTEGER,                    -- British National Grid metres; NULL where the
        northing INTEGER,                   -- source gives none (Northern Ireland's are Irish Grid)
        local_authority TEXT,               -- ONS code, E06000016
        ward TEXT,                          -- ONS code, E05010001
        terminated TEXT,                    -- yyyymm, or NULL while the postcode is in use
        source TEXT NOT NULL CHECK (source IN ('onspd', 'codepoint'))
    ) WITHOUT ROWID""",
    """CREATE TABLE uprns (
        uprn TEXT PRIMARY KEY,              -- digits, no leading zeros, as imports keep it
        latitude REAL NOT NULL,
        longitude REAL NOT NULL,
        easting REAL NOT NULL,              -- British National Grid metres, to 0.01 m
        northing REAL NOT NULL
    ) WITHOUT ROWID""",
    # What each load brought. held and live_held are the totals once it finished, so a page
    # can say what the app holds without counting millions of rows.
    """CREATE TABLE place_loads (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('onspd', 'codepoint', 'uprn')),
        file_name TEXT NOT NULL,
        rows_loaded INTEGER NOT NULL,
        rows_skipped INTEGER NOT NULL,      -- read but not loaded: malformed, no position,
                                            -- or terminated where a live postcode is held
        held INTEGER NOT NULL,              -- postcodes (or UPRNs) held after the load
        live_held INTEGER,                  -- of those postcodes, the live ones; NULL for UPRNs
        loaded_at TEXT NOT NULL
    )""",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
