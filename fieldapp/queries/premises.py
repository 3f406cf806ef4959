"""The premises register: look-ups, search, nearby, and keeping current risk up to date."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlite_utils import Database

from fieldapp import audit, geo
from fieldapp.db import one, query
from fieldapp.queries import NotFoundError
from fieldapp.timeutil import now_iso, utcnow

# Candidates a phone's fix can be compared against: generous, then ordered exactly.
NEAR_RADIUS_M = 5_000
DUPLICATE_RADIUS_M = 50
SIMILAR_NAME_RADIUS_M = 500


def get(db: Database, premises_id: int) -> dict:
    """One premises by id, or NotFoundError."""
    row = one(db, "SELECT * FROM premises WHERE id = ?", [premises_id])
    if row is None:
        raise NotFoundError(f"No premises with id {premises_id}")
    return row


def search(db: Database, text: str, limit: int = 25) -> list[dict]:
    """Premises whose name, street or postcode match ``text``, best match first."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return []
    # Each word as a prefix, all required: "narb le3" finds "Narborough Road, LE3 0AB".
    match = " ".join(f'"{w}"*' for w in words)
    return query(
        db,
        "SELECT premises.* FROM premises JOIN premises_fts "
        "ON premises.rowid = premises_fts.rowid WHERE premises_fts MATCH ? "
        "ORDER BY premises_fts.rank LIMIT ?",
        [match, limit],
    )


def near(
    db: Database, latitude: float, longitude: float, radius_m: float = NEAR_RADIUS_M, limit=25
) -> list[dict]:
    """Premises within ``radius_m``, nearest first, each with ``distance_m``.

    The bounding box uses the (latitude, longitude) index so only nearby rows are read;
    the exact geodesic distance is then worked out for those few.
    """
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(latitude, longitude, radius_m)
    rows = query(
        db,
        "SELECT * FROM premises WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?",
        [min_lat, max_lat, min_lon, max_lon],
    )
    ordered = geo.order_by_distance((latitude, longitude), rows)
    return [row for row in ordered if row["distance_m"] <= radius_m][:limit]


def _normalise_name(name: str) -> str:
    words = re.findall(r"[a-z0-9]+", name.lower())
    generic = {"hand", "car", "wash", "valet", "valeting", "nail", "nails", "bar", "the", "and"}
    return " ".join(w for w in words if w not in generic)


def likely_duplicates(
    db: Database,
    *,
    name: str,
    sector: str,
    latitude: float | None,
    longitude: float | None,
    postcode: str = "",
) -> list[dict]:
    """Existing premises that are probably this one.

    Same sector within 50 m, or a similar name within 500 m, or the same name at the same
    postcode (for when there is no location yet).
    """
    found: dict[int, dict] = {}
    if latitude is not None and longitude is not None:
        wanted = _normalise_name(name)
        for row in near(db, latitude, longitude, SIMILAR_NAME_RADIUS_M, limit=50):
            same_sector_close = row["sector"] == sector and row["distance_m"] <= DUPLICATE_RADIUS_M
            similar_name = wanted and _similar(wanted, _normalise_name(row["name"]))
            if same_sector_close or similar_name:
                found[row["id"]] = row
    if postcode.strip():
        for row in query(
            db,
            "SELECT * FROM premises WHERE replace(upper(postcode), ' ', '') = ?",
            [postcode.replace(" ", "").upper()],
        ):
            if _similar(_normalise_name(name), _normalise_name(row["name"])):
                found.setdefault(row["id"], row)
    return list(found.values())


def _similar(a: str, b: str) -> bool:
    """Names share a distinctive word, or one contains the other."""
    if not a or not b:
        return False
    return a in b or b in a or bool(set(a.split()) & set(b.split()))


def create(
    db: Database,
    *,
    name: str,
    sector: str,
    address: str,
    postcode: str,
    latitude: float | None,
    longitude: float | None,
    location_source: str | None,
    local_authority: str = "",
    external_ref: str | None = None,
    created_by: int | None = None,
    premises_uuid: str | None = None,
) -> int:
    """Add a premises to the register and audit it; return its id."""
    now = now_iso()
    with db.atomic():
        cursor = db.execute(
            "INSERT INTO premises (uuid, name, sector, address, postcode, local_authority, "
            "external_ref, latitude, longitude, location_source, created_at, created_by, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                premises_uuid or str(uuid.uuid4()),
                name,
                sector,
                address,
                postcode.upper(),
                local_authority,
                external_ref,
                latitude,
                longitude,
                location_source,
                now,
                created_by,
                now,
            ],
        )
        premises_id = cursor.lastrowid
        audit.record(
            "premises.create",
            "premises",
            premises_id,
            db=db,
            name=name,
            sector=sector,
            location_source=location_source,
        )
    return premises_id


def refresh_risk(db: Database, premises_id: int, red_flag_months: int = 12) -> None:
    """Recompute a premises' current risk from its latest visit (current revisions only).

    Stored in indexed columns so the map and lists read it rather than recompute it.
    Called inside the transaction that wrote the visit.
    """
    latest = one(
        db,
        "SELECT * FROM current_visits WHERE premises_id = ? "
        "ORDER BY visited_at DESC, submitted_at DESC LIMIT 1",
        [premises_id],
    )
    since = (utcnow() - timedelta(days=round(red_flag_months * 30.44))).isoformat()
    recent_red_flags = db.execute(
        "SELECT count(*) FROM current_visits WHERE premises_id = ? "
        "AND red_flag_count > 0 AND visited_at >= ?",
        [premises_id, since],
    ).fetchone()[0]
    band = latest["band"] if latest else None
    db.execute(
        "UPDATE premises SET risk_band = ?, risk_score = ?, red_flag_count = ?, "
        "last_visit_at = ?, flagged = ?, updated_at = ? WHERE id = ?",
        [
            band,
            latest["score_percentage"] if latest else None,
            latest["red_flag_count"] if latest else 0,
            latest["visited_at"] if latest else None,
            1 if band == "high" or recent_red_flags else 0,
            now_iso(),
            premises_id,
        ],
    )
