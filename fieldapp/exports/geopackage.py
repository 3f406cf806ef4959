"""The export as an OGC GeoPackage (``.gpkg``), the format QGIS opens and saves by default.

Pure: no Flask and never the app's database. A GeoPackage is an SQLite database laid out as
the standard says (https://www.geopackage.org/spec/), so it is written here with Python's
own sqlite3 into a temporary file, then streamed and deleted: no GDAL to install, and every
byte is ours to explain. GDAL's ``ogrinfo`` reads it back in the tests. This module encodes
(points, values, the metadata XML); the SQL that lays out and fills the new file is in
fieldapp/queries/geopackage.py, which takes a connection to that file and never the app's.

- One feature table, ``sites``: a Point (longitude, latitude; EPSG:4326) or no geometry,
  one row a site, the profile's columns plus the labels the table formats add
  (``sector_name``), each with its GeoPackage type: INTEGER, REAL, BOOLEAN, DATE or TEXT.
  Its spatial index (the RTree extension, ``rtree_sites_geom``) lets QGIS and GDAL find the
  sites in a map window without reading every row.
- Lists (red flags, their categories, warning signs) are a TEXT column holding a JSON array,
  declared ``application/json`` in ``gpkg_data_columns`` so GDAL and QGIS read it as JSON
  (QGIS shows it as a list and its expressions can test it), and also one row an item in the
  attributes table ``site_list_items`` (site_fid, list, position, item), which QGIS can
  relate, count or filter without parsing anything. Numbered columns (red_flag_1..n) were
  not used: their number changes from export to export and nothing says which is which.
- The handling marking and the facts about the export: in ``gpkg_contents`` (identifier and
  description, which QGIS shows as the layer's title and abstract) and in a
  ``gpkg_metadata`` record (the Metadata extension) in GDAL's own metadata XML, so
  ``ogrinfo`` and QGIS list each fact by name. Each column's meaning is in
  ``gpkg_data_columns`` (the Schema extension).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import struct
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from fieldapp.exports.encoders import (
    NOT_XML,
    ROWS_PER_CHUNK,
    Metadata,
    Site,
    column_type,
    table_columns,
    table_values,
)
from fieldapp.exports.profiles import column_help
from fieldapp.queries import geopackage as gpkg_q

APPLICATION_ID = 0x47504B47  # "GPKG": the file is a GeoPackage
USER_VERSION = 10300  # GeoPackage 1.3 (major, two-digit minor, two-digit patch)
LAYER = "sites"
GEOM = "geom"
ITEMS = "site_list_items"
SRS_ID = 4326
CHUNK = 1 << 16
SQL_TYPES = {"int": "INTEGER", "double": "REAL", "bool": "BOOLEAN", "date": "DATE"}
INT64 = 2**63 - 1
GDAL_METADATA = "http://gdal.org"  # the md_standard_uri of GDAL's metadata XML


def point(longitude: float, latitude: float) -> bytes:
    """A GeoPackage geometry: the standard's binary header, then a WKB point.

    Header: "GP", version 0, flags 0b00000001 (little-endian, no envelope: a point is its
    own envelope), the SRS id; then WKB: byte order 1 (little-endian), type 1 (Point), x, y.
    """
    return b"GP\x00\x01" + struct.pack("<iBIdd", SRS_ID, 1, 1, longitude, latitude)


def _value(value, kind: str):
    """A value as SQLite stores it for its column's type."""
    if value is None or value == "":
        return None
    if kind == "list":
        items = value if isinstance(value, list | tuple) else [value]
        return json.dumps(list(items), ensure_ascii=False) if items else None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and abs(value) > INT64:
        return float(value)  # beyond SQLite's 64-bit integers: as SQLite itself would
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return value


def _fill(conn: sqlite3.Connection, header, cols, sites: Iterable[Site], rows_per_chunk: int):
    """Insert every site (and its list items); return the envelope of the points or None."""
    lists = [c for c in header if column_type(c) == "list"]
    xs: list[float] = []
    ys: list[float] = []
    rows, boxes, items = [], [], []
    for fid, site in enumerate(sites, 1):
        row = table_values(site, cols)
        geom = None
        if site.latitude is not None and site.longitude is not None:
            xs.append(float(site.longitude))
            ys.append(float(site.latitude))
            geom = point(xs[-1], ys[-1])
            boxes.append((fid, xs[-1], xs[-1], ys[-1], ys[-1]))  # a point is its own box
        rows.append([fid, geom, *(_value(row[c], column_type(c)) for c in header)])
        for name in lists:
            for position, item in enumerate(row[name] or [], 1):
                items.append((fid, name, position, _value(item, "string")))
        if len(rows) >= rows_per_chunk:
            gpkg_q.insert_features(conn, LAYER, GEOM, rows, boxes)
            gpkg_q.insert_items(conn, ITEMS, items)
            rows, boxes, items = [], [], []
    gpkg_q.insert_features(conn, LAYER, GEOM, rows, boxes)
    gpkg_q.insert_items(conn, ITEMS, items)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def _gdal_metadata(pairs: Iterable[tuple[str, str]]) -> str:
    """GDAL's metadata XML: GDAL, and so ogrinfo and QGIS, list each item by its key."""
    # XML cannot carry most control characters, escaped or not: they are dropped here (the
    # same facts are whole in gpkg_contents, which is not XML).
    items = "".join(
        f"<MDI key={quoteattr(key)}>{escape(NOT_XML.sub('', text))}</MDI>" for key, text in pairs
    )
    return f"<GDALMultiDomainMetadata><Metadata>{items}</Metadata></GDALMultiDomainMetadata>"


def _describe(conn: sqlite3.Connection, meta: Metadata, header: list[str], envelope) -> None:
    """The contents, the marking and facts, the geometry column and what each column holds."""
    changed = datetime.fromisoformat(meta.made_at).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    title = f"{meta.marking}: sites for {meta.agency_name}"
    facts = meta.labelled()
    about = " | ".join([title, *(f"{label}: {text}" for label, text in facts)])
    min_x, min_y, max_x, max_y = envelope or (None, None, None, None)
    gpkg_q.add_contents(
        conn,
        LAYER,
        "features",
        identifier=title,
        description=about,
        last_change=changed,
        min_x=min_x,
        min_y=min_y,
        max_x=max_x,
        max_y=max_y,
        srs_id=SRS_ID,
    )
    gpkg_q.add_contents(
        conn,
        ITEMS,
        "attributes",
        identifier=f"{meta.marking}: list items of the sites",
        description=about,
        last_change=changed,
    )
    gpkg_q.add_geometry_column(conn, LAYER, GEOM, "POINT", SRS_ID)
    keys = [(label.upper().replace(" ", "_"), text) for label, text in facts]
    gpkg_q.add_metadata(conn, GDAL_METADATA, _gdal_metadata(keys), [LAYER, ITEMS], changed)
    described = [
        (LAYER, c, c, c, column_help(c), "application/json" if column_type(c) == "list" else None)
        for c in header
    ]
    described.append((ITEMS, "site_fid", "site_fid", "site_fid", "The site's fid in sites", None))
    gpkg_q.add_data_columns(conn, described)


def write(path: str, meta: Metadata, cols: list[str], sites: Iterable[Site], rows_per_chunk):
    """Write the GeoPackage of ``sites`` to ``path`` (a new, empty file)."""
    header = table_columns(cols)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        gpkg_q.begin(conn, APPLICATION_ID, USER_VERSION)
        typed = [(c, SQL_TYPES.get(column_type(c), "TEXT")) for c in header]
        gpkg_q.create_tables(conn, LAYER, GEOM, ITEMS, typed)
        envelope = _fill(conn, header, cols, sites, rows_per_chunk)
        _describe(conn, meta, header, envelope)
        gpkg_q.finish_spatial_index(conn, LAYER, GEOM)
        gpkg_q.commit(conn)
    finally:
        conn.close()


def gpkg_chunks(
    meta: Metadata, cols: list[str], sites: Iterable[Site], *, rows_per_chunk=ROWS_PER_CHUNK
) -> Iterator[bytes]:
    """The export as a GeoPackage, in chunks of bytes.

    SQLite needs a file, so the GeoPackage is written to a temporary file first, then read
    out; the file is deleted when the last chunk has gone or the reader goes away (the
    generator is closed).
    """
    # A folder of its own (only this process may read it), so nothing else can open or
    # swap the file, and SQLite's journal, if any, goes with it.
    folder = tempfile.mkdtemp(prefix="fieldapp-export-")
    try:
        path = os.path.join(folder, "export.gpkg")
        write(path, meta, cols, sites, rows_per_chunk)
        with open(path, "rb") as fh:
            while chunk := fh.read(CHUNK):
                yield chunk
    finally:
        shutil.rmtree(folder, ignore_errors=True)
