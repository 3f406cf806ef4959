"""The export as an OGC GeoPackage (``.gpkg``), the format QGIS opens and saves by default.

Pure: no Flask and never the app's database. A GeoPackage is an SQLite database laid out as
the standard says (https://www.geopackage.org/spec/), so it is written here with Python's
own sqlite3 into a temporary file, then streamed and deleted: no GDAL to install, and every
byte is ours to explain. GDAL's ``ogrinfo`` reads it back in the tests. The SQL below creates
and fills that new file; it is a file format, not a query of the app's data
(tests/test_layout.py names this module as the one exception to "SQL only in queries").

- One feature table, ``sites``: a Point (longitude, latitude; EPSG:4326) or no geometry,
  one row a site, the profile's columns plus the labels the table formats add
  (``sector_name``), each with its GeoPackage type: INTEGER, REAL, BOOLEAN, DATE or TEXT.
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

APPLICATION_ID = 0x47504B47  # "GPKG": the file is a GeoPackage
USER_VERSION = 10300  # GeoPackage 1.3 (major, two-digit minor, two-digit patch)
LAYER = "sites"
ITEMS = "site_list_items"
SRS_ID = 4326
CHUNK = 1 << 16
SQL_TYPES = {"int": "INTEGER", "double": "REAL", "bool": "BOOLEAN", "date": "DATE"}
INT64 = 2**63 - 1
WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)
METADATA_EXTENSION = "http://www.geopackage.org/spec/#extension_metadata"
SCHEMA_EXTENSION = "http://www.geopackage.org/spec/#extension_schema"

# The standard's own table definitions (its Annex C), and its three required SRS rows.
TABLES = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL
  DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE,
  max_y DOUBLE, srs_id INTEGER, CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
  REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
  m TINYINT NOT NULL, CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name), CONSTRAINT fk_gc_tn FOREIGN KEY
  (table_name) REFERENCES gpkg_contents(table_name), CONSTRAINT fk_gc_srs FOREIGN KEY
  (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT
  NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE
  (table_name, column_name, extension_name));
CREATE TABLE gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (reference_scope TEXT NOT NULL, table_name TEXT,
  column_name TEXT, row_id_value INTEGER, timestamp DATETIME NOT NULL DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
CREATE TABLE gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
  name TEXT, title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT,
  CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT gdc_tn UNIQUE (table_name, name));
CREATE TABLE gpkg_data_column_constraints (constraint_name TEXT NOT NULL,
  constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN,
  max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value));
"""
SPATIAL_REF_SYS = [
    ("WGS 84 geodetic", 4326, "EPSG", 4326, WGS84, "longitude/latitude in decimal degrees"),
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic"),
]
EXTENSIONS = [
    ("gpkg_metadata", None, "gpkg_metadata", METADATA_EXTENSION, "read-write"),
    ("gpkg_metadata_reference", None, "gpkg_metadata", METADATA_EXTENSION, "read-write"),
    ("gpkg_data_columns", None, "gpkg_schema", SCHEMA_EXTENSION, "read-write"),
    ("gpkg_data_column_constraints", None, "gpkg_schema", SCHEMA_EXTENSION, "read-write"),
]


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


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _create(conn: sqlite3.Connection, header: list[str]) -> None:
    """The standard's tables (already made: see ``write``) filled, and this export's two."""
    conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", SPATIAL_REF_SYS)
    conn.executemany("INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", EXTENSIONS)
    typed = ", ".join(f"{_quoted(c)} {SQL_TYPES.get(column_type(c), 'TEXT')}" for c in header)
    conn.execute(
        f"CREATE TABLE {LAYER} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        f"geom POINT, {typed})"
    )
    conn.execute(
        f"CREATE TABLE {ITEMS} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        f"site_fid INTEGER NOT NULL REFERENCES {LAYER}(fid), list TEXT NOT NULL, "
        "position INTEGER NOT NULL, item TEXT)"
    )


def _fill(conn: sqlite3.Connection, header, cols, sites: Iterable[Site], rows_per_chunk: int):
    """Insert every site (and its list items); return the envelope of the points or None."""
    placeholders = ", ".join("?" for _ in range(len(header) + 2))
    insert_site = f"INSERT INTO {LAYER} VALUES ({placeholders})"  # noqa: S608 - our names
    insert_item = f"INSERT INTO {ITEMS} (site_fid, list, position, item) VALUES (?, ?, ?, ?)"  # noqa: S608
    lists = [c for c in header if column_type(c) == "list"]
    xs: list[float] = []
    ys: list[float] = []
    rows, items = [], []
    for fid, site in enumerate(sites, 1):
        row = table_values(site, cols)
        geom = None
        if site.latitude is not None and site.longitude is not None:
            xs.append(float(site.longitude))
            ys.append(float(site.latitude))
            geom = point(xs[-1], ys[-1])
        rows.append([fid, geom, *(_value(row[c], column_type(c)) for c in header)])
        for name in lists:
            for position, item in enumerate(row[name] or [], 1):
                items.append((fid, name, position, _value(item, "string")))
        if len(rows) >= rows_per_chunk:
            conn.executemany(insert_site, rows)
            conn.executemany(insert_item, items)
            rows, items = [], []
    conn.executemany(insert_site, rows)
    conn.executemany(insert_item, items)
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
    bounds = envelope or (None, None, None, None)
    conn.execute(
        "INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
        [LAYER, title, about, changed, *bounds, SRS_ID],
    )
    conn.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, "
        "last_change) VALUES (?, 'attributes', ?, ?, ?)",
        [ITEMS, f"{meta.marking}: list items of the sites", about, changed],
    )
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', ?, 0, 0)", [LAYER, SRS_ID]
    )
    keys = [(label.upper().replace(" ", "_"), text) for label, text in facts]
    conn.execute(
        "INSERT INTO gpkg_metadata VALUES (1, 'dataset', 'http://gdal.org', 'text/xml', ?)",
        [_gdal_metadata(keys)],
    )
    conn.executemany(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, "
        "md_file_id) VALUES ('table', ?, ?, 1)",
        [(LAYER, changed), (ITEMS, changed)],
    )
    described = [
        (LAYER, c, c, c, column_help(c), "application/json" if column_type(c) == "list" else None)
        for c in header
    ]
    described.append((ITEMS, "site_fid", "site_fid", "site_fid", "The site's fid in sites", None))
    conn.executemany("INSERT INTO gpkg_data_columns VALUES (?, ?, ?, ?, ?, ?, NULL)", described)


def write(path: str, meta: Metadata, cols: list[str], sites: Iterable[Site], rows_per_chunk):
    """Write the GeoPackage of ``sites`` to ``path`` (a new, empty file)."""
    header = table_columns(cols)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        # The journal is kept in memory: the file is new, so a failure just discards it.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        conn.execute(f"PRAGMA user_version = {USER_VERSION}")
        conn.executescript(TABLES)  # executescript commits first: so before the BEGIN
        conn.execute("BEGIN")
        _create(conn, header)
        envelope = _fill(conn, header, cols, sites, rows_per_chunk)
        _describe(conn, meta, header, envelope)
        conn.execute("COMMIT")
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
