"""Export encoders: sites as CSV, GeoJSON and KML, streamed in chunks of bytes.

Pure: no Flask, no database. Sites come in as ``Site`` tuples: the id, the position and the
agency profile's fields as a JSON object (worked out by SQLite, see fieldapp.exports), and
leave as bytes, so the same sites and metadata always give the same file. Every file says
at the top how it must be handled, when and by whom it was made, for which agency, from
which filter, and which checklist versions are behind the scores. Times are UK time: ISO-8601
with the UK offset for software (``2026-04-01T00:45:00+01:00``), and with GMT or BST named
for people; dates are UK calendar days.

- CSV: UTF-8 with a byte order mark (so Excel reads it as UTF-8), ISO dates, and any text
  cell that begins with = + - @ tab or carriage return is prefixed with an apostrophe so a
  spreadsheet shows it as text and never runs it as a formula.
- GeoJSON (RFC 7946): a FeatureCollection of Points at [longitude, latitude] in WGS84, no
  "crs" member; a site without a location has ``"geometry": null``.
- KML 2.2: written by an XML library (every value escaped), Placemarks with ExtendedData.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple
from xml.sax.saxutils import XMLGenerator

from fieldapp.exports.profiles import Profile
from fieldapp.timeutil import format_uk_datetime, uk_iso

FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "geojson": ("application/geo+json", "geojson"),
    "kml": ("application/vnd.google-earth.kml+xml", "kml"),
}
BOM = "\ufeff"
# Characters that make a spreadsheet treat a cell as a formula (or that Excel strips before
# looking): OWASP's list for CSV injection.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 1000
KML_NS = "http://www.opengis.net/kml/2.2"
# XML 1.0 cannot carry most control characters, escaped or not: they are dropped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
BAND_COLOURS = {  # KML colours are aabbggrr; GOV.UK red, orange, green and grey.
    "high": "ff1c35d4",
    "medium": "ff3877f4",
    "low": "ff3c7000",
    "none": "ff5f5a50",
}


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
        return [
            ("Handling marking", self.marking),
            ("Made at", f"{format_uk_datetime(self.made_at)} ({uk_iso(self.made_at)})"),
            ("Made by", self.made_by),
            ("For agency", f"{self.agency_name} ({self.agency})"),
            ("Filter", self.filter),
            ("Checklist versions", ", ".join(self.checklist_versions) or "none (no visits)"),
            ("Sites", str(self.site_count)),
        ]


class Site(NamedTuple):
    """One site to export: the profile's fields (except the position) as JSON object text."""

    id: int
    latitude: float | None
    longitude: float | None
    properties: str


# Fields that come out as two columns.
SPLIT_FIELDS = {"location": ("latitude", "longitude"), "grid_reference": ("easting", "northing")}


def columns(profile: Profile) -> list[str]:
    """The columns a profile produces, in order (location becomes latitude, longitude; the
    grid reference easting, northing)."""
    out: list[str] = []
    for name in profile.fields:
        out.extend(SPLIT_FIELDS.get(name, (name,)))
    return out


def values(site: Site, cols: list[str]) -> dict:
    """A site's fields as Python values, keyed by column."""
    props = json.loads(site.properties)
    if "latitude" in cols:
        props["latitude"], props["longitude"] = site.latitude, site.longitude
    return {c: props[c] for c in cols}


# -- CSV -------------------------------------------------------------------------------------


def safe_cell(value) -> str | int | float:
    """A value as a CSV cell that a spreadsheet will never run as a formula.

    Numbers stay numbers (a longitude of -1.13 is data, not a formula); text beginning with
    a formula character gets a leading apostrophe, which Excel and LibreOffice hide.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as CSV: metadata rows, a blank row, the header row, then one row a site."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # quotes commas, quotes and newlines; \r\n line endings
    buffer.write(BOM)
    for label, text in meta.labelled():
        writer.writerow([label, safe_cell(text)])
    writer.writerow([])
    writer.writerow(cols)
    for n, site in enumerate(sites, 1):
        row = values(site, cols)
        writer.writerow([safe_cell(row[c]) for c in cols])
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def read_csv(data: bytes) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Read one of our CSV exports back: (metadata by label, rows). For tests and checks."""
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    blank = lines.index([])
    meta = {row[0]: row[1] for row in lines[:blank]}
    header = lines[blank + 1]
    return meta, [dict(zip(header, row, strict=True)) for row in lines[blank + 2 :]]


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


# -- KML -------------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    return _NOT_XML.sub("", str(value))


def kml_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as KML 2.2, written element by element by an XML writer."""
    buffer = io.StringIO()
    xml = XMLGenerator(buffer, encoding="utf-8", short_empty_elements=True)

    def element(name: str, text: str, attrs: Mapping[str, str] | None = None) -> None:
        xml.startElement(name, attrs or {})
        xml.characters(_text(text))
        xml.endElement(name)

    def extended(pairs: Iterable[tuple[str, object]]) -> None:
        xml.startElement("ExtendedData", {})
        for key, value in pairs:
            xml.startElement("Data", {"name": key})
            element("value", value)
            xml.endElement("Data")
        xml.endElement("ExtendedData")

    xml.startDocument()
    xml.startElement("kml", {"xmlns": KML_NS})
    xml.startElement("Document", {})
    element("name", f"{meta.marking}: sites for {meta.agency_name}")
    element("description", " | ".join(f"{label}: {text}" for label, text in meta.labelled()))
    for band, colour in BAND_COLOURS.items():
        xml.startElement("Style", {"id": f"band-{band}"})
        xml.startElement("IconStyle", {})
        element("color", colour)
        xml.endElement("IconStyle")
        xml.endElement("Style")
    extended(meta.as_dict().items())
    props = [c for c in cols if c not in ("latitude", "longitude")]
    for n, site in enumerate(sites, 1):
        rec = values(site, cols)
        xml.startElement("Placemark", {"id": f"site-{int(site.id)}"} if "id" in rec else {})
        element("name", rec.get("name") or f"Site {n}")
        if "risk_band" in rec:
            element("styleUrl", f"#band-{rec['risk_band'] or 'none'}")
        extended((c, rec[c]) for c in props)
        if rec.get("latitude") is not None and rec.get("longitude") is not None:
            xml.startElement("Point", {})
            element("coordinates", f"{rec['longitude']!r},{rec['latitude']!r}")
            xml.endElement("Point")
        xml.endElement("Placemark")
        if n % rows_per_chunk == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    xml.endElement("Document")
    xml.endElement("kml")
    xml.endDocument()
    buffer.write("\n")
    yield buffer.getvalue().encode("utf-8")


ENCODERS: dict[str, Callable[..., Iterator[bytes]]] = {
    "csv": csv_chunks,
    "geojson": geojson_chunks,
    "kml": kml_chunks,
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
