"""Where an imported row goes on the map, best first: the file's own coordinates; the
register's position (unless only a postcode's centre); its UPRN's address point (OS Open
UPRN, loaded here); the geocoder's answer, if it has been asked; its postcode's centre (a
postcode directory, loaded here). And a check that a file's own position is near its
postcode, which catches easting and northing the wrong way round.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlite_utils import Database

from fieldapp import geo, places
from fieldapp.imports.model import (
    SOURCE_FILE,
    SOURCE_GEOCODER,
    SOURCE_POSTCODE,
    SOURCE_UPRN,
    Row,
)
from fieldapp.imports.rows import normalise_postcode
from fieldapp.queries import geocache as geocache_q
from fieldapp.timeutil import utcnow

# A file's own position further than this from its postcode's centre is a mistake (swapped
# easting and northing, a wrong postcode): most postcodes are a few hundred metres across,
# the largest rural ones a few kilometres; swapped grid values land a hundred km or more out.
FAR_FROM_POSTCODE_M = 10_000

# What a locator answers for a query it has never looked up.
NOT_LOOKED_UP = "not looked up"

Located = tuple[float, float] | None | str  # a place, None (not found) or NOT_LOOKED_UP
Locator = Callable[[str], Located]


def cached_locator(db: Database) -> Locator:
    """Answer from the geocoder's cache only, never the network.

    A remembered miss counts as "not found" until the geocoder would ask again (a week).
    """

    def locate(query: str) -> Located:
        row = geocache_q.get(db, geo.normalise_query(query))
        if row is None:
            return NOT_LOOKED_UP
        if row["latitude"] is not None:
            return (row["latitude"], row["longitude"])
        if datetime.fromisoformat(row["fetched_at"]) > utcnow() - geo.MISS_TTL:
            return None
        return NOT_LOOKED_UP

    return locate


class Gazetteer:
    """The open data loaded here (OS Open UPRN, a postcode directory) for a file's rows,
    looked up all at once."""

    def __init__(self, db: Database, rows: list[Row]) -> None:
        self.uprns = places.uprn_places(db, [r.uprn for r in rows if r.uprn])
        self.postcodes = places.postcode_places(db, [r.postcode for r in rows if r.postcode])

    def uprn(self, row: Row) -> places.UprnPlace | None:
        return self.uprns.get(row.uprn) if row.uprn else None

    def postcode(self, row: Row) -> places.PostcodePlace | None:
        return self.postcodes.get(normalise_postcode(row.postcode)) if row.postcode else None

    def mismatch(self, row: Row) -> str | None:
        """Why a row's own position cannot be right (far from its postcode), or None."""
        centre = self.postcode(row)
        if row.latitude is None or centre is None:
            return None
        away = geo.distance_m(row.latitude, row.longitude, centre.latitude, centre.longitude)
        if away <= FAR_FROM_POSTCODE_M:
            return None
        if row.easting is not None and self._swapped_is_near(row, centre):
            return (
                "the easting and northing look the wrong way round: swapped, they would be "
                f"at the postcode {centre.postcode}. Swap the two columns' values"
            )
        return (
            f"the position given is {away / 1000:,.0f} km from the postcode {centre.postcode}: "
            "check the coordinates and the postcode"
        )

    def _swapped_is_near(self, row: Row, centre: places.PostcodePlace) -> bool:
        lat, lon = geo.bng_to_wgs84(row.northing, row.easting)
        return geo.distance_m(lat, lon, centre.latitude, centre.longitude) <= FAR_FROM_POSTCODE_M


def placed(row: Row, existing: dict | None, locate: Locator, gazetteer: Gazetteer):
    """``(latitude, longitude, source, location, lookup_pending)`` for a row, by the best of:
    its own coordinates; the register's position (unless only a postcode's centre); its UPRN;
    the geocoder's answer, if it has been asked; its postcode's centre."""
    if row.latitude is not None:
        return row.latitude, row.longitude, SOURCE_FILE, "file", False
    # Never wipe a position the register already has: it may be an officer's GPS fix.
    has_place = existing is not None and existing["latitude"] is not None
    if has_place and existing["location_source"] != SOURCE_POSTCODE:
        latitude, longitude = existing["latitude"], existing["longitude"]
        return latitude, longitude, existing["location_source"], "register", False
    point = gazetteer.uprn(row)
    if point is not None:
        return point.latitude, point.longitude, SOURCE_UPRN, "uprn", False
    found = locate(row.lookup_query)
    if isinstance(found, tuple):
        return found[0], found[1], SOURCE_GEOCODER, "lookup", False
    centre = gazetteer.postcode(row)
    if centre is not None:
        pending = found == NOT_LOOKED_UP
        return centre.latitude, centre.longitude, SOURCE_POSTCODE, "postcode", pending
    if has_place:  # the centre of the postcode it had
        return existing["latitude"], existing["longitude"], SOURCE_POSTCODE, "register", False
    return None, None, None, "not_looked_up" if found == NOT_LOOKED_UP else "not_found", False
