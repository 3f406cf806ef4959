"""Checking one row of each kind of file: the row to write, None for "no position", or why not.

These run millions of times a load, so each checker tries the row in one go and, only when
something is wrong, hands it to a slower function that finds the first thing wrong and says
so. Nothing from a file reaches the database unless it has the shape it should: postcodes,
ONS codes, dates and UPRNs are matched whole and numbers are finite and within the UK, so a
cell of markup, a spreadsheet formula or a control character is refused, never stored.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter

from fieldapp import geo
from fieldapp.places.model import (
    AREA_CODE,
    LATITUDE,
    LONGITUDE,
    NO_POSITION_LATITUDE,
    POSTCODE,
    display_postcode,
    normalise_uprn,
)
from fieldapp.text import clean

Checked = tuple | str | None
Checker = Callable[[list[str]], Checked]

# The ONSPD columns a load reads, in the order its checker takes them.
ONSPD_COLUMNS = ("pcd", "doterm", "oseast1m", "osnrth1m", "lat", "long", "oslaua", "osward")
UPRN_COLUMNS = ("uprn", "x_coordinate", "y_coordinate", "latitude", "longitude")
# Code-Point Open's ten columns, which its files do not name.
CODEPOINT_WIDTH = 10
_CODEPOINT_PICK = itemgetter(0, 1, 2, 3, 8, 9)  # postcode, quality, E, N, district, ward
CODEPOINT_NO_POSITION = "90"  # OS's positional quality for "no coordinates"

# Said of a row refused by a fast check that the slow one, which names the cell, passes: it
# should never be seen, but a refused row must never be counted as having no position.
UNREADABLE = "the row's values could not be read"
_UNKNOWN = object()
_MAX_CODES_KEPT = 100_000


def shown(value: str, limit: int = 30) -> str:
    """A cell quoted for a message: control characters gone, long values shortened."""
    value = " ".join(clean(value).split())
    return f"'{value[:limit]}…'" if len(value) > limit else f"'{value}'"


class _AreaCodes(dict):
    """ONS codes already seen, each to what is stored for it: the code, or None for a blank
    or ONS's ``E99999999``-style placeholder that means no area applies. A file has a few
    thousand distinct codes, so checking each once saves millions of pattern matches."""

    def code(self, raw: str):
        """What to store for ``raw``, or _UNKNOWN if it is not an ONS code."""
        found = self.get(raw, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        if raw and not AREA_CODE.fullmatch(raw):
            return _UNKNOWN
        if len(self) >= _MAX_CODES_KEPT:
            self.clear()  # a hostile file of distinct codes keeps memory bounded
        found = None if not raw or raw.endswith("99999999") else raw
        self[raw] = found
        return found


def onspd_checker(positions: dict[str, int]) -> Checker:
    """A checker for ONS Postcode Directory rows, whose columns are at ``positions``."""
    pick = itemgetter(*(positions[c] for c in ONSPD_COLUMNS))
    areas = _AreaCodes()
    match = POSTCODE.fullmatch
    lat_low, lat_high = LATITUDE
    lon_low, lon_high = LONGITUDE

    def check(cells: list[str]) -> Checked:
        pcd, doterm, east, north, lat, lon, la, ward = pick(cells)
        key = pcd.replace(" ", "").upper()
        try:
            latitude, longitude = float(lat), float(lon)
            easting = int(east) if east else None
            northing = int(north) if north else None
        except ValueError:
            return _onspd_reason(key, cells, pick)
        if latitude == NO_POSITION_LATITUDE:
            return None
        la_code, ward_code = areas.code(la), areas.code(ward)
        if not (
            match(key)
            and lat_low <= latitude <= lat_high
            and lon_low <= longitude <= lon_high
            and (not doterm or _yyyymm(doterm))
            and la_code is not _UNKNOWN
            and ward_code is not _UNKNOWN
            and ((easting is None and northing is None) or _on_grid(easting, northing))
        ):
            return _onspd_reason(key, cells, pick)
        if la[:1] == "N":
            # Northern Ireland's grid columns are Irish Grid, not British: keep degrees only.
            easting = northing = None
        display = display_postcode(key)
        return (
            key,
            display,
            latitude,
            longitude,
            easting,
            northing,
            la_code,
            ward_code,
            doterm or None,
        )

    return check


def _onspd_reason(key: str, cells: list[str], pick) -> str | None:
    """Why an ONSPD row was refused (None if, read slowly, it has no position)."""
    pcd, doterm, east, north, lat, lon, la, ward = pick(cells)
    reason = _postcode_reason(key, pcd) or _degrees_reason(lat, lon)
    if reason or float(lat) == NO_POSITION_LATITUDE:
        return reason
    if doterm and not _yyyymm(doterm):
        return f"date terminated {shown(doterm)} is not a year and month, like 199606"
    for name, raw in (("local authority", la), ("ward", ward)):
        if raw and not AREA_CODE.fullmatch(raw):
            return f"{name} {shown(raw)} is not an ONS code, like E06000016"
    if east or north:
        return _grid_reason(east, north, whole=True) or UNREADABLE
    return UNREADABLE


def codepoint_checker(positions: dict[str, int]) -> Checker:
    """A checker for Code-Point Open rows. Their rows are finished by :func:`codepoint_finish`
    (positions converted a batch at a time), so the checker gives grid references only."""
    areas = _AreaCodes()
    match = POSTCODE.fullmatch

    def check(cells: list[str]) -> Checked:
        postcode, quality, east, north, district, ward = _CODEPOINT_PICK(cells)
        key = postcode.replace(" ", "").upper()
        try:
            easting, northing = int(east), int(north)
        except ValueError:
            return _codepoint_reason(key, cells)
        if quality == CODEPOINT_NO_POSITION or (easting == 0 and northing == 0):
            return None
        district_code, ward_code = areas.code(district), areas.code(ward)
        if not (
            match(key)
            and _on_grid(easting, northing)
            and district_code is not _UNKNOWN
            and ward_code is not _UNKNOWN
        ):
            return _codepoint_reason(key, cells)
        return (key, display_postcode(key), easting, northing, district_code, ward_code)

    return check


def _codepoint_reason(key: str, cells: list[str]) -> str | None:
    postcode, quality, east, north, district, ward = _CODEPOINT_PICK(cells)
    reason = _postcode_reason(key, postcode)
    if reason or quality == CODEPOINT_NO_POSITION:
        return reason
    reason = _grid_reason(east, north, whole=True)
    if reason:
        return reason
    for name, raw in (("district", district), ("ward", ward)):
        if raw and not AREA_CODE.fullmatch(raw):
            return f"{name} {shown(raw)} is not an ONS code, like E06000016"
    return UNREADABLE


def codepoint_finish(batch: list[tuple]) -> list[tuple]:
    """Code-Point rows with their grid references converted to WGS84 in one PROJ call, in
    the order of the postcodes table's columns."""
    latitudes, longitudes = geo.bng_to_wgs84_many([r[2] for r in batch], [r[3] for r in batch])
    return [
        (key, display, lat, lon, easting, northing, district, ward, None)
        for (key, display, easting, northing, district, ward), lat, lon in zip(
            batch, latitudes, longitudes, strict=True
        )
    ]


def uprn_checker(positions: dict[str, int]) -> Checker:
    """A checker for OS Open UPRN rows, whose columns are at ``positions``."""
    pick = itemgetter(*(positions[c] for c in UPRN_COLUMNS))
    lat_low, lat_high = LATITUDE
    lon_low, lon_high = LONGITUDE

    def check(cells: list[str]) -> Checked:
        raw, x, y, lat, lon = pick(cells)
        uprn = normalise_uprn(raw)
        try:
            easting, northing = float(x), float(y)
            latitude, longitude = float(lat), float(lon)
        except ValueError:
            return _uprn_reason(cells, pick)
        if not (
            uprn
            and _on_grid(easting, northing)
            and lat_low <= latitude <= lat_high
            and lon_low <= longitude <= lon_high
        ):
            return _uprn_reason(cells, pick)
        return (uprn, latitude, longitude, easting, northing)

    return check


def _uprn_reason(cells: list[str], pick) -> str | None:
    raw, x, y, lat, lon = pick(cells)
    if normalise_uprn(raw) is None:
        return f"UPRN {shown(raw)} is not a UPRN: a number of up to 12 digits"
    return _grid_reason(x, y, whole=False) or _degrees_reason(lat, lon) or UNREADABLE


def identity(batch: list[tuple]) -> list[tuple]:
    """Rows that need no finishing."""
    return batch


def _yyyymm(text: str) -> bool:
    return len(text) == 6 and text.isascii() and text.isdigit() and "01" <= text[4:] <= "12"


def _on_grid(easting: float | None, northing: float | None) -> bool:
    return (
        easting is not None
        and northing is not None
        and geo.BNG_EASTING[0] <= easting <= geo.BNG_EASTING[1]
        and geo.BNG_NORTHING[0] <= northing <= geo.BNG_NORTHING[1]
    )


def _postcode_reason(key: str, raw: str) -> str | None:
    if POSTCODE.fullmatch(key):
        return None
    if not raw.strip():
        return "the postcode is empty"
    if clean(raw) != raw:
        # Shown without them, the postcode could look right: say what is wrong with it.
        return f"postcode {shown(raw)} holds a control or direction character"
    return f"postcode {shown(raw)} is not a UK postcode"


def _degrees_reason(lat: str, lon: str) -> str | None:
    for name, raw, (low, high) in (("latitude", lat, LATITUDE), ("longitude", lon, LONGITUDE)):
        try:
            value = float(raw)
        except ValueError:
            return f"{name} {shown(raw)} is not a number"
        if name == "latitude" and value == NO_POSITION_LATITUDE:
            return None
        if not low <= value <= high:  # NaN too
            return f"{name} {shown(raw)} is not in the UK ({low:g} to {high:g})"
    return None


def _grid_reason(east: str, north: str, *, whole: bool) -> str | None:
    values = []
    for name, raw in (("easting", east), ("northing", north)):
        try:
            values.append(int(raw) if whole else float(raw))
        except ValueError:
            kind = "a whole number" if whole else "a number"
            return f"{name} {shown(raw)} is not {kind} of metres"
    if not _on_grid(*values):
        return (
            f"easting {shown(east)} and northing {shown(north)} are not in Great Britain "
            "(0 to 700,000 and 0 to 1,300,000 metres)"
        )
    return None
