"""The SQL that lays out and fills a GeoPackage export: a new SQLite file, never the app's.

A GeoPackage is an SQLite database laid out as the standard says
(https://www.geopackage.org/spec/). Each function here takes a plain sqlite3 connection to
the new file that fieldapp/exports/geopackage.py is writing, and nothing of the app's: that
module decides what goes in (the encoding of points and values, the metadata XML), this one
holds the standard's tables, the export's two tables and the statements that fill them.

The sites layer has a spatial index, the standard's RTree extension (its Annex F.3): an
SQLite R*Tree ``rtree_<table>_<column>`` holding each point's bounding box under its fid, so
QGIS and GDAL find the sites in a map window without reading them all. It is filled here
from the points themselves; the standard's triggers (GeoPackage 1.3's set) are added only
when the file is full, as they call ST_ functions that GDAL and QGIS provide and Python's
sqlite3 does not, and they keep the index right if someone edits the layer in QGIS.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

WGS84 = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AUTHORITY["EPSG","4326"]]'
)
METADATA_EXTENSION = "http://www.geopackage.org/spec/#extension_metadata"
SCHEMA_EXTENSION = "http://www.geopackage.org/spec/#extension_schema"
RTREE_EXTENSION = "http://www.geopackage.org/spec120/#extension_rtree"

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
# The standard's triggers for an RTree index (GeoPackage 1.2 and 1.3, Annex F.3), with
# {t} the table, {c} the geometry column, {i} its integer primary key, {r} the R*Tree.
RTREE_TRIGGERS = """
CREATE TRIGGER "{r}_insert" AFTER INSERT ON "{t}"
  WHEN (new."{c}" NOT NULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  INSERT OR REPLACE INTO "{r}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "{r}_update1" AFTER UPDATE OF "{c}" ON "{t}"
  WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  INSERT OR REPLACE INTO "{r}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "{r}_update2" AFTER UPDATE OF "{c}" ON "{t}"
  WHEN OLD."{i}" = NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "{r}" WHERE id = OLD."{i}";
END;
CREATE TRIGGER "{r}_update3" AFTER UPDATE ON "{t}"
  WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" NOTNULL AND NOT ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "{r}" WHERE id = OLD."{i}";
  INSERT OR REPLACE INTO "{r}" VALUES (NEW."{i}",
    ST_MinX(NEW."{c}"), ST_MaxX(NEW."{c}"), ST_MinY(NEW."{c}"), ST_MaxY(NEW."{c}"));
END;
CREATE TRIGGER "{r}_update4" AFTER UPDATE ON "{t}"
  WHEN OLD."{i}" != NEW."{i}" AND (NEW."{c}" ISNULL OR ST_IsEmpty(NEW."{c}"))
BEGIN
  DELETE FROM "{r}" WHERE id IN (OLD."{i}", NEW."{i}");
END;
CREATE TRIGGER "{r}_delete" AFTER DELETE ON "{t}"
  WHEN old."{c}" NOT NULL
BEGIN
  DELETE FROM "{r}" WHERE id = OLD."{i}";
END;
"""


def quoted(name: str) -> str:
    """``name`` as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def rtree_name(table: str, column: str) -> str:
    """The standard's name for the spatial index of ``table``'s geometry ``column``."""
    return f"rtree_{table}_{column}"


def begin(conn: sqlite3.Connection, application_id: int, user_version: int) -> None:
    """Make the new file a GeoPackage: its header, the standard's tables and their rows.

    Leaves a transaction open; :func:`commit` ends it.
    """
    # The journal is kept in memory: the file is new, so a failure just discards it.
    conn.execute("PRAGMA journal_mode = MEMORY")
    conn.execute(f"PRAGMA application_id = {int(application_id)}")
    conn.execute(f"PRAGMA user_version = {int(user_version)}")
    conn.executescript(TABLES)  # executescript commits first: so before the BEGIN
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", SPATIAL_REF_SYS)
    conn.executemany("INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", EXTENSIONS)


def commit(conn: sqlite3.Connection) -> None:
    conn.execute("COMMIT")


def create_tables(
    conn: sqlite3.Connection, layer: str, geom: str, items: str, columns: Sequence[tuple[str, str]]
) -> None:
    """The feature table ``layer`` (fid, a POINT ``geom``, then ``columns``: name and SQL
    type), the attributes table ``items`` of its list items, and ``layer``'s R*Tree."""
    typed = ", ".join(f"{quoted(name)} {kind}" for name, kind in columns)
    conn.execute(
        f"CREATE TABLE {quoted(layer)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        f"{quoted(geom)} POINT, {typed})"
    )
    conn.execute(
        f"CREATE TABLE {quoted(items)} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        f"site_fid INTEGER NOT NULL REFERENCES {quoted(layer)}(fid), list TEXT NOT NULL, "
        "position INTEGER NOT NULL, item TEXT)"
    )
    rtree = quoted(rtree_name(layer, geom))
    conn.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)")


def insert_features(
    conn: sqlite3.Connection,
    layer: str,
    geom: str,
    rows: Sequence[Sequence],
    boxes: Iterable[tuple[int, float, float, float, float]],
) -> None:
    """Rows of ``layer`` (fid, geometry, then each column) and their boxes in its R*Tree
    (fid, min x, max x, min y, max y)."""
    if rows:
        marks = ", ".join("?" for _ in rows[0])
        conn.executemany(f"INSERT INTO {quoted(layer)} VALUES ({marks})", rows)  # noqa: S608
    rtree = quoted(rtree_name(layer, geom))
    conn.executemany(f"INSERT INTO {rtree} VALUES (?, ?, ?, ?, ?)", boxes)  # noqa: S608


def insert_items(conn: sqlite3.Connection, items: str, rows: Iterable[tuple]) -> None:
    """Rows of the list items table: (site_fid, list, position, item)."""
    conn.executemany(
        f"INSERT INTO {quoted(items)} (site_fid, list, position, item) VALUES (?, ?, ?, ?)",  # noqa: S608
        rows,
    )


def add_contents(conn: sqlite3.Connection, table: str, data_type: str, **row) -> None:
    """``table``'s row in gpkg_contents; ``row`` holds the other columns by name (identifier,
    description, last_change, and for features min_x..max_y and srs_id)."""
    names = ["table_name", "data_type", *row]
    conn.execute(
        f"INSERT INTO gpkg_contents ({', '.join(names)}) "  # noqa: S608 - the standard's names
        f"VALUES ({', '.join('?' for _ in names)})",
        [table, data_type, *row.values()],
    )


def add_geometry_column(
    conn: sqlite3.Connection, layer: str, geom: str, geometry_type: str, srs_id: int
) -> None:
    conn.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)",
        [layer, geom, geometry_type, srs_id],
    )


def add_metadata(
    conn: sqlite3.Connection, standard_uri: str, xml: str, tables: Sequence[str], timestamp: str
) -> None:
    """One dataset metadata record (the Metadata extension), referred to by each of ``tables``."""
    conn.execute(
        "INSERT INTO gpkg_metadata VALUES (1, 'dataset', ?, 'text/xml', ?)", [standard_uri, xml]
    )
    conn.executemany(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, timestamp, "
        "md_file_id) VALUES ('table', ?, ?, 1)",
        [(table, timestamp) for table in tables],
    )


def add_data_columns(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """What each column holds (the Schema extension): (table_name, column_name, name, title,
    description, mime_type)."""
    conn.executemany("INSERT INTO gpkg_data_columns VALUES (?, ?, ?, ?, ?, ?, NULL)", rows)


def finish_spatial_index(conn: sqlite3.Connection, layer: str, geom: str) -> None:
    """Declare ``layer``'s filled R*Tree (the RTree extension) and add the standard's triggers
    that keep it right when the layer is edited (they run in GDAL or QGIS, not here)."""
    conn.execute(
        "INSERT INTO gpkg_extensions VALUES (?, ?, 'gpkg_rtree_index', ?, 'write-only')",
        [layer, geom, RTREE_EXTENSION],
    )
    names = {"t": layer, "c": geom, "i": "fid", "r": rtree_name(layer, geom)}
    for trigger in RTREE_TRIGGERS.split("END;")[:-1]:
        escaped = {k: v.replace('"', '""') for k, v in names.items()}
        conn.execute(trigger.format(**escaped) + "END;")
