"""The geocoder's answers, kept so the same address is never looked up twice."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import one, transaction
from fieldapp.timeutil import now_iso


def get(db: Database, key: str) -> dict | None:
    """The cache row for a normalised query, or None."""
    return one(db, "SELECT * FROM geocode_cache WHERE query = ?", [key])


def store(
    db: Database,
    key: str,
    latitude: float | None,
    longitude: float | None,
    display_name: str | None,
) -> None:
    """Remember an answer (or, with None coordinates, a miss) with the time it was fetched."""
    with transaction(db):
        db.execute(
            "INSERT OR REPLACE INTO geocode_cache (query, latitude, longitude, display_name, "
            "fetched_at) VALUES (?, ?, ?, ?, ?)",
            [key, latitude, longitude, display_name, now_iso()],
        )
