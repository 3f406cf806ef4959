"""Checking one row of a premises list, and the forms names and postcodes are compared in."""

from __future__ import annotations

import re
from datetime import date

from fieldapp import geo
from fieldapp.imports.mapping import ADDRESS_LINES
from fieldapp.imports.model import MAX_LENGTHS, POSTCODE, Row
from fieldapp.text import clean
from fieldapp.timeutil import uk_today

# A postcode at the end of an address, for files with no postcode column.
TRAILING_POSTCODE = re.compile(
    r"[\s,]*\b([A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2})\s*$", re.IGNORECASE
)


def quoted(value: str, limit: int = 40) -> str:
    """A cell's value, quoted and shortened, for a message."""
    value = " ".join(value.split())
    return f"'{value[:limit]}…'" if len(value) > limit else f"'{value}'"


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


def row_values(cells: list[str], positions: dict[str, int]) -> dict[str, str]:
    """A record's cells by our field, cleaned: control and direction characters removed,
    lines inside a quoted cell joined, address lines joined into one address, and a postcode
    at the end of the address taken from it when the file has no postcode column."""

    def cell(name: str) -> str:
        index = positions.get(name)
        if index is None or index >= len(cells):
            return ""
        return _unescaped(" ".join(clean(cells[index]).split()))

    values = {name: cell(name) for name in positions}
    if not values.get("address"):
        values["address"] = ", ".join(v for v in (cell(n) for n in ADDRESS_LINES) if v)
    if not values.get("postcode"):
        found = TRAILING_POSTCODE.search(values["address"])
        if found and POSTCODE.match(normalise_postcode(found.group(1))):
            values["postcode"] = found.group(1)
            values["address"] = values["address"][: found.start()].rstrip(" ,")
    return values


def _unescaped(value: str) -> str:
    """A cell without the apostrophe a spreadsheet-safe export (ours among them) puts before
    text starting with a formula character, so an export re-imports as the same name."""
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        return value[1:]
    return value


def check_row(
    line: int, values: dict[str, str], sector: str | None, overflow: bool = False
) -> tuple[Row | None, list[str]]:
    """A cleaned :class:`Row`, or None and the reasons it cannot be imported.

    ``values`` are the record's cells by field (:func:`row_values`); ``sector`` is what the
    mapping made of its sector cell (None: not a sector we visit); ``overflow`` says the
    record has cells beyond the header's columns (an unquoted comma in an address).
    """

    def cell(column: str) -> str:
        return values.get(column, "")

    reasons: list[str] = []
    if overflow:
        reasons.append(
            "the row has more cells than the header row has columns: put quotes around "
            "any text that contains a comma"
        )
    values_out = _required(cell, sector, reasons)
    values_out["external_ref"] = cell("external_ref") or None
    values_out["uprn"] = _uprn(cell("uprn"), reasons)
    values_out["postcode"] = _postcode(
        cell("postcode"), values_out["external_ref"] or values_out["uprn"], reasons
    )
    values_out["local_authority"] = cell("local_authority")
    for column in MAX_LENGTHS:
        if len(values_out[column] or "") > MAX_LENGTHS[column]:
            reasons.append(f"{column} is longer than {MAX_LENGTHS[column]} characters: shorten it")
    location = _location(cell, reasons)
    (
        values_out["latitude"],
        values_out["longitude"],
        values_out["easting"],
        values_out["northing"],
    ) = location
    values_out["registered_on"] = _date(cell("date_registered"), reasons)
    if reasons:
        return None, reasons
    return Row(line=line, **values_out), []


def _required(cell, sector: str | None, reasons: list[str]) -> dict:
    """Name, sector and address: each must be there, and the sector one we visit. A row
    with only a trading name is known by it."""
    trading_name = cell("trading_name")
    name = cell("name") or trading_name
    if not name:
        reasons.append("name is empty: enter the business name")
    sector_text = cell("sector")
    if sector is None and not sector_text:
        reasons.append("sector is empty: enter hand car wash or nail bar")
    elif sector is None:
        reasons.append(
            f"sector {quoted(sector_text)} is not hand car wash or nail bar: change it to one "
            "of those"
        )
    address = cell("address")
    if not address:
        reasons.append("address is empty: enter the street address")
    return {
        "name": name,
        "trading_name": "" if trading_name == name else trading_name,
        "sector": sector,
        "address": address,
    }


def _postcode(text: str, reference: str | None, reasons: list[str]) -> str:
    """The postcode in standard form ("" if missing, which only an external_ref or a UPRN
    allows)."""
    if text:
        if POSTCODE.match(normalise_postcode(text)):
            return format_postcode(text)
        reasons.append(f"postcode {quoted(text)} is not a UK postcode: correct it, like LE1 5AA")
    elif reference is None:
        # Without either, a second import could not tell this premises from a new one.
        reasons.append(
            "postcode is empty: enter the postcode, like LE1 5AA (it can be left empty only "
            "when the row has an external_ref or a UPRN)"
        )
    return ""


Location = tuple[float | None, float | None, float | None, float | None]


def _location(cell, reasons: list[str]) -> Location:
    """Latitude, longitude, easting, northing. Latitude and longitude: both or neither, in
    range, and not the wrong way round; or, when the file gives none, British National Grid
    easting and northing, converted and kept."""
    no_degrees = not cell("latitude").strip() and not cell("longitude").strip()
    if no_degrees and (cell("easting").strip() or cell("northing").strip()):
        return _grid(cell, reasons)
    latitude, lat_error = _coordinate("latitude", cell("latitude"), -90, 90)
    longitude, lon_error = _coordinate("longitude", cell("longitude"), -180, 180)
    reasons += [e for e in (lat_error, lon_error) if e]
    if lat_error or lon_error:
        return latitude, longitude, None, None
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
    return latitude, longitude, None, None


def _uprn(text: str, reasons: list[str]) -> str | None:
    """A UPRN as text: up to 12 digits. Excel turns long numbers into 1.00023E+11, which has
    lost digits for good, so that is refused with how to stop it."""
    if not text:
        return None
    if re.fullmatch(r"[0-9]{1,12}", text):  # ASCII digits only: \d also takes ２ and ٣
        return text.lstrip("0") or "0"
    if re.fullmatch(r"[0-9]{1,12}\.0+", text):
        return text.split(".")[0].lstrip("0") or "0"  # a number column's "100023336956.0"
    if re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", text):
        reasons.append(
            f"UPRN {quoted(text)} was turned into a rounded number by a spreadsheet, so digits "
            "are lost: format the UPRN column as text and export the file again"
        )
    else:
        reasons.append(f"UPRN {quoted(text)} is not a UPRN: it is a number of up to 12 digits")
    return None


def _grid(cell, reasons: list[str]) -> Location:
    """Easting and northing (metres, EPSG:27700): both, within Great Britain, and not
    degrees or the wrong way round, as WGS84 latitude and longitude."""
    easting, e_error = _number("easting", cell("easting"))
    northing, n_error = _number("northing", cell("northing"))
    reasons += [e for e in (e_error, n_error) if e]
    if e_error or n_error:
        return None, None, None, None
    if easting is None or northing is None:
        given, empty = ("easting", "northing") if northing is None else ("northing", "easting")
        reasons.append(f"{given} is filled in but {empty} is empty: enter both, or neither")
        return None, None, None, None
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
        return (*geo.bng_to_wgs84(easting, northing), easting, northing)
    return None, None, None, None


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


UK_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _date(text: str, reasons: list[str]) -> str | None:
    """A registration date as an ISO date. Council files write UK dates (27/04/2010); ISO
    dates (2010-04-27) are read too, and a time after the date (Excel adds one) is ignored.
    Never in the future."""
    if not text:
        return None
    day_first = UK_DATE.fullmatch(text.split(" ")[0])
    iso = ISO_DATE.fullmatch(text.split(" ")[0].split("T")[0])
    try:
        if day_first:
            day, month, year = (int(g) for g in day_first.groups())
            when = date(year, month, day)
        elif iso:
            when = date(*(int(g) for g in iso.groups()))
        else:
            raise ValueError
    except ValueError:
        reasons.append(
            f"date registered {quoted(text)} is not a date: write it as day/month/year, "
            "like 27/04/2010"
        )
        return None
    if when > uk_today():
        reasons.append(f"date registered {quoted(text)} is in the future: check the date")
        return None
    return when.isoformat()
