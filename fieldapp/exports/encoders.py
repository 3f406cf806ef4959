"""Export encoders: sites as CSV, GeoJSON and KML, streamed in chunks of bytes.

Pure: no Flask, no database. Sites come in as ``Site`` tuples: the id, the position and the
agency profile's fields as a JSON object (worked out by SQLite, see fieldapp.exports), and
leave as bytes, so the same sites and metadata always give the same file. Every export says
how it must be handled, when and by whom it was made, for which agency, from which filter,
and which checklist versions are behind the scores: inside the file where the format has a
place for it (GeoJSON, KML, the XLSX About sheet), beside it for the CSV. Times are UK
time: ISO-8601 with the UK offset for software (``2026-04-01T00:45:00+01:00``), and with GMT
or BST named for people; dates are UK calendar days.

- CSV: a plain table (the header on the first line, then one row a site, nothing else), so
  GDAL, QGIS, pandas and this app's own importer read it as it is. UTF-8 with a byte order
  mark (so Excel reads it as UTF-8), ISO dates, a label beside each code (``sector_name``
  beside ``sector``), and a ``WKT`` point column, the one name GDAL's CSV driver takes as
  geometry without options. What the file is and how to handle it go in its name, the
  ``X-Handling-Marking`` header and the "about this export" text (``Metadata.about_text``),
  not in the table. A text cell a spreadsheet would evaluate (it begins with = + - @ tab or
  carriage return and is not a plain number) gets a leading apostrophe.
- XLSX: see fieldapp.exports.xlsx (same columns as the CSV, less WKT).
- GeoJSON (RFC 7946): a FeatureCollection of Points at [longitude, latitude] in WGS84, no
  "crs" member; a site without a location has ``"geometry": null``.
- KML 2.2: see fieldapp.exports.kml (typed Schema, one short-named layer).
- GeoPackage: see fieldapp.exports.geopackage (typed columns, lists as JSON and a table).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from fieldapp.checklists.model import BAND_LABELS, SECTORS
from fieldapp.exports.profiles import Profile, column_help
from fieldapp.timeutil import format_uk_datetime, uk_iso

FORMATS = {
    # Werkzeug adds "; charset=utf-8" to a text/ type itself: naming it here doubled it.
    "csv": ("text/csv", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "gpkg": ("application/geopackage+sqlite3", "gpkg"),
}
BOM = "\ufeff"
# Characters that make a spreadsheet treat a cell as a formula (or that Excel strips before
# looking): OWASP's list for CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number such as -1.13 or +44 is data a spreadsheet reads as a number, never a
# formula: OWASP's advice is about cells that would be evaluated, so these keep their text.
_PLAIN_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
ROWS_PER_CHUNK = 1000
# Control characters (a bell, an escape, NUL; C0 and C1 but tab, line feed and carriage
# return) are never data a reader meant: in a CSV they reach the spreadsheet or GIS as
# invisible junk or break the tools that read it, so they are dropped.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# XML 1.0 cannot carry most control characters, escaped or not: they are dropped.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Metadata:
    """What every export says about itself."""

    marking: str
    made_at: str  # ISO-8601 as stored (UTC); files say it in UK time
    made_by: str
    agency: str
    agency_name: str
    filter: str
    checklist_versions: tuple[str, ...]
    site_count: int
    fields: tuple[str, ...] = field(default=())
    council: str = ""
    profile_description: str = ""

    def as_dict(self) -> dict:
        """Metadata as JSON-friendly data (the GeoJSON "metadata" member, KML ExtendedData)."""
        return {
            "handling_marking": self.marking,
            "made_at": uk_iso(self.made_at),
            "made_by": self.made_by,
            "agency": self.agency,
            "agency_name": self.agency_name,
            "filter": self.filter,
            "checklist_versions": list(self.checklist_versions),
            "site_count": self.site_count,
            "fields": list(self.fields),
        }

    def labelled(self) -> list[tuple[str, str]]:
        """Metadata as (label, text) pairs, for people reading the CSV or KML."""
        pairs = [
            ("Handling marking", self.marking),
            ("Council", self.council),
            ("Made at", f"{format_uk_datetime(self.made_at)} ({uk_iso(self.made_at)})"),
            ("Made by", self.made_by),
            ("For agency", f"{self.agency_name} ({self.agency})"),
            ("Agency profile", self.profile_description),
            ("Filter", self.filter),
            ("Checklist versions", ", ".join(self.checklist_versions) or "none (no visits)"),
            ("Sites", str(self.site_count)),
        ]
        return [(label, text) for label, text in pairs if text]

    def about_text(self, table_cols: Iterable[str]) -> str:
        """The "about this export" text that goes beside a CSV: the facts, then the columns."""
        lines = [f"{self.marking}: about this export", ""]
        lines += [f"{label}: {text}" for label, text in self.labelled()]
        lines += ["", "Columns:"]
        lines += [f"  {name}: {column_help(name)}" for name in table_cols]
        lines += ["", f"Handle the file and this text as {self.marking}."]
        return "\r\n".join(lines) + "\r\n"


class Site(NamedTuple):
    """One site to export: the profile's fields (except the position) as JSON object text."""

    id: int
    latitude: float | None
    longitude: float | None
    properties: str


# Fields that come out as two columns.
SPLIT_FIELDS = {"location": ("latitude", "longitude"), "grid_reference": ("easting", "northing")}


# What each column holds, for the formats that type their fields (KML, GeoPackage); any
# column not named here is text. A list is a JSON array in GeoJSON and GeoPackage, and
# "; "-joined text where the format has no list (CSV, XLSX, KML).
COLUMN_TYPES = {
    "id": "int",
    "latitude": "double",
    "longitude": "double",
    "easting": "double",
    "northing": "double",
    "risk_score": "double",
    "flagged": "bool",
    "location_mismatch": "bool",
    "last_visit_date": "date",
    "red_flag_count": "int",
    "red_flag_categories": "list",
    "red_flags": "list",
    "top_indicators": "list",
    "indicators": "list",
}


def column_type(name: str) -> str:
    """int, double, bool, date, list or string: what a column holds."""
    return COLUMN_TYPES.get(name, "string")


def columns(profile: Profile) -> list[str]:
    """The columns a profile produces, in order (location becomes latitude, longitude; the
    grid reference easting, northing)."""
    out: list[str] = []
    for name in profile.fields:
        out.extend(SPLIT_FIELDS.get(name, (name,)))
    return out


# Columns the table formats (CSV, XLSX) add beside a code, so a reader need not know it.
LABELS = {"sector": ("sector_name", SECTORS), "risk_band": ("risk_band_name", BAND_LABELS)}
WKT = "WKT"  # the column name GDAL's CSV driver reads as geometry with no options


def table_columns(cols: list[str], *, wkt: bool = False) -> list[str]:
    """The columns of a table format: a label beside each code, then WKT if asked for."""
    out: list[str] = []
    for name in cols:
        out.append(name)
        if name in LABELS:
            out.append(LABELS[name][0])
    if wkt and "longitude" in cols:
        out.append(WKT)
    return out


def table_values(site: Site, cols: list[str]) -> dict:
    """A site's values for a table format: its fields, the labels and the WKT point."""
    row = values(site, cols)
    for code, (label_column, labels) in LABELS.items():
        if code in row:
            row[label_column] = labels.get(row[code], row[code] or "")
    if site.latitude is not None and site.longitude is not None:
        row[WKT] = f"POINT ({float(site.longitude)!r} {float(site.latitude)!r})"
    else:
        row[WKT] = ""
    return row


def values(site: Site, cols: list[str]) -> dict:
    """A site's fields as Python values, keyed by column."""
    props = json.loads(site.properties)
    if "latitude" in cols:
        props["latitude"], props["longitude"] = site.latitude, site.longitude
    return {c: props[c] for c in cols}


# -- CSV -------------------------------------------------------------------------------------


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell that a spreadsheet will never run as a formula.

    Numbers stay numbers, and so does text that is a plain number (a longitude of -1.13 is
    data, not a formula); other text beginning with a formula character gets a leading
    apostrophe, which Excel hides (LibreOffice shows it: the XLSX export needs none).
    Control characters are dropped first, so one cannot hide a formula behind it.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = _CONTROLS.sub("", str(value))
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as a CSV table: the header row, then one row a site, nothing else.

    ``meta`` is not written: it goes in the file name, a header and the about text.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes commas, quotes and newlines; \r\n line endings
    buffer.write(BOM)
    header = table_columns(cols, wkt=True)
    writer.writerow(header)
    for n, site in enumerate(sites, 1):
        row = table_values(site, cols)
        writer.writerow([safe_cell(row[c]) for c in header])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def read_csv(data: bytes) -> list[dict[str, str]]:
    """Read one of our CSV exports back as rows keyed by column. For tests and checks."""
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


# -- GeoJSON ---------------------------------------------------------------------------------

_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def geojson_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as an RFC 7946 FeatureCollection, metadata in a "metadata" member.

    Each site's properties are already JSON, so a Feature is put together as text: at
    50,000 sites, parsing and re-encoding them would be most of the time taken.
    """
    has_id = "id" in cols
    located = "latitude" in cols
    yield (
        '{"type":"FeatureCollection","metadata":' + _json(meta.as_dict()) + ',"features":['
    ).encode("utf-8")
    parts: list[str] = []
    separator = ""
    for n, site in enumerate(sites, 1):
        if located and site.latitude is not None and site.longitude is not None:
            geometry = (
                '{"type":"Point","coordinates":['
                f"{float(site.longitude)!r},{float(site.latitude)!r}]}}"
            )
        else:
            geometry = "null"
        feature_id = f'"id":{int(site.id)},' if has_id else ""
        parts.append(
            f'{separator}{{"type":"Feature",{feature_id}"geometry":{geometry},'
            f'"properties":{site.properties}}}'
        )
        separator = ","
        if n % rows_per_chunk == 0:
            yield "".join(parts).encode("utf-8")
            parts = []
    parts.append("]}\n")
    yield "".join(parts).encode("utf-8")


ENCODERS: dict[str, Callable[..., Iterator[bytes]]] = {
    "csv": csv_chunks,
    "geojson": geojson_chunks,
}


def encode(fmt: str, meta: Metadata, profile: Profile, sites: Iterable[Site]) -> Iterator[bytes]:
    """Chunks of the export in ``fmt`` (csv, geojson or kml)."""
    return ENCODERS[fmt](meta, columns(profile), sites)


def measured(chunks: Iterable[bytes], done: Callable[[str, int, bool], None]) -> Iterator[bytes]:
    """Pass chunks through, then call ``done(sha256, byte_count, complete)`` exactly once.

    A chunk counts once the server has come back for the next one, i.e. it was written to
    the client; so if the client goes away, the hash and size cover what it was sent and
    ``complete`` is False. ``done`` also runs when the generator is closed or collected
    without being read to the end.
    """
    digest = hashlib.sha256()
    size = 0
    complete = False
    try:
        for chunk in chunks:
            yield chunk
            digest.update(chunk)
            size += len(chunk)
        complete = True
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()  # stop the encoder (and its database cursor) before reporting
        done(digest.hexdigest(), size, complete)


def sha256_of(stream: io.BufferedIOBase | io.RawIOBase, block: int = 1 << 20) -> str:
    """SHA-256 of everything in a binary stream, read a block at a time."""
    digest = hashlib.sha256()
    while chunk := stream.read(block):
        digest.update(chunk)
    return digest.hexdigest()
