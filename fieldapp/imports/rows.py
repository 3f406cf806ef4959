"""Checking one row of a premises list, and the forms names and postcodes are compared in."""

from __future__ import annotations

import re

from fieldapp import geo
from fieldapp.imports.model import MAX_LENGTHS, POSTCODE, SECTOR_ALIASES, Row
from fieldapp.text import clean


def quoted(value: str, limit: int = 40) -> str:
    """A cell's value, quoted and shortened, for a message."""
    value = " ".join(value.split())
    return f"'{value[:limit]}…'" if len(value) > limit else f"'{value}'"


def normalise_sector(value: str) -> str | None:
    """``hand_car_wash`` or ``nail_bar`` from the ways people write them, else None."""
    words = " ".join(re.split(r"[\s_\-]+", value.strip().lower())).strip()
    return SECTOR_ALIASES.get(words)


def normalise_postcode(value: str) -> str:
    """Upper case, no spaces: how postcodes are compared."""
    return "".join(value.split()).upper()


def format_postcode(value: str) -> str:
    """A valid postcode in its standard form, e.g. ``LE1 5AA``."""
    key = normalise_postcode(value)
    return f"{key[:-3]} {key[-3:]}"


def normalise_name(value: str) -> str:
    """Lower case with punctuation and runs of spaces collapsed: how names are compared."""
    return " ".join(re.sub(r"[\W_]+", " ", value.casefold()).split())


def _coordinate(column: str, raw: str, low: float, high: float) -> tuple[float | None, str | None]:
    text = raw.strip()
    if not text:
        return None, None
    try:
        value = float(text)
    except ValueError:
        if "," in text:
            return None, f"{column} {quoted(text)} is not a number: use a full stop for decimals"
        return None, f"{column} {quoted(text)} is not a number: enter decimal degrees, like 52.6344"
    if value != value or not low <= value <= high:  # NaN or out of range
        return None, f"{column} {quoted(text)} is not between {low:g} and {high:g}"
    return value, None


def check_row(
    line: int, cells: list[str], positions: dict[str, int], width: int
) -> tuple[Row | None, list[str]]:
    """A cleaned :class:`Row`, or None and the reasons it cannot be imported.

    ``positions`` maps each column to its place in ``cells``; ``width`` is the number of
    headings, so a cell beyond it (an unquoted comma in an address) is noticed.
    """

    def cell(column: str) -> str:
        index = positions.get(column)
        if index is None or index >= len(cells):
            return ""
        # Also joins lines inside a quoted cell; control and direction characters go first.
        return " ".join(clean(cells[index]).split())

    reasons: list[str] = []
    if any(c.strip() for c in cells[width:]):
        reasons.append(
            "the row has more cells than the header row has columns: put quotes around "
            "any text that contains a comma"
        )
    values = _required(cell, reasons)
    values["external_ref"] = cell("external_ref") or None
    values["postcode"] = _postcode(cell("postcode"), values["external_ref"], reasons)
    values["local_authority"] = cell("local_authority")
    for column in MAX_LENGTHS:
        if len(values[column] or "") > MAX_LENGTHS[column]:
            reasons.append(f"{column} is longer than {MAX_LENGTHS[column]} characters: shorten it")
    values["latitude"], values["longitude"] = _location(cell, reasons)
    values["uprn"] = _uprn(cell("uprn"), reasons)
    if reasons:
        return None, reasons
    return Row(line=line, **values), []


def _required(cell, reasons: list[str]) -> dict:
    """Name, sector and address: each must be there, and the sector one we visit."""
    name = cell("name")
    if not name:
        reasons.append("name is empty: enter the business name")
    sector_text = cell("sector")
    sector = normalise_sector(sector_text)
    if not sector_text:
        reasons.append("sector is empty: enter hand car wash or nail bar")
    elif sector is None:
        reasons.append(
            f"sector {quoted(sector_text)} is not hand car wash or nail bar: change it to one "
            "of those"
        )
    address = cell("address")
    if not address:
        reasons.append("address is empty: enter the street address")
    return {"name": name, "sector": sector, "address": address}


def _postcode(text: str, external_ref: str | None, reasons: list[str]) -> str:
    """The postcode in standard form ("" if missing, which only an external_ref allows)."""
    if text:
        if POSTCODE.match(normalise_postcode(text)):
            return format_postcode(text)
        reasons.append(f"postcode {quoted(text)} is not a UK postcode: correct it, like LE1 5AA")
    elif external_ref is None:
        # Without either, a second import could not tell this premises from a new one.
        reasons.append(
            "postcode is empty: enter the postcode, like LE1 5AA (it can be left empty only "
            "when the row has an external_ref)"
        )
    return ""


def _location(cell, reasons: list[str]) -> tuple[float | None, float | None]:
    """Latitude and longitude: both or neither, in range, and not the wrong way round; or,
    when the file gives none, British National Grid easting and northing converted."""
    no_degrees = not cell("latitude").strip() and not cell("longitude").strip()
    if no_degrees and (cell("easting").strip() or cell("northing").strip()):
        return _grid(cell, reasons)
    latitude, lat_error = _coordinate("latitude", cell("latitude"), -90, 90)
    longitude, lon_error = _coordinate("longitude", cell("longitude"), -180, 180)
    reasons += [e for e in (lat_error, lon_error) if e]
    if lat_error or lon_error:
        return latitude, longitude
    if (latitude is None) != (longitude is None):
        given, empty = ("latitude", "longitude") if longitude is None else ("longitude", "latitude")
        reasons.append(
            f"{given} is filled in but {empty} is empty: enter both, or neither and the "
            "address will be looked up"
        )
    elif latitude is not None and _looks_swapped(latitude, longitude):
        reasons.append(
            "latitude and longitude look the wrong way round: in the UK latitude is "
            "about 50 to 60 and longitude about -8 to 2"
        )
    return latitude, longitude


def _uprn(text: str, reasons: list[str]) -> str | None:
    """A UPRN as text: up to 12 digits. Excel turns long numbers into 1.00023E+11, which has
    lost digits for good, so that is refused with how to stop it."""
    if not text:
        return None
    if re.fullmatch(r"\d{1,12}", text):
        return text.lstrip("0") or "0"
    if re.fullmatch(r"\d{1,12}\.0+", text):
        return text.split(".")[0].lstrip("0") or "0"  # a number column's "100023336956.0"
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        reasons.append(
            f"UPRN {quoted(text)} was turned into a rounded number by a spreadsheet, so digits "
            "are lost: format the UPRN column as text and export the file again"
        )
    else:
        reasons.append(f"UPRN {quoted(text)} is not a UPRN: it is a number of up to 12 digits")
    return None


def _grid(cell, reasons: list[str]) -> tuple[float | None, float | None]:
    """Easting and northing (metres, EPSG:27700): both, within Great Britain, and not
    degrees or the wrong way round, as WGS84 latitude and longitude."""
    easting, e_error = _number("easting", cell("easting"))
    northing, n_error = _number("northing", cell("northing"))
    reasons += [e for e in (e_error, n_error) if e]
    if e_error or n_error:
        return None, None
    if easting is None or northing is None:
        given, empty = ("easting", "northing") if northing is None else ("northing", "easting")
        reasons.append(f"{given} is filled in but {empty} is empty: enter both, or neither")
        return None, None
    if abs(easting) <= 180 and abs(northing) <= 180:
        reasons.append(
            "easting and northing look like degrees: put them in latitude and longitude "
            "columns instead"
        )
    elif _in_gb(northing, easting) and not _in_gb(easting, northing):
        reasons.append(
            "easting and northing look the wrong way round: in Great Britain the easting is "
            "0 to 700,000 and the northing 0 to 1,300,000 metres"
        )
    elif not _in_gb(easting, northing):
        reasons.append(
            f"easting {easting:,.0f} and northing {northing:,.0f} are outside Great Britain: "
            "check they are British National Grid metres"
        )
    else:
        return geo.bng_to_wgs84(easting, northing)
    return None, None


def _number(column: str, raw: str) -> tuple[float | None, str | None]:
    text = raw.strip()
    if re.fullmatch(r"\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")  # 458,873 as a spreadsheet writes it
    if not text:
        return None, None
    try:
        value = float(text)
    except ValueError:
        return None, f"{column} {quoted(raw.strip())} is not a number of metres, like 458873"
    if value != value:
        return None, f"{column} {quoted(raw.strip())} is not a number of metres, like 458873"
    return value, None


def _in_gb(easting: float, northing: float) -> bool:
    return (
        geo.BNG_EASTING[0] <= easting <= geo.BNG_EASTING[1]
        and geo.BNG_NORTHING[0] <= northing <= geo.BNG_NORTHING[1]
    )


def _looks_swapped(latitude: float, longitude: float) -> bool:
    return -9 <= latitude <= 3 and 49 <= longitude <= 61
