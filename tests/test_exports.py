"""Partner exports: the right sites, only the fields each agency needs, safe to open, logged."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from werkzeug.datastructures import MultiDict

from fieldapp import agencies
from fieldapp import sitefilter as filters
from fieldapp.exports import encoders as exporting
from fieldapp.exports import kml
from fieldapp.exports import profiles as export_profiles
from fieldapp.exports.profiles import ProfileError
from fieldapp.queries import connect
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import UK, format_uk_datetime
from tests.conftest import USERS, AuthActions, csrf_token, make_app, parse
from tests.factories import record_visit
from tests.test_sites import XSS, register  # noqa: F401 - the shared register fixture
from tests.visit_helpers import CLOCK_TOWER, add_premises, offset, visit_form

KML = "{http://www.opengis.net/kml/2.2}"
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1:A2)", "\tTabbed", "\rReturn"]
UNICODE = [
    'Comma, "Quoted" Wash\nsecond line',
    "مغسلة السيارات الذهبية",
    "洗车中心，北京路",
    "Myjnia Łódź – Żółć & Gęś",
]
NOTE = "Manager called Bob Smith, worker Ana (17) sleeps upstairs"


@pytest.fixture
def sites(app, register):  # noqa: F811 - the fixture imported above
    """The shared register plus flagged sites with awkward names and environmental signs."""
    ids = dict(register)
    when = (datetime.now(UTC) - timedelta(days=2)).replace(microsecond=0).isoformat()
    for i, name in enumerate(FORMULAS + UNICODE):
        at = offset(CLOCK_TOWER, north_m=-400 - 30 * i)
        ids[name] = add_premises(app, name, at=at)
        # A red flag (debt) flags the site, so partners receive it too.
        form = visit_form(
            visited_at=when,
            latitude=f"{at[0]:.6f}",
            longitude=f"{at[1]:.6f}",
            **{"q-debt_bondage": "yes"},
        )
        record_visit(app, ids[name], form)
    at = offset(CLOCK_TOWER, east_m=-300)
    ids["Runoff Wash"] = add_premises(app, "Runoff Wash", at=at)
    form = visit_form(
        visited_at=when,
        latitude=f"{at[0]:.6f}",
        longitude=f"{at[1]:.6f}",
        notes=NOTE,
        **{"q-runoff": "yes", "q-chemical_waste": "yes", "q-debt_bondage": "yes"},
    )
    record_visit(app, ids["Runoff Wash"], form)
    at = offset(CLOCK_TOWER, east_m=-600)
    ids["Sparks Wash"] = add_premises(app, "Sparks Wash", at=at)
    answers = {
        "q-electrical": "yes",
        "q-debt_bondage": "yes",
        "q-id_retained": "yes",
        "q-sleeping_fire_risk": "yes",
    }
    form = visit_form(visited_at=when, latitude=f"{at[0]:.6f}", longitude=f"{at[1]:.6f}")
    record_visit(app, ids["Sparks Wash"], {**form, **answers})
    return ids


def signed_in(app, role):
    client = app.test_client()
    assert AuthActions(client).login(role).status_code == 302
    return client


def download(client, fmt, query="", expected=200, everything=True):
    """An export of the list's sites; ``everything`` asks for unflagged ones too, as a
    coordinator must in so many words (the default export is flagged sites only)."""
    if everything:
        query = f"{query}&everything=1" if query else "everything=1"
    response = client.get(f"/exports/sites.{fmt}?{query}")
    assert response.status_code == expected, response.get_data(as_text=True)[:500]
    return response


def geojson(response):
    return json.loads(response.get_data())


def by_name(features):
    return {f["properties"]["name"]: f for f in features}


def log_rows(app):
    db = connect(app.config["DATABASE"])
    rows = list(db.query("SELECT * FROM export_log ORDER BY id"))
    db.conn.close()
    return rows


# -- Profiles --------------------------------------------------------------------------------


def test_every_agency_has_a_profile_and_every_field_is_known():
    profiles = export_profiles.load()
    assert list(profiles) == list(agencies.load())
    for profile in profiles.values():
        assert set(profile.fields) <= set(export_profiles.FIELDS)
        assert profile.photos is False
    assert profiles["environment_agency"].categories == ("ENV",)
    assert "red_flags" in profiles["police"].fields and "red_flags" in profiles["glaa"].fields


def good_profiles() -> dict:
    return {a: {"fields": ["id", "name"]} for a in agencies.load()}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"police": {"fields": ["id", "colour"]}}, "colour is not a field"),
        ({"police": {"fields": ["id", "inspector"]}}, "inspector is never exported"),
        ({"police": {"fields": ["id", "notes"]}}, "notes is never exported"),
        ({"police": {"fields": ["id", "workers"]}}, "workers is never exported"),
        ({"police": {"fields": ["id"], "photos": True}}, "photos must be false"),
        ({"police": {"fields": ["id"], "categories": ["XYZ"]}}, "categories must be a list"),
        (
            {"police": {"fields": ["top_indicators"], "categories": ["ENV"]}},
            "top_indicators covers every category",
        ),
        ({"police": {"fields": ["id"], "colour": "red"}}, "colour is not a setting"),
        ({"martians": {"fields": ["id"]}}, "[martians] is not an agency"),
        ({"police": None}, "[police] is missing"),
    ],
)
def test_the_profile_loader_refuses_a_wrong_file(change, message):
    data = good_profiles()
    for key, value in change.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    with pytest.raises(ProfileError) as error:
        export_profiles.parse(data, list(agencies.load()))
    assert message in str(error.value)


def test_profiles_give_each_agency_only_its_fields(app, sites):
    client = signed_in(app, "coordinator")
    police = by_name(geojson(download(client, "geojson", "agency=police&flagged=1"))["features"])
    ea = by_name(
        geojson(download(client, "geojson", "agency=environment_agency&flagged=1"))["features"]
    )
    immigration = by_name(
        geojson(download(client, "geojson", "agency=immigration&flagged=1"))["features"]
    )
    runoff_police = police["Runoff Wash"]["properties"]
    assert any("they owe the boss" in q for q in runoff_police["red_flags"])
    assert runoff_police["risk_band"] == "high" and runoff_police["red_flag_categories"] == ["CTL"]
    runoff_ea = ea["Runoff Wash"]["properties"]
    ea_profile = export_profiles.load()["environment_agency"]
    assert set(runoff_ea) == set(exporting.columns(ea_profile)) - {"latitude", "longitude"}
    assert "risk_band" not in runoff_ea and "red_flags" not in runoff_ea
    # Environmental signs only: the wash water and chemical waste, not the debt bondage.
    assert len(runoff_ea["indicators"]) == 2
    assert all("they owe the boss" not in q for q in runoff_ea["indicators"])
    assert any("wash water" in q.lower() for q in runoff_ea["indicators"])
    assert runoff_ea["checklist"] == "hand_car_wash v2"
    assert set(immigration["Runoff Wash"]["properties"]) == {
        "id",
        "name",
        "sector",
        "address",
        "postcode",
        "local_authority",
        "easting",
        "northing",
        "placed_by",
        "last_visit_date",
    }


def test_category_scoped_fields_match_the_latest_visit(app, sites, db):
    """What SQLite works out for each field, checked against the stored visit in Python."""
    [visit] = db.query(
        "SELECT result FROM visits WHERE premises_id = ? ORDER BY submitted_at DESC LIMIT 1",
        [sites["Sparks Wash"]],
    )
    result = json.loads(visit["result"])
    client = signed_in(app, "coordinator")
    for agency in ("police", "hse_eh", "fire"):
        profile = export_profiles.load()[agency]
        doc = geojson(download(client, "geojson", f"agency={agency}"))
        props = by_name(doc["features"])["Sparks Wash"]["properties"]
        flags = [c for c in result["red_flags"] if profile.in_scope(c["category"])]
        present = sorted(
            (c for c in result["contributions"] if c["points"] and profile.in_scope(c["category"])),
            key=lambda c: (-c["points"], c["id"]),
        )
        assert len(flags) >= (3 if agency == "police" else 1), agency
        if "red_flags" in props:
            assert props["red_flags"] == [c["question"] for c in flags], agency
        if "red_flag_categories" in props:
            assert props["red_flag_categories"] == sorted({c["category"] for c in flags})
            assert props["red_flag_count"] == len(flags)
        if "indicators" in props:
            assert props["indicators"] == [c["question"] for c in present], agency
            assert len(props["indicators"]) >= (3 if agency == "hse_eh" else 1), agency
        assert set(props) == set(exporting.columns(profile)) - {"latitude", "longitude"}, agency


def text_of(data: bytes, fmt: str) -> str:
    """Every value in an export as text (a workbook is a ZIP: its cells are read out; a
    GeoPackage is an SQLite database: every table's values are read out)."""
    if fmt == "gpkg":
        return "\n".join(str(v) for row in gpkg_rows(data) for v in row)
    if fmt != "xlsx":
        return data.decode("utf-8")
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(io.BytesIO(data))
    return "\n".join(
        str(value) for sheet in book for row in sheet.iter_rows(values_only=True) for value in row
    )


def gpkg_rows(data: bytes):
    """Every row of every table in a GeoPackage's bytes."""
    import sqlite3
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.gpkg"
        path.write_bytes(data)
        conn = sqlite3.connect(path)
        try:
            found = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = [r[0] for r in found]
            return [row for t in tables for row in conn.execute(f'SELECT * FROM "{t}"')]  # noqa: S608
        finally:
            conn.close()


def test_no_export_identifies_officers_or_workers_or_carries_notes(app, sites):
    client = signed_in(app, "coordinator")
    for agency in export_profiles.load():
        for fmt in exporting.FORMATS:
            body = text_of(download(client, fmt, f"agency={agency}").get_data(), fmt)
            for secret in (NOTE, "Bob Smith", USERS["inspector"][0], USERS["inspector"][1]):
                assert secret not in body, (agency, fmt, secret)


# -- Formats ---------------------------------------------------------------------------------


def test_csv_is_a_table_utf8_with_a_bom_header_first_then_one_row_a_site(app, sites):
    client = signed_in(app, "coordinator")
    response = download(client, "csv", "agency=police&sort=name")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"  # said once
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="sites-police-')
    assert disposition.endswith('-OFFICIAL-SENSITIVE.csv"')
    assert response.headers["X-Handling-Marking"] == "OFFICIAL-SENSITIVE"
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbfid,name,sector,sector_name,address,")
    assert b"Handling marking" not in data and b"OFFICIAL-SENSITIVE" not in data
    rows = exporting.read_csv(data)
    assert len(rows) == len(sites)
    runoff = next(r for r in rows if r["name"] == "Runoff Wash")
    assert datetime.fromisoformat(runoff["last_visit_date"]).date()  # ISO date
    assert len(runoff["last_visit_date"]) == 10
    assert float(runoff["longitude"]) < 0  # a negative number stays a number
    assert (runoff["sector"], runoff["sector_name"]) == ("hand_car_wash", "Hand car wash")
    assert runoff["risk_band_name"] == runoff["risk_band"].capitalize()
    assert runoff["WKT"] == f"POINT ({runoff['longitude']} {runoff['latitude']})"
    never = next(r for r in rows if r["name"] == "Never Visited")
    assert never["last_visit_date"] == "" and never["risk_band"] == ""
    assert never["risk_band_name"] == "No score"
    assert next(r for r in rows if r["name"] == "No Location")["WKT"] == ""


def test_the_about_text_beside_the_csv_says_what_the_export_is(app, sites):
    client = signed_in(app, "coordinator")
    response = client.get("/exports/about-sites.txt?agency=police&sort=name&everything=1")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].endswith('-OFFICIAL-SENSITIVE.txt"')
    assert response.headers["X-Handling-Marking"] == "OFFICIAL-SENSITIVE"
    text = response.get_data(as_text=True)
    assert text.startswith("OFFICIAL-SENSITIVE: about this export")
    facts = dict(line.split(": ", 1) for line in text.splitlines()[2:11])
    assert facts["Handling marking"] == "OFFICIAL-SENSITIVE"
    assert facts["Council"] == app.config["COUNCIL_NAME"]
    assert facts["Made by"] == "Cole Coordinator (cole.coordinator)"
    assert facts["For agency"] == "Police (police)"
    assert facts["Agency profile"].startswith("Modern slavery")
    assert facts["Filter"] == "sort=name"
    assert facts["Checklist versions"] == "hand_car_wash v2, nail_bar v2"
    # "1 April 2026, 12:45am BST (2026-04-01T00:45:00+01:00)": UK time in words and in ISO.
    words, _, iso = facts["Made at"].rstrip(")").partition(" (")
    made = datetime.fromisoformat(iso)
    assert made.utcoffset() == made.astimezone(UK).utcoffset()
    assert words == format_uk_datetime(made) and words.endswith(("GMT", "BST"))
    assert int(facts["Sites"]) == len(sites)
    # Every column of the CSV is explained, and the about text holds no site's data.
    header = download(client, "csv", "agency=police").get_data().decode("utf-8-sig")
    for column in header.splitlines()[0].split(","):
        assert f"\n  {column}: " in text, column
    assert "Runoff Wash" not in text
    assert [r["format"] for r in log_rows(app)] == ["csv"]  # the about text is not an export


@pytest.mark.parametrize("name", FORMULAS)
def test_csv_cells_that_could_be_formulas_are_neutralised(app, sites, name):
    data = download(signed_in(app, "coordinator"), "csv", "agency=police").get_data()
    names = [r["name"] for r in exporting.read_csv(data)]
    if name in ("+1", "-2"):
        # A plain number is never evaluated as a formula: it is left as it was typed.
        assert name in names and "'" + name not in names
    else:
        assert "'" + name in names and name not in names
    # No cell of any row starts with a formula character, unless it is a plain number.
    for row in exporting.read_csv(data):
        for value in row.values():
            if value and value[0] in "=+-@\t\r":
                float(value)  # only numbers may start like a formula


def test_safe_cell_keeps_numbers_and_quotes_text():
    assert exporting.safe_cell(-1.5) == -1.5
    assert exporting.safe_cell("-1.5") == "-1.5"  # a plain number, typed as text: data
    assert exporting.safe_cell("+44") == "+44"
    assert exporting.safe_cell("-1.5e3") == "-1.5e3"
    assert exporting.safe_cell("+44 20 7946 0000") == "'+44 20 7946 0000"
    assert exporting.safe_cell("-1-1") == "'-1-1"
    assert exporting.safe_cell("-") == "'-"
    assert exporting.safe_cell("=1+1") == "'=1+1"
    assert exporting.safe_cell("-١٢") == "'-١٢"  # other scripts' digits
    assert exporting.safe_cell(None) == ""
    assert exporting.safe_cell(["=A1", "b"]) == "'=A1; b"
    assert exporting.safe_cell("Plain name") == "Plain name"


def test_csv_cells_lose_control_characters_and_keep_the_rest():
    assert exporting.safe_cell("Bell\x07 Wash\x00") == "Bell Wash"
    assert exporting.safe_cell("\x1b[31mRed\x9b") == "[31mRed"
    assert exporting.safe_cell("line one\nline two\ttabbed") == "line one\nline two\ttabbed"
    # A control character in front cannot hide a formula from the check.
    assert exporting.safe_cell("\x07=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert exporting.safe_cell("\x00-1.5") == "-1.5"
    assert exporting.safe_cell("Zoë Ødegård \u202e") == "Zoë Ødegård \u202e"


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml"])
def test_names_with_commas_quotes_newlines_and_other_scripts_round_trip(app, sites, fmt):
    body = download(signed_in(app, "coordinator"), fmt, "agency=glaa").get_data()
    if fmt == "csv":
        names = {r["name"] for r in exporting.read_csv(body)}
    elif fmt == "geojson":
        names = {f["properties"]["name"] for f in json.loads(body)["features"]}
    else:
        root = ET.fromstring(body)  # noqa: S314 - our own output
        names = {p.findtext(f"{KML}name") for p in root.iter(f"{KML}Placemark")}
    for name in [*UNICODE, XSS]:
        assert name in names, (fmt, name)


def test_csv_reads_back_with_the_csv_module_alone(app, sites):
    data = download(signed_in(app, "coordinator"), "csv", "agency=glaa").get_data()
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header = lines[0]
    assert header[:4] == ["id", "name", "sector", "sector_name"]
    assert all(len(line) == len(header) for line in lines[1:])


def test_geojson_follows_rfc_7946(app, sites, db):
    response = download(signed_in(app, "coordinator"), "geojson", "agency=police")
    assert response.mimetype == "application/geo+json"
    doc = geojson(response)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert doc["metadata"]["handling_marking"] == "OFFICIAL-SENSITIVE"
    assert doc["metadata"]["site_count"] == len(doc["features"]) == len(sites)
    stored = {r["id"]: r for r in db.query("SELECT id, latitude, longitude FROM premises")}
    for feature in doc["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        row = stored[feature["id"]]
        if row["latitude"] is None:
            assert feature["geometry"] is None
            continue
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]  # longitude first
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        assert lon == pytest.approx(row["longitude"], abs=1e-6)
        assert lat == pytest.approx(row["latitude"], abs=1e-6)
        assert "latitude" not in feature["properties"]
    assert by_name(doc["features"])["No Location"]["geometry"] is None


def test_kml_is_valid_xml_with_escaped_names_and_lon_lat_points(app, sites):
    response = download(signed_in(app, "coordinator"), "kml", "agency=police")
    assert response.mimetype == "application/vnd.google-earth.kml+xml"
    root = ET.fromstring(response.get_data())  # noqa: S314 - our own output
    assert root.tag == f"{KML}kml"
    document = root.find(f"{KML}Document")
    meta = {
        d.get("name"): d.findtext(f"{KML}value")
        for d in document.find(f"{KML}ExtendedData").findall(f"{KML}Data")
    }
    assert meta["handling_marking"] == "OFFICIAL-SENSITIVE" and meta["agency"] == "police"
    placemarks = {p.findtext(f"{KML}name"): p for p in document.iter(f"{KML}Placemark")}
    assert len(placemarks) == len(sites)
    assert XSS in placemarks  # text, escaped on the way out and unescaped by the parser
    assert b"<img" not in response.get_data()
    lon, lat = placemarks["Runoff Wash"].findtext(f"{KML}Point/{KML}coordinates").split(",")
    assert float(lon) < 0 < float(lat)
    assert placemarks["No Location"].find(f"{KML}Point") is None


def pure_sites(n=10):
    """Sites as the encoders take them, without an app or a database."""
    return [
        exporting.Site(
            i,
            None if i == 3 else 52.5 + i / 1000,
            None if i == 3 else -1.25 + i / 1000,
            json.dumps({"id": i, "name": f"Site {i}\x0b<&>", "risk_band": "high", "flags": ["a"]}),
        )
        for i in range(1, n + 1)
    ]


PURE_META = exporting.Metadata("OFFICIAL", "2026-01-01T00:00:00+00:00", "me", "p", "P", "", (), 10)
PURE_COLS = ["id", "name", "latitude", "longitude", "risk_band", "flags"]


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml"])
def test_encoders_are_pure_and_stream_in_chunks(fmt):
    encoder = {**exporting.ENCODERS, "kml": kml.kml_chunks}[fmt]
    chunks = list(encoder(PURE_META, PURE_COLS, pure_sites(), rows_per_chunk=3))
    assert len(chunks) >= 4
    assert b"".join(chunks) == b"".join(encoder(PURE_META, PURE_COLS, pure_sites()))


def test_pure_geojson_puts_longitude_first_and_null_without_a_position():
    doc = json.loads(b"".join(exporting.geojson_chunks(PURE_META, PURE_COLS, pure_sites())))
    first = doc["features"][0]
    assert first["geometry"]["coordinates"] == [-1.249, 52.501]
    assert first["properties"]["flags"] == ["a"] and "latitude" not in first["properties"]
    assert doc["features"][2]["geometry"] is None


def test_pure_kml_drops_characters_xml_cannot_carry():
    body = b"".join(kml.kml_chunks(PURE_META, PURE_COLS, pure_sites()))
    root = ET.fromstring(body)  # noqa: S314 - our own output
    names = [p.findtext(f"{KML}name") for p in root.iter(f"{KML}Placemark")]
    assert names[0] == "Site 1<&>"


def test_measured_reports_once_with_the_hash_of_what_was_taken():
    reports = []
    chunks = [b"abc", b"def", b"ghi"]
    assert b"".join(exporting.measured(iter(chunks), lambda *r: reports.append(r))) == b"abcdefghi"
    assert reports == [(hashlib.sha256(b"abcdefghi").hexdigest(), 9, True)]
    reports.clear()
    stream = exporting.measured(iter(chunks), lambda *r: reports.append(r))
    next(stream), next(stream)
    stream.close()  # the reader stopped while holding the second chunk
    assert reports == [(hashlib.sha256(b"abc").hexdigest(), 3, False)]


# -- The same sites as the list --------------------------------------------------------------

QUERIES = [
    "",
    "flagged=1",
    "sector=hand_car_wash",
    "band=high&band=low",
    "q=wash",
    "sort=name",
    "sort=last_visit",
    "sort=sector&band=none",
    "not_visited_days=30",
    "red_flag_category=CTL&sort=name",
]


@pytest.mark.parametrize("query", QUERIES)
def test_an_export_holds_the_lists_sites_in_the_lists_order(app, sites, db, as_role, query):
    coordinator = as_role("coordinator")
    page = coordinator.get(f"/sites?{query}")
    listed = [int(tr["data-id"]) for tr in page.select("#site-table tr[data-id]")]
    rows = exporting.read_csv(download(coordinator.client, "csv", f"agency=glaa&{query}").data)
    assert [int(r["id"]) for r in rows] == listed
    features = geojson(download(coordinator.client, "geojson", f"agency=glaa&{query}"))
    assert [f["id"] for f in features["features"]] == listed
    with app.app_context():
        f = filters.parse(MultiDict(parse_qsl(query)))
        assert [int(r["id"]) for r in rows] == [r["id"] for r in sites_q.select(db, f)]


def test_the_list_links_to_downloads_that_keep_its_filter(as_role, sites):
    page = as_role("coordinator").get("/sites?sector=hand_car_wash&sort=name")
    links = page.select("#export-downloads a[data-format]")
    assert len(links) == 5 * len(agencies.load())
    assert {a["data-format"] for a in links} == {"csv", "xlsx", "geojson", "gpkg", "kml"}
    police_csv = page.select_one('#export-downloads a[data-agency="police"][data-format="csv"]')
    assert police_csv["href"].startswith("/exports/sites.csv?")
    assert "sector=hand_car_wash" in police_csv["href"] and "sort=name" in police_csv["href"]
    text = police_csv.get_text()
    assert text.startswith("Download CSV") and text.endswith("sites for Police")


def test_a_coordinators_export_is_flagged_sites_unless_asked_for_everything(
    app, as_role, sites, db
):
    coordinator = as_role("coordinator")
    with app.app_context():
        flagged = sites_q.ids(db, filters.parse({"flagged": "1"}))
        everything = sites_q.ids(db, filters.parse({}))
    assert len(everything) > len(flagged)
    rows = exporting.read_csv(
        download(coordinator.client, "csv", "agency=police", everything=False).data
    )
    assert sorted(int(r["id"]) for r in rows) == sorted(flagged)
    page = coordinator.get("/exports")
    assert (
        f"These exports hold {len(flagged)} flagged sites" in page.select_one("#export-count").text
    )
    choice = page.select_one("#export-everything a")
    assert f"({len(everything)} sites)" in choice.text and "everything=1" in choice["href"]
    asked = coordinator.get("/exports" + choice["href"])
    assert "flagged or not" in asked.select_one(".govuk-warning-text").text


def test_the_exports_page_describes_each_profile(as_role, sites):
    page = as_role("coordinator").get("/exports?flagged=1")
    assert {ul["data-profile"] for ul in page.select("ul[data-profile]")} == set(agencies.load())
    ea = [li["data-field"] for li in page.select('ul[data-profile="environment_agency"] li')]
    assert ea == list(export_profiles.load()["environment_agency"].fields)
    assert "OFFICIAL-SENSITIVE" in page.select_one(".govuk-inset-text").text


# -- Partners and roles ----------------------------------------------------------------------


def test_partners_export_only_their_agencys_profile_of_flagged_sites(app, sites, as_role, db):
    partner = as_role("partner")
    page = partner.get("/exports")
    assert [ul["data-profile"] for ul in page.select("ul[data-profile]")] == ["glaa"]
    assert {a["data-agency"] for a in page.select("#export-downloads a")} == {"glaa"}
    listing = partner.get("/sites")
    assert {a["data-agency"] for a in listing.select("#export-downloads a")} == {"glaa"}
    # Asking for every site still gives flagged sites only, and no agency means their own.
    doc = geojson(download(partner.client, "geojson", "flagged=0"))
    with app.app_context():
        flagged = sites_q.ids(db, filters.SiteFilter(flagged=True))
    assert [f["id"] for f in doc["features"]] == flagged
    assert "Quiet Wash" not in by_name(doc["features"])
    assert doc["metadata"]["agency"] == "glaa"
    for agency in ("police", "environment_agency"):
        download(partner.client, "csv", f"agency={agency}", expected=403)


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_exports_are_not_for_inspectors_or_admins(as_role, role):
    client = as_role(role)
    client.get("/exports", expected=403)
    client.get("/exports/sites.csv?agency=police", expected=403)


@pytest.mark.parametrize("role", ["inspector", "coordinator", "partner"])
def test_the_export_log_and_tokens_are_for_admins_only(as_role, role):
    client = as_role(role)
    client.get("/admin/exports", expected=403)
    client.get("/admin/tokens", expected=403)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("agency=martians", "Choose the agency"),
        ("", "Choose the agency"),
        ("agency=police&sector=garage", "sector must be one of"),
    ],
)
def test_a_bad_download_request_says_what_to_do(as_role, sites, query, message):
    page = as_role("coordinator").get(f"/exports/sites.csv?{query}", expected=400)
    assert message in page.select_one("#export-problems").text


def test_the_marking_is_a_setting(tmp_path):
    app = make_app(tmp_path, EXPORT_MARKING="OFFICIAL")
    add_premises(app, "Only Site")
    response = download(signed_in(app, "coordinator"), "geojson", "agency=police")
    assert geojson(response)["metadata"]["handling_marking"] == "OFFICIAL"
    assert response.headers["X-Handling-Marking"] == "OFFICIAL"


# -- On the record ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "geojson", "kml", "gpkg"])
def test_every_export_is_logged_with_the_sha256_of_the_bytes_sent(app, sites, db, fmt):
    client = signed_in(app, "coordinator")
    response = download(client, fmt, "agency=hmrc_nmw&flagged=1")
    assert response.is_streamed
    body = response.get_data()
    [entry] = log_rows(app)
    assert entry["sha256"] == hashlib.sha256(body).hexdigest()
    assert entry["byte_count"] == len(body)
    assert entry["format"] == fmt and entry["agency"] == "hmrc_nmw"
    assert entry["filter"] == "flagged=1"
    with app.app_context():
        assert entry["row_count"] == sites_q.counts(db, filters.SiteFilter(flagged=True))["total"]
    assert entry["user_id"] is not None and entry["token_id"] is None


def test_a_client_that_goes_away_is_still_logged(app, sites):
    client = signed_in(app, "coordinator")
    full = download(client, "geojson", "agency=police").get_data()
    response = client.get("/exports/sites.geojson?agency=police", buffered=False)
    stream = iter(response.response)
    first, second = next(stream), next(stream)
    response.close()  # the client hangs up while the second chunk is on its way
    cut = log_rows(app)[-1]
    assert cut["format"] == "geojson (incomplete)"
    # On the record: exactly what the client was sent before it went away.
    assert cut["byte_count"] == len(first) < len(full)
    assert cut["sha256"] == hashlib.sha256(first).hexdigest()
    assert second


def test_admins_can_check_a_file_against_the_log(app, sites, as_role):
    exported = download(signed_in(app, "coordinator"), "csv", "agency=glaa&flagged=1").get_data()
    admin = as_role("admin")
    page = admin.get("/admin/exports")
    assert len(page.select("#export-log tr[data-export-id]")) == 1
    token = csrf_token(admin.client.get("/admin/exports").get_data(as_text=True))

    def check(data: bytes):
        response = admin.client.post(
            "/admin/exports/verify",
            data={"csrf_token": token, "file": (io.BytesIO(data), "sites.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 200
        return parse(response.get_data(as_text=True)).select_one("#verify-result")

    result = check(exported)
    assert "unaltered" in result.text
    [match] = result.select("#verify-matches li")
    assert "Gangmasters and Labour Abuse Authority" in match.text
    assert "Cole Coordinator" in match.text
    edited = exported.replace(b"Red Flag Wash", b"Red Flag Wosh")
    assert edited != exported
    result = check(edited)
    assert "No export matches this file" in result.text


def test_checking_without_a_file_asks_for_one(as_role):
    admin = as_role("admin")
    response = admin.post("/admin/exports/verify", {}, expected=400, form_url="/admin/exports")
    assert "Select the file to check" in response.get_data(as_text=True)


def test_a_head_request_sends_nothing_and_logs_nothing(app, sites):
    response = signed_in(app, "coordinator").head("/exports/sites.csv?agency=police")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert log_rows(app) == []


def test_agencies_and_profiles_come_from_the_configured_checklist_folder(tmp_path):
    """A council's own folder (CHECKLIST_DIR) names the agencies and sets what each gets."""
    import shutil

    from fieldapp.config import SHIPPED_CHECKLISTS

    own = tmp_path / "council-checklists"
    shutil.copytree(SHIPPED_CHECKLISTS, own)
    listed = own / "agencies.toml"
    listed.write_text(
        listed.read_text().replace(
            'name = "Gangmasters and Labour Abuse Authority (GLAA)"',
            'name = "Fair Work Agency (labour abuse)"',
        )
    )
    profiles_file = own / "export_profiles.toml"
    profiles_file.write_text(
        profiles_file.read_text().replace(
            '"grid_reference", "placed_by",\n    "last_visit_date", "indicators", "checklist",',
            '"grid_reference",\n    "last_visit_date", "indicators", "checklist",',
        )
    )
    assert agencies.load(own)["glaa"]["name"] == "Fair Work Agency (labour abuse)"
    ea_fields = export_profiles.load(own)["environment_agency"].fields
    assert "placed_by" not in ea_fields
    assert "placed_by" in export_profiles.load()["environment_agency"].fields

    app = make_app(tmp_path, CHECKLIST_DIR=str(own))
    client = app.test_client()
    response = AuthActions(client).login("coordinator")
    assert response.status_code == 302
    page = parse(client.get("/exports?flagged=1").get_data(as_text=True))
    assert "Fair Work Agency (labour abuse)" in page.text
    assert "Gangmasters and Labour Abuse Authority" not in page.text
    ea = [li["data-field"] for li in page.select('ul[data-profile="environment_agency"] li')]
    assert ea == list(ea_fields)
