"""The register as an import sees it: every premises to match against, and its writes.

The caller holds the transaction (fieldapp.imports.run_import), so a whole file lands or
none of it does.
"""

from __future__ import annotations

import json
import uuid

from sqlite_utils import Database

from fieldapp.queries import query


def register(db: Database) -> list[dict]:
    """Every premises, with the columns an import compares."""
    return query(
        db,
        "SELECT id, name, sector, address, postcode, local_authority, external_ref, uprn, "
        "trading_name, registered_on, easting, northing, "
        "latitude, longitude, location_source FROM premises ORDER BY id",
    )


def insert(db: Database, values: dict, created_by: int | None, now: str) -> int:
    """Add one imported premises; return its id."""
    cursor = db.conn.execute(
        "INSERT INTO premises (uuid, name, sector, address, postcode, local_authority, "
        "external_ref, uprn, trading_name, registered_on, easting, northing, latitude, "
        "longitude, location_source, created_at, created_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            str(uuid.uuid4()),
            values["name"],
            values["sector"],
            values["address"],
            values["postcode"],
            values["local_authority"] or "",
            values["external_ref"],
            values["uprn"],
            values["trading_name"] or "",
            values["registered_on"],
            values["easting"],
            values["northing"],
            values["latitude"],
            values["longitude"],
            values["location_source"],
            now,
            created_by,
            now,
        ],
    )
    return int(cursor.lastrowid)


def update(db: Database, premises: dict, now: str) -> None:
    """Write an imported premises' new values."""
    db.conn.execute(
        "UPDATE premises SET name = ?, address = ?, postcode = ?, local_authority = ?, "
        "external_ref = ?, uprn = ?, trading_name = ?, registered_on = ?, easting = ?, "
        "northing = ?, latitude = ?, longitude = ?, location_source = ?, updated_at = ? "
        "WHERE id = ?",
        [
            premises["name"],
            premises["address"],
            premises["postcode"],
            premises["local_authority"],
            premises["external_ref"],
            premises["uprn"],
            premises["trading_name"],
            premises["registered_on"],
            premises["easting"],
            premises["northing"],
            premises["latitude"],
            premises["longitude"],
            premises["location_source"],
            now,
            premises["id"],
        ],
    )


def committed(db: Database, upload: str) -> dict | None:
    """The audit summary of the import of web upload ``upload``, if one was committed."""
    row = db.conn.execute(
        "SELECT detail FROM audit WHERE action = 'premises.import' "
        "AND json_extract(detail, '$.upload') = ? ORDER BY id DESC LIMIT 1",
        [upload],
    ).fetchone()
    return json.loads(row[0]) if row else None
