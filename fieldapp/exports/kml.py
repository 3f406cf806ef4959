"""The export as KML 2.2, for Google Earth and GIS software.

Pure: no Flask, no database. Written element by element by an XML writer (every value
escaped; characters XML cannot carry are dropped). The Document keeps the handling marking in
its name, description and ExtendedData, which is what Google Earth shows; the sites go in one
Folder named ``sites``, which GDAL (and so QGIS) takes as the layer name, so a layer is not
named after a sentence. Each site's fields are KML 2.2 typed data: a ``<Schema>`` declares
every profile field with its type (int, double, bool or string) and each Placemark carries
``<SchemaData>`` against it, so GDAL's LIBKML driver reads numbers as numbers. KML has no
list or date type: lists are "; "-joined text, as in the CSV, and the date is ISO text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Mapping
from xml.sax.saxutils import XMLGenerator

from fieldapp.exports.encoders import (
    NOT_XML,
    ROWS_PER_CHUNK,
    Metadata,
    Site,
    column_type,
    values,
)

KML_NS = "http://www.opengis.net/kml/2.2"
LAYER = "sites"  # the Folder's name: GDAL's layer name
SCHEMA_ID = "site"
# KML 2.2's SimpleField types for ours; a date and a list have no KML type, so are text.
KML_TYPES = {"int": "int", "double": "double", "bool": "bool"}
BAND_COLOURS = {  # KML colours are aabbggrr; GOV.UK red, orange, green and grey.
    "high": "ff1c35d4",
    "medium": "ff3877f4",
    "low": "ff3c7000",
    "none": "ff5f5a50",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, float):
        value = repr(value)
    return NOT_XML.sub("", str(value))


def _typed(value, kind: str) -> str | None:
    """A value as the text of its Schema type (a bool as 1 or 0), or None when it is missing
    (no SimpleData: GDAL reads the field as empty)."""
    if value is None or value == "" or value == []:
        return None
    if kind == "bool" and isinstance(value, bool):
        return "1" if value else "0"
    return _text(value)


class _Writer:
    """An XMLGenerator over a buffer, with the few shapes KML needs."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()
        self.xml = XMLGenerator(self.buffer, encoding="utf-8", short_empty_elements=True)

    def start(self, name: str, attrs: Mapping[str, str] | None = None) -> None:
        self.xml.startElement(name, attrs or {})

    def end(self, name: str) -> None:
        self.xml.endElement(name)

    def element(self, name: str, text, attrs: Mapping[str, str] | None = None) -> None:
        self.start(name, attrs)
        self.xml.characters(_text(text))
        self.end(name)

    def take(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def _head(out: _Writer, meta: Metadata, props: list[str]) -> None:
    """The Document's marking, styles, metadata and Schema, then the sites' Folder."""
    out.xml.startDocument()
    out.start("kml", {"xmlns": KML_NS})
    out.start("Document", {})
    out.element("name", f"{meta.marking}: sites for {meta.agency_name}")
    out.element("description", " | ".join(f"{label}: {text}" for label, text in meta.labelled()))
    for band, colour in BAND_COLOURS.items():
        out.start("Style", {"id": f"band-{band}"})
        out.start("IconStyle")
        out.element("color", colour)
        out.end("IconStyle")
        out.end("Style")
    out.start("ExtendedData")
    for key, value in meta.as_dict().items():
        out.start("Data", {"name": key})
        out.element("value", value)
        out.end("Data")
    out.end("ExtendedData")
    out.start("Schema", {"name": LAYER, "id": SCHEMA_ID})
    for name in props:
        kind = KML_TYPES.get(column_type(name), "string")
        out.start("SimpleField", {"type": kind, "name": name})
        out.end("SimpleField")
    out.end("Schema")
    out.start("Folder")
    out.element("name", LAYER)
    out.element("description", f"{meta.marking}: handle as the Document says")


def _placemark(out: _Writer, n: int, site: Site, cols: list[str], props: list[str]) -> None:
    rec = values(site, cols)
    out.start("Placemark", {"id": f"site-{int(site.id)}"} if "id" in rec else {})
    out.element("name", rec.get("name") or f"Site {n}")
    if "risk_band" in rec:
        out.element("styleUrl", f"#band-{rec['risk_band'] or 'none'}")
    out.start("ExtendedData")
    out.start("SchemaData", {"schemaUrl": f"#{SCHEMA_ID}"})
    for name in props:
        text = _typed(rec[name], column_type(name))
        if text is not None:
            out.element("SimpleData", text, {"name": name})
    out.end("SchemaData")
    out.end("ExtendedData")
    if rec.get("latitude") is not None and rec.get("longitude") is not None:
        out.start("Point")
        out.element("coordinates", f"{rec['longitude']!r},{rec['latitude']!r}")
        out.end("Point")
    out.end("Placemark")


def kml_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as KML 2.2, a chunk of bytes every ``rows_per_chunk`` sites."""
    out = _Writer()
    props = [c for c in cols if c not in ("latitude", "longitude")]
    _head(out, meta, props)
    for n, site in enumerate(sites, 1):
        _placemark(out, n, site, cols, props)
        if n % rows_per_chunk == 0:
            yield out.take()
    out.end("Folder")
    out.end("Document")
    out.end("kml")
    out.xml.endDocument()
    out.buffer.write("\n")
    yield out.take()
