"""Postcodes and UPRNs from open data: bulk writes for a load, lookups by key, and the loads.

The caller of the writes holds the transaction (fieldapp.places), so a file lands whole or
not at all.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from fieldapp.queries import one

# A live postcode is never replaced by a terminated one; anything else replaces what is held
# (a newer file's position, or a postcode brought back into use). The source is written into
# the statement, one per source, so 2.7 million rows do not each bind the same text again.
_POSTCODE_UPSERT = (
    "INSERT INTO postcodes (postcode, display, latitude, longitude, easting, northing, "
    "local_authority, ward, terminated, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '{source}') "
    "ON CONFLICT (postcode) DO UPDATE SET display = excluded.display, "
    "latitude = excluded.latitude, longitude = excluded.longitude, "
    "easting = excluded.easting, northing = excluded.northing, "
    "local_authority = excluded.local_authority, ward = excluded.ward, "
    "terminated = excluded.terminated, source = excluded.source "
    "WHERE excluded.terminated IS NULL OR postcodes.terminated IS NOT NULL"
)
POSTCODE_SOURCES = ("onspd", "codepoint")
_POSTCODE_WRITES = {source: _POSTCODE_UPSERT.format(source=source) for source in POSTCODE_SOURCES}

_UPRN_UPSERT = (
    "INSERT INTO uprns (uprn, latitude, longitude, easting, northing) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (uprn) DO UPDATE SET latitude = excluded.latitude, "
    "longitude = excluded.longitude, easting = excluded.easting, northing = excluded.northing"
)

_POSTCODE_COLUMNS = (
    "postcode, display, latitude, longitude, easting, northing, local_authority, ward, "
    "terminated, source"
)
_UPRN_COLUMNS = "uprn, latitude, longitude, easting, northing"
# Keys per lookup statement: well inside SQLite's limit on bound values, and each chunk is
# still one indexed search per key.
_CHUNK = 500


def write_postcodes(db: Database, source: str, rows: Sequence[tuple]) -> int:
    """Write ``(postcode, display, latitude, longitude, easting, northing, local_authority,
    ward, terminated)`` rows from ``source``; return how many were written (a terminated
    row meeting a live postcode is not)."""
    if not rows:
        return 0
    return db.conn.executemany(_POSTCODE_WRITES[source], rows).rowcount


def write_uprns(db: Database, rows: Sequence[tuple]) -> int:
    """Write ``(uprn, latitude, longitude, easting, northing)`` rows; return how many."""
    if not rows:
        return 0
    return db.conn.executemany(_UPRN_UPSERT, rows).rowcount


def postcodes_held(db: Database) -> tuple[int, int]:
    """``(postcodes held, of which live)``. Reads every row: for the end of a load."""
    row = db.conn.execute("SELECT count(*), count(*) - count(terminated) FROM postcodes").fetchone()
    return int(row[0]), int(row[1])


def uprns_held(db: Database) -> int:
    """How many UPRNs are held. Reads every row: for the end of a load."""
    return int(db.conn.execute("SELECT count(*) FROM uprns").fetchone()[0])


def record_load(db: Database, values: dict) -> None:
    """Add a ``place_loads`` row (kind, file_name, rows_loaded, rows_skipped, held,
    live_held, loaded_at)."""
    db.conn.execute(
        "INSERT INTO place_loads (kind, file_name, rows_loaded, rows_skipped, held, "
        "live_held, loaded_at) VALUES (:kind, :file_name, :rows_loaded, :rows_skipped, "
        ":held, :live_held, :loaded_at)",
        values,
    )


def last_load(db: Database, kinds: Sequence[str]) -> dict | None:
    """The latest ``place_loads`` row of any of ``kinds``, or None."""
    marks = ", ".join("?" for _ in kinds)
    return one(
        db,
        f"SELECT * FROM place_loads WHERE kind IN ({marks}) ORDER BY id DESC LIMIT 1",  # noqa: S608
        list(kinds),
    )


def postcodes(db: Database, keys: Sequence[str]) -> list[tuple]:
    """``(postcode, display, latitude, longitude, easting, northing, local_authority, ward,
    terminated, source)`` for each of ``keys`` (normalised postcodes) that is held."""
    return _by_key(db, "postcodes", "postcode", _POSTCODE_COLUMNS, keys)


def uprns(db: Database, keys: Sequence[str]) -> list[tuple]:
    """``(uprn, latitude, longitude, easting, northing)`` for each of ``keys`` held."""
    return _by_key(db, "uprns", "uprn", _UPRN_COLUMNS, keys)


def _by_key(db: Database, table: str, key: str, columns: str, keys: Sequence[str]) -> list[tuple]:
    found: list[tuple] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        # Names from this module, every value a parameter.
        sql = f"SELECT {columns} FROM {table} WHERE {key} IN ({marks})"  # noqa: S608
        found += db.conn.execute(sql, chunk).fetchall()
    return found
