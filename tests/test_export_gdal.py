"""Exports opened by the tools partners use: GDAL's ogrinfo for CSV, GeoJSON, GeoPackage and
KML, as QGIS would open them, sqlite3 for the GeoPackage's own header and tables, and
openpyxl for the XLSX, as a spreadsheet would read it.

ogrinfo comes from Debian's gdal-bin (scripts/test installs it); without it the GDAL tests
are skipped, saying so. The sites are built by hand so every awkward value is known.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.datastructures import MultiDict

from fieldapp import sitefilter as filters
from fieldapp.queries import sites as sites_q
from tests.conftest import AuthActions
from tests.factories import record_visit
from tests.visit_helpers import CLOCK_TOWER, add_premises, offset, visit_form

OGRINFO = shutil.which("ogrinfo")
needs_gdal = pytest.mark.skipif(
    OGRINFO is None, reason="ogrinfo not found: install Debian's gdal-bin (scripts/test does)"
)
# Names as officers type them: accents, Vietnamese, a leading zero, values a spreadsheet
# would take for a formula or a number, markup and a control character.
NAMES = [
    "Café Façade Valeting",
    "Tiệm Nail Hoàng",
    "007",
    '=HYPERLINK("http://x","y")',
    "+44 20 7946 0000",
    "-2",
    "-1.13",
    "@SUM(A1:A2)",
    "<b>Bold</b> & Co",
    "Wash\x07Bell",
    "9" * 40,
]
NAIL_BARS = ["Hoa Nails", "Lê's Beauty"]
QUERIES = ["everything=1", "", "sector=nail_bar&everything=1"]


@pytest.fixture
def hand_built(app, db):
    """Flagged car washes with awkward names, unvisited nail bars and a site with no map
    position; one site has a (version 1) risk score so GDAL sees a real number."""
    when = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0).isoformat()
    ids = {}
    for i, name in enumerate(NAMES):
        at = offset(CLOCK_TOWER, north_m=-200 - 40 * i)
        ids[name] = add_premises(app, name, at=at)
        form = visit_form(
            visited_at=when,
            latitude=f"{at[0]:.6f}",
            longitude=f"{at[1]:.6f}",
            **{"q-debt_bondage": "yes"},
        )
        record_visit(app, ids[name], form)
    for i, name in enumerate(NAIL_BARS):
        ids[name] = add_premises(app, name, "nail_bar", at=offset(CLOCK_TOWER, east_m=300 * i))
    ids["Nowhere Wash"] = add_premises(app, "Nowhere Wash", at=None)
    db.execute("UPDATE premises SET risk_score = 42.5 WHERE id = ?", [ids["007"]])
    db.conn.commit()
    return ids


def coordinator(app):
    client = app.test_client()
    assert AuthActions(client).login("coordinator").status_code == 302
    return client


def listed(app, db, query: str) -> list[int]:
    """The site list's ids for the filter an export of ``query`` uses."""
    args = MultiDict([p.split("=", 1) for p in query.split("&") if p])
    if args.pop("everything", None) != "1":
        args["flagged"] = "1"
    with app.app_context():
        return sites_q.ids(db, filters.parse(args))


def ogrinfo(path, *options: str) -> str:
    done = subprocess.run(
        [OGRINFO, "-ro", "-al", *options, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def field_types(summary: str) -> dict[str, str]:
    """``name: Type (width.precision)`` lines of an ``ogrinfo -so`` summary."""
    found = dict(re.findall(r"^(\w+): (\w+) \(", summary, flags=re.MULTILINE))
    found.pop("Geometry", None)  # "Geometry: Unknown (any)" is the layer's, not a field
    return found


def export_file(client, tmp_path, fmt: str, query: str):
    response = client.get(f"/exports/sites.{fmt}?agency=police&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    path = tmp_path / f"sites-{len(list(tmp_path.iterdir()))}.{fmt}"
    path.write_bytes(response.get_data())
    return path


@needs_gdal
@pytest.mark.parametrize("query", QUERIES)
def test_gdal_reads_the_geojson_as_typed_wgs84_points(app, db, hand_built, tmp_path, query):
    path = export_file(coordinator(app), tmp_path, "geojson", query)
    summary = ogrinfo(path, "-so")
    ids = listed(app, db, query)
    assert f"Feature Count: {len(ids)}\n" in summary
    if query.startswith("sector=nail_bar"):
        return  # unvisited nail bars: nothing to type from
    assert "Geometry: Point\n" in summary
    assert 'GEOGCRS["WGS 84"' in summary
    types = field_types(summary)
    assert types["id"] == "Integer" and types["red_flag_count"] == "Integer"
    assert types["risk_score"] == "Real"
    assert types["name"] == "String" and types["last_visit_date"] == "Date"


@needs_gdal
@pytest.mark.parametrize("query", QUERIES)
def test_gdal_finds_the_csv_points_without_options(app, db, hand_built, tmp_path, query):
    path = export_file(coordinator(app), tmp_path, "csv", query)
    summary = ogrinfo(path, "-so")
    ids = listed(app, db, query)
    assert f"Feature Count: {len(ids)}\n" in summary
    types = field_types(summary)
    # A table, not the old metadata block: the columns are the export's own.
    assert list(types)[:4] == ["id", "name", "sector", "sector_name"]
    assert "Handling_marking" not in types and "OFFICIAL_SENSITIVE" not in types
    # The WKT column is the geometry (CSV has no CRS of its own, and GDAL reports the
    # layer as "Unknown (any)" because WKT could hold any shape): every feature with a
    # position is a point at its longitude and latitude.
    assert points(path) == located(app, db, ids)


def points(path) -> list[tuple[float, float]]:
    """Every feature's point geometry as GDAL reads it, as (longitude, latitude)."""
    found = re.findall(
        r"^\s+POINT (?:Z )?\((-?[\d.]+) (-?[\d.]+)(?: -?[\d.]+)?\)$",
        ogrinfo(path, "-geom=YES"),
        flags=re.MULTILINE,
    )
    return sorted((round(float(x), 6), round(float(y), 6)) for x, y in found)


def located(app, db, ids: list[int]) -> list[tuple[float, float]]:
    """(longitude, latitude) of the sites among ``ids`` that have a map position."""
    with app.app_context():
        rows = db.query("SELECT id, longitude, latitude FROM premises")
        return sorted(
            (round(r["longitude"], 6), round(r["latitude"], 6))
            for r in rows
            if r["id"] in ids and r["longitude"] is not None
        )


@needs_gdal
@pytest.mark.parametrize("query", QUERIES)
def test_gdal_reads_the_kml_as_wgs84_points(app, db, hand_built, tmp_path, query):
    path = export_file(coordinator(app), tmp_path, "kml", query)
    summary = ogrinfo(path, "-so")
    ids = listed(app, db, query)
    assert f"Feature Count: {len(ids)}\n" in summary
    assert 'GEOGCRS["WGS 84"' in summary
    # GDAL's LIBKML driver reports the layer as "Unknown (any)" (KML could hold any shape)
    # so each feature is checked: a point at its position, none for a site without one.
    assert points(path) == located(app, db, ids)
    # One layer with a short name (the marking stays in the Document), typed by its Schema.
    assert re.findall(r"^Layer name: (.*)$", summary, flags=re.MULTILINE) == ["sites"]
    types = field_types(summary)
    assert types["id"] == "Integer" and types["red_flag_count"] == "Integer"
    assert types["risk_score"] == "Real" and types["easting"] == "Real"
    assert types["red_flags"] == "String"  # KML has no list type: "; "-joined
    assert types["flagged"] == "Integer"  # LIBKML reads a KML bool as 0 or 1
    # The site's name is the Placemark's <name>, which GDAL calls "Name".
    assert types["Name"] == "String" and "name" not in types


# -- XLSX ------------------------------------------------------------------------------------


def workbook(app, query="everything=1"):
    openpyxl = pytest.importorskip("openpyxl")
    response = coordinator(app).get(f"/exports/sites.xlsx?agency=police&{query}")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"].endswith('-OFFICIAL-SENSITIVE.xlsx"')
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


def test_xlsx_text_comes_back_exactly_as_typed_and_nothing_is_a_formula(app, db, hand_built):
    book = workbook(app)
    sheet = book["Sites"]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert [r["id"] for r in rows] == listed(app, db, "everything=1")
    names = [r["name"] for r in rows]
    for name in NAMES:
        # Control characters cannot be stored in the file's XML: they are dropped, as in KML.
        assert name.replace("\x07", "") in names, name
    assert all(isinstance(n, str) for n in names)  # "007" and "-1.13" stay text
    first = rows[names.index("007")]
    assert (first["sector"], first["sector_name"]) == ("hand_car_wash", "Hand car wash")
    assert first["risk_score"] == 42.5 and isinstance(first["red_flag_count"], int)
    assert isinstance(first["longitude"], float) and first["longitude"] < 0
    assert isinstance(first["last_visit_date"], datetime)  # a date cell, not text
    assert "WKT" not in header  # for GIS software, in the CSV only


def test_xlsx_has_a_frozen_header_widths_an_about_sheet_and_a_printed_marking(app, hand_built):
    book = workbook(app)
    sheet, about = book["Sites"], book["About"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    widths = {k: d.width for k, d in sheet.column_dimensions.items() if d.width}
    assert widths["B"] > widths["A"]  # names are wider than ids
    for page in (sheet, about):
        assert "OFFICIAL-SENSITIVE" in page.oddHeader.center.text
        assert "OFFICIAL-SENSITIVE" in page.oddFooter.left.text
    facts = {r[0]: r[1] for r in about.iter_rows(min_row=3, values_only=True) if r[0]}
    assert about["A1"].value == "OFFICIAL-SENSITIVE: about this export"
    assert facts["Handling marking"] == "OFFICIAL-SENSITIVE"
    assert facts["Council"] == app.config["COUNCIL_NAME"]
    assert facts["Made by"] == "Cole Coordinator (cole.coordinator)"
    assert facts["For agency"] == "Police (police)"
    assert facts["Filter"]
    assert facts["Checklist versions"] == "hand_car_wash v2"
    assert facts["sector_name"] == "The sector in words"
    for row in about.iter_rows():
        for cell in row:
            assert cell.data_type != "f"


@pytest.mark.parametrize("agency", ["immigration", "hse_eh", "police"])
def test_every_format_carries_the_same_fields_of_the_agencys_profile(app, hand_built, agency):
    import csv
    import json

    from fieldapp.exports import encoders, profiles

    openpyxl = pytest.importorskip("openpyxl")
    columns = encoders.columns(profiles.load()[agency])
    client = coordinator(app)

    def get(fmt):
        return client.get(f"/exports/sites.{fmt}?agency={agency}").get_data()

    book = openpyxl.load_workbook(io.BytesIO(get("xlsx")))
    assert [c.value for c in book["Sites"][1]] == encoders.table_columns(columns)
    header = next(csv.reader(io.StringIO(get("csv").decode("utf-8-sig"))))
    assert header == encoders.table_columns(columns, wkt=True)
    features = json.loads(get("geojson"))["features"]
    assert set(features[0]["properties"]) == set(columns) - {"latitude", "longitude"}
    conn = gpkg(export_to(get("gpkg")))
    try:
        names = [r[1] for r in conn.execute("PRAGMA table_info(sites)")]
    finally:
        conn.close()
    assert names == ["fid", "geom", *encoders.table_columns(columns)]


def test_xlsx_keeps_hostile_values_as_data():
    """Numbers too big for a spreadsheet's 15 digits stay text; markup and control
    characters cannot break the file."""
    import json

    from fieldapp.exports import encoders, xlsx

    openpyxl = pytest.importorskip("openpyxl")
    meta = encoders.Metadata(
        marking="OFFICIAL & <SENSITIVE>",
        made_at="2026-03-31T23:45:00+00:00",
        made_by="=cmd|' /C calc'!A0",
        agency="police",
        agency_name="Police",
        filter="name=<script>",
        checklist_versions=(),
        site_count=1,
    )
    props = {
        "id": 10**20,
        "name": "</t><f>1+1</f>\x00\x1b",
        "sector": "hand_car_wash",
        "risk_score": 1e308,  # beyond Excel's largest number
        "red_flag_count": -1.13,
        "red_flags": ["=1+1", "@x"],
    }
    site = encoders.Site(1, None, None, json.dumps(props))
    data = b"".join(xlsx.xlsx_chunks(meta, list(props), [site]))
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = list(book["Sites"].iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["id"] == str(10**20)  # beyond 2**53: kept whole, as text
    assert row["risk_score"] == "1e+308"
    assert row["red_flag_count"] == -1.13
    assert row["name"] == "</t><f>1+1</f>"
    assert row["red_flags"] == "=1+1; @x"
    about = {r[0]: r[1] for r in book["About"].iter_rows(values_only=True) if r[0]}
    assert about["Made by"] == "=cmd|' /C calc'!A0"
    assert "OFFICIAL && <SENSITIVE>" in book["Sites"].oddHeader.center.text
    for sheet in book:
        for cells in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in cells)


# -- GeoPackage ------------------------------------------------------------------------------


def gpkg(path):
    """The GeoPackage at ``path`` opened read-only with Python's sqlite3."""
    import sqlite3

    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def layer_summary(path, layer: str) -> str:
    done = subprocess.run(
        [OGRINFO, "-ro", "-so", str(path), layer],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stderr == "", done.stderr  # no warning: GDAL finds nothing amiss
    return done.stdout


@needs_gdal
@pytest.mark.parametrize("query", QUERIES)
def test_gdal_reads_the_geopackage_as_typed_wgs84_points(app, db, hand_built, tmp_path, query):
    path = export_file(coordinator(app), tmp_path, "gpkg", query)
    summary = layer_summary(path, "sites")
    ids = listed(app, db, query)
    assert "using driver `GPKG' successful." in summary
    assert "Layer name: sites\n" in summary and "Geometry: Point\n" in summary
    assert f"Feature Count: {len(ids)}\n" in summary
    assert 'GEOGCRS["WGS 84"' in summary and 'ID["EPSG",4326]]' in summary
    # The marking and the facts travel inside the file, as GDAL layer metadata.
    assert "  HANDLING_MARKING=OFFICIAL-SENSITIVE\n" in summary
    assert "  IDENTIFIER=OFFICIAL-SENSITIVE: sites for Police\n" in summary
    assert "  FOR_AGENCY=Police (police)\n" in summary
    types = field_types(summary)
    assert types["id"] == "Integer64" and types["red_flag_count"] == "Integer64"
    assert types["risk_score"] == "Real" and types["easting"] == "Real"
    assert types["last_visit_date"] == "Date" and types["name"] == "String"
    assert re.search(r"^flagged: Integer\(Boolean\)", summary, flags=re.MULTILINE)
    assert re.search(r"^red_flags: String\(JSON\)", summary, flags=re.MULTILINE)
    assert points(path) == located(app, db, ids)
    items = layer_summary(path, "site_list_items")
    assert "Geometry: None\n" in items and "  HANDLING_MARKING=OFFICIAL-SENSITIVE\n" in items
    assert_spatially_indexed(path, points(path))


def quiet_ogrinfo(*args: str) -> str:
    """ogrinfo's output for ``args``, which must leave nothing on stderr (no warning)."""
    done = subprocess.run(
        [OGRINFO, "-ro", *args], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stderr == "", done.stderr
    return done.stdout


def assert_spatially_indexed(path, located_points: list[tuple[float, float]]) -> None:
    """GDAL finds the sites layer's spatial index and a map window gets just its sites."""
    assert "1: sites (Point)\n" in quiet_ogrinfo(str(path))  # the whole file: no warning
    has_index = quiet_ogrinfo(str(path), "-sql", "SELECT HasSpatialIndex('sites', 'geom')")
    assert "HasSpatialIndex (Integer) = 1\n" in has_index
    if not located_points:
        return
    # A small window round one site (sites are 40 m or more apart), then one round them all.
    x, y = located_points[len(located_points) // 2]
    near = 0.0002
    inside = [p for p in located_points if abs(p[0] - x) <= near and abs(p[1] - y) <= near]
    xs, ys = [p[0] for p in located_points], [p[1] for p in located_points]
    windows = [
        ((x - near, y - near, x + near, y + near), len(inside)),
        ((min(xs) - near, min(ys) - near, max(xs) + near, max(ys) + near), len(xs)),
        ((x + 1, y + 1, x + 2, y + 2), 0),  # far from every site
    ]
    for window, expected in windows:
        spat = [f"{v:.6f}" for v in window]
        summary = quiet_ogrinfo("-so", "-spat", *spat, str(path), "sites")
        assert f"Feature Count: {expected}\n" in summary, (window, summary)


def test_the_geopackage_is_one_by_the_standard_and_keeps_every_value(app, db, hand_built):
    import json

    client = coordinator(app)
    response = client.get("/exports/sites.gpkg?agency=police&everything=1")
    assert response.status_code == 200
    assert response.mimetype == "application/geopackage+sqlite3"
    assert response.headers["Content-Disposition"].endswith('-OFFICIAL-SENSITIVE.gpkg"')
    path = export_to(response.get_data())
    conn = gpkg(path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300  # GeoPackage 1.3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        contents = dict(conn.execute("SELECT table_name, description FROM gpkg_contents"))
        assert set(contents) == {"sites", "site_list_items"}
        assert contents["sites"].startswith("OFFICIAL-SENSITIVE: sites for Police | ")
        assert "Made by: Cole Coordinator (cole.coordinator)" in contents["sites"]
        rows = conn.execute("SELECT fid, id, name, red_flags FROM sites ORDER BY fid").fetchall()
        items = conn.execute(
            "SELECT site_fid, item FROM site_list_items WHERE list = 'red_flags' "
            "ORDER BY site_fid, position"
        ).fetchall()
        # The spatial index (the RTree extension): one box a located site, under its fid.
        extension = conn.execute(
            "SELECT table_name, column_name, definition, scope FROM gpkg_extensions "
            "WHERE extension_name = 'gpkg_rtree_index'"
        ).fetchall()
        indexed = conn.execute("SELECT id FROM rtree_sites_geom ORDER BY id").fetchall()
        with_geometry = conn.execute(
            "SELECT fid FROM sites WHERE geom IS NOT NULL ORDER BY fid"
        ).fetchall()
    finally:
        conn.close()
    assert [r[1] for r in rows] == listed(app, db, "everything=1")
    names = [r[2] for r in rows]
    for name in NAMES + NAIL_BARS:
        assert name in names, name  # exactly as typed: markup, formulas, \x07, Vietnamese
    by_fid = {}
    for fid, item in items:
        by_fid.setdefault(fid, []).append(item)
    for fid, _, name, red_flags in rows:
        assert json.loads(red_flags or "[]") == by_fid.get(fid, []), name
    assert by_fid  # the hand-built visits have red flags
    spec = "http://www.geopackage.org/spec120/#extension_rtree"
    assert extension == [("sites", "geom", spec, "write-only")]
    assert indexed == with_geometry and len(indexed) < len(rows)  # Nowhere Wash: no point


def export_to(data: bytes):
    import tempfile
    from pathlib import Path

    folder = Path(tempfile.mkdtemp())
    path = folder / "export.gpkg"
    path.write_bytes(data)
    return path


def test_the_geopackage_leaves_no_file_behind(app, hand_built, tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    response = coordinator(app).get("/exports/sites.gpkg?agency=police&everything=1")
    assert response.get_data()[:16] == b"SQLite format 3\x00"
    assert list(scratch.iterdir()) == []


def test_geopackage_keeps_hostile_values_as_data(tmp_path):
    """Markup, formula text, control characters, Vietnamese text and numbers too large for
    a spreadsheet come back from the file exactly as they went in."""
    import json

    from fieldapp.exports import encoders, geopackage

    meta = encoders.Metadata(
        marking="OFFICIAL & <SENSITIVE>",
        made_at="2026-03-31T23:45:00+00:00",
        made_by="=cmd|' /C calc'!A0",
        agency="police",
        agency_name="Cảnh sát",
        filter="name=<script>\x07",  # a control character XML cannot carry: dropped there
        checklist_versions=(),
        site_count=1,
    )
    props = {
        "id": 7,
        "name": "</t><f>1+1</f>\x00\x1b Tiệm Nail Hoàng",
        "sector": "hand_car_wash",
        "risk_score": 1e308,
        "red_flag_count": 2**62,
        "red_flags": ["=1+1", "@x", "Nhân viên <b>"],
    }
    site = encoders.Site(7, 52.5, -1.13, json.dumps(props))
    path = tmp_path / "hostile.gpkg"
    path.write_bytes(b"".join(geopackage.gpkg_chunks(meta, list(props), [site])))
    conn = gpkg(path)
    try:
        row = conn.execute(
            "SELECT name, risk_score, red_flag_count, red_flags FROM sites"
        ).fetchone()
        identifier = conn.execute(
            "SELECT identifier FROM gpkg_contents WHERE table_name = 'sites'"
        ).fetchone()[0]
        metadata = conn.execute("SELECT metadata FROM gpkg_metadata").fetchone()[0]
    finally:
        conn.close()
    assert row == (props["name"], 1e308, 2**62, json.dumps(props["red_flags"], ensure_ascii=False))
    assert identifier == "OFFICIAL & <SENSITIVE>: sites for Cảnh sát"
    assert "OFFICIAL &amp; &lt;SENSITIVE&gt;" in metadata  # escaped in GDAL's XML
    if OGRINFO:
        summary = layer_summary(path, "sites")
        assert "  HANDLING_MARKING=OFFICIAL & <SENSITIVE>\n" in summary
        assert "  MADE_BY==cmd|' /C calc'!A0\n" in summary
        assert "  FILTER=name=<script>\n" in summary
