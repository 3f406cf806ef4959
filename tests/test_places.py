"""Postcodes and UPRNs from open data: loading ONSPD, Code-Point Open and OS Open UPRN, the
live-over-terminated rule, malformed and hostile rows, lookups, and the shell commands."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest
from pyproj import Transformer

from fieldapp import geo, places
from fieldapp.imports import model as imports_model
from fieldapp.imports import rows as imports_rows
from fieldapp.places import model as places_model
from fieldapp.places import read as places_read
from fieldapp.queries import places as places_q
from tests.visit_helpers import CLOCK_TOWER

# The ONS Postcode Directory's columns (the February 2024 release's names), of which a load
# reads eight: pcds, doterm, oseast1m, osnrth1m, lat, long, oslaua and osward.
ONSPD_HEADER = [
    *("pcd", "pcd2", "pcds", "dointr", "doterm", "oscty", "ced", "oslaua", "osward", "parish"),
    *("usertype", "oseast1m", "osnrth1m", "osgrdind", "oshlthau", "nhser", "ctry", "rgn"),
    *("streg", "pcon", "eer", "teclec", "ttwa", "pct", "itl", "statsward", "oa01", "casward"),
    *("npark", "lsoa01", "msoa01", "ur01ind", "oac01", "oa11", "lsoa11", "msoa11", "wz11"),
    *("sicbl", "bua22", "pfa", "ru11ind", "oac11", "lat", "long", "lep1", "lep2", "imd"),
    *("calncv", "icb", "oa21", "lsoa21", "msoa21", "ruc21", "wz21"),
]
UPRN_HEADER = ["UPRN", "X_COORDINATE", "Y_COORDINATE", "LATITUDE", "LONGITUDE"]
LEICESTER = "E06000016"
CASTLE_WARD = "E05010470"


def to_grid(latitude: float, longitude: float) -> tuple[float, float]:
    """WGS84 to British National Grid by PROJ's reverse transform (EPSG:4326 -> 27700), so a
    load's own conversion is checked against the other direction."""
    transformer = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    return transformer.transform(longitude, latitude)


CLOCK_TOWER_GRID = tuple(round(v) for v in to_grid(*CLOCK_TOWER))


def onspd_row(postcode: str, **values: str) -> list[str]:
    """An ONSPD row for ``postcode`` in Leicester's Castle ward; ``values`` by column."""
    outward, inward = postcode.split()
    row = dict.fromkeys(ONSPD_HEADER, "")
    row.update(
        pcd=f"{outward:<4}{inward}",
        pcd2=f"{outward:<5}{inward}",
        pcds=postcode,
        dointr="198001",
        oslaua=LEICESTER,
        osward=CASTLE_WARD,
        oseast1m="458875",
        osnrth1m="304426",
        osgrdind="1",
        ctry="E92000001",
        lat="52.634420",
        long="-1.131530",
        lsoa21="E01013649",
    )
    row.update(values)
    return [row[c] for c in ONSPD_HEADER]


def codepoint_row(postcode: str, easting: int, northing: int, quality: str = "10") -> list[str]:
    return [
        postcode,
        quality,
        str(easting),
        str(northing),
        "E92000001",
        "E19000001",
        "E18000004",
        "",
        LEICESTER,
        CASTLE_WARD,
    ]


def write_csv(path: Path, rows, quoting=csv.QUOTE_MINIMAL) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, quoting=quoting, lineterminator="\r\n").writerows(rows)
    return path


def onspd_file(path: Path, *rows: list[str]) -> Path:
    return write_csv(path, [ONSPD_HEADER, *rows])


def held_postcodes(db) -> dict[str, dict]:
    return {r["postcode"]: r for r in db.query("SELECT * FROM postcodes ORDER BY postcode")}


# -- ONSPD -----------------------------------------------------------------------------------


@pytest.mark.parametrize("quoting", [csv.QUOTE_MINIMAL, csv.QUOTE_ALL], ids=["plain", "quoted"])
def test_onspd_rows_are_held_by_postcode_with_their_place_and_areas(query_db, tmp_path, quoting):
    path = write_csv(
        tmp_path / "ONSPD_FEB_2024_UK.csv",
        [ONSPD_HEADER, onspd_row("LE1 5YA"), onspd_row("LE1 6RL", doterm="199606")],
        quoting,
    )
    report = places.load_postcodes(query_db, path)
    assert (report.loaded, report.live, report.terminated, report.problem_count) == (2, 1, 1, 0)
    assert held_postcodes(query_db)["LE15YA"] == {
        "postcode": "LE15YA",
        "display": "LE1 5YA",
        "latitude": 52.63442,
        "longitude": -1.13153,
        "easting": 458875,
        "northing": 304426,
        "local_authority": LEICESTER,
        "ward": CASTLE_WARD,
        "terminated": None,
        "source": "onspd",
    }
    assert held_postcodes(query_db)["LE16RL"]["terminated"] == "199606"


def test_postcodes_with_no_grid_reference_are_left_out_and_counted(query_db, tmp_path):
    # ONSPD gives such postcodes latitude 99.999999 and longitude 0.000000, and no grid.
    no_grid = onspd_row("LE1 9ZZ", lat="99.999999", long="0.000000", oseast1m="", osnrth1m="")
    path = onspd_file(tmp_path / "onspd.csv", onspd_row("LE1 5YA"), no_grid)
    report = places.load_postcodes(query_db, path)
    assert (report.loaded, report.no_position, report.problem_count, report.skipped) == (1, 1, 0, 1)
    assert list(held_postcodes(query_db)) == ["LE15YA"]
    assert "1 row gave no position" in " ".join(places.describe(report))


def test_northern_ireland_keeps_degrees_but_not_its_irish_grid_reference(query_db, tmp_path):
    belfast = onspd_row(
        "BT1 5GS",
        oslaua="N09000003",
        osward="N08000312",
        oseast1m="146368",
        osnrth1m="529493",
        lat="54.596680",
        long="-5.930120",
    )
    places.load_postcodes(query_db, onspd_file(tmp_path / "onspd.csv", belfast))
    held = held_postcodes(query_db)["BT15GS"]
    assert (held["latitude"], held["longitude"]) == (54.59668, -5.93012)
    assert (held["easting"], held["northing"]) == (None, None)


def test_placeholder_area_codes_are_held_as_no_area(query_db, tmp_path):
    # ONS writes E99999999 where no area of that kind applies.
    path = onspd_file(tmp_path / "onspd.csv", onspd_row("LE1 5YA", osward="E99999999"))
    places.load_postcodes(query_db, path)
    assert held_postcodes(query_db)["LE15YA"]["ward"] is None


# -- Live over terminated ----------------------------------------------------------------------


@pytest.mark.parametrize("live_first", [True, False], ids=["live first", "terminated first"])
def test_a_live_postcode_wins_over_its_terminated_row_in_one_file(query_db, tmp_path, live_first):
    live = onspd_row("LE1 5YA", lat="52.634420")
    terminated = onspd_row("LE1 5YA", doterm="200112", lat="52.600000")
    rows = [live, terminated] if live_first else [terminated, live]
    report = places.load_postcodes(query_db, onspd_file(tmp_path / "onspd.csv", *rows))
    held = held_postcodes(query_db)["LE15YA"]
    assert (held["terminated"], held["latitude"]) == (None, 52.63442)
    assert (report.held, report.live_held) == (1, 1)


@pytest.mark.parametrize("batch_rows", [50_000, 1], ids=["one batch", "a batch a row"])
@pytest.mark.parametrize("live_first", [True, False], ids=["live first", "terminated first"])
def test_a_live_postcode_wins_over_a_terminated_one_across_loads(
    query_db, tmp_path, monkeypatch, live_first, batch_rows
):
    monkeypatch.setattr(places_read, "BATCH_ROWS", batch_rows)
    live = onspd_file(tmp_path / "live.csv", onspd_row("LE1 5YA"))
    terminated = onspd_file(tmp_path / "old.csv", onspd_row("LE1 5YA", doterm="200112"))
    first, second = (live, terminated) if live_first else (terminated, live)
    places.load_postcodes(query_db, first)
    report = places.load_postcodes(query_db, second)
    assert held_postcodes(query_db)["LE15YA"]["terminated"] is None
    if live_first:
        assert (report.loaded, report.kept_live, report.skipped) == (0, 1, 1)
        assert "1 terminated postcode already held as live" in " ".join(places.describe(report))
    else:
        assert (report.loaded, report.live, report.kept_live) == (1, 1, 0)


def test_a_newer_file_moves_a_live_postcode_and_a_reused_one_comes_back(query_db, tmp_path):
    places.load_postcodes(
        query_db,
        onspd_file(tmp_path / "a.csv", onspd_row("LE1 5YA"), onspd_row("LE1 6RL", doterm="199606")),
    )
    places.load_postcodes(
        query_db,
        onspd_file(tmp_path / "b.csv", onspd_row("LE1 5YA", lat="52.634500"), onspd_row("LE1 6RL")),
    )
    held = held_postcodes(query_db)
    assert held["LE15YA"]["latitude"] == 52.6345
    assert held["LE16RL"]["terminated"] is None


def test_loading_the_same_file_twice_holds_the_same_rows(query_db, tmp_path):
    path = onspd_file(
        tmp_path / "onspd.csv",
        onspd_row("LE1 5YA"),
        onspd_row("LE1 6RL", doterm="199606"),
        onspd_row("LE2 0QB", lat="52.631700", long="-1.125200"),
    )
    first = places.load_postcodes(query_db, path)
    held = held_postcodes(query_db)
    second = places.load_postcodes(query_db, path)
    assert held_postcodes(query_db) == held
    assert (first.loaded, second.loaded, second.held, second.live_held) == (3, 3, 3, 2)
    loads = query_db.query("SELECT kind, rows_loaded, held FROM place_loads ORDER BY id")
    assert list(loads) == [{"kind": "onspd", "rows_loaded": 3, "held": 3}] * 2


# -- Code-Point Open ---------------------------------------------------------------------------


def codepoint_rows() -> list[list[str]]:
    easting, northing = CLOCK_TOWER_GRID
    # OS pads postcodes to seven characters: "LE1 5YA" stays, "B1  1AA" gains a space.
    return [codepoint_row("LE1 5YA", easting, northing), codepoint_row("B1  1AA", 406720, 286760)]


def codepoint_source(tmp_path: Path, form: str) -> Path:
    """Code-Point Open as a single CSV, its unzipped folder or OS's zip."""
    rows = codepoint_rows()
    notes = "PC,PQ,EA,NO,CY,RH,LH,CC,DC,WC\r\nPostcode,Positional_quality_indicator\r\n"
    if form == "csv":
        return write_csv(tmp_path / "le.csv", rows)
    if form == "folder":
        data = tmp_path / "codepo_gb" / "Data" / "CSV"
        data.mkdir(parents=True)
        write_csv(data / "le.csv", rows[:1])
        write_csv(data / "b.csv", rows[1:])
        (tmp_path / "codepo_gb" / "Doc").mkdir()
        (tmp_path / "codepo_gb" / "Doc" / "Code-Point_Open_Column_Headers.csv").write_text(notes)
        return tmp_path / "codepo_gb"
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, part in (("le", rows[:1]), ("b", rows[1:])):
            archive.writestr(f"Data/CSV/{name}.csv", "".join(",".join(r) + "\r\n" for r in part))
        archive.writestr("Doc/Code-Point_Open_Column_Headers.csv", notes)
        archive.writestr("Doc/licence.txt", "Contains OS data © Crown copyright")
    return path


@pytest.mark.parametrize("form", ["csv", "folder", "zip"])
def test_code_point_open_is_placed_by_proj_within_a_metre(query_db, tmp_path, form):
    report = places.load_postcodes(query_db, codepoint_source(tmp_path, form))
    assert (report.kind, report.loaded, report.problem_count) == ("codepoint", 2, 0)
    held = held_postcodes(query_db)
    tower = held["LE15YA"]
    assert geo.distance_m(tower["latitude"], tower["longitude"], *CLOCK_TOWER) < 1
    assert (tower["easting"], tower["northing"]) == CLOCK_TOWER_GRID
    assert (tower["display"], tower["source"], tower["terminated"]) == (
        "LE1 5YA",
        "codepoint",
        None,
    )
    assert (tower["local_authority"], tower["ward"]) == (LEICESTER, CASTLE_WARD)
    assert held["B11AA"]["display"] == "B1 1AA"
    if form != "csv":
        assert report.ignored == ["Doc/Code-Point_Open_Column_Headers.csv"]


def test_code_point_postcodes_without_coordinates_are_left_out(query_db, tmp_path):
    path = write_csv(
        tmp_path / "le.csv",
        [codepoint_row("LE1 5YA", *CLOCK_TOWER_GRID), codepoint_row("LE1 9ZZ", 0, 0, "90")],
    )
    report = places.load_postcodes(query_db, path)
    assert (report.loaded, report.no_position) == (1, 1)


def test_a_bad_row_in_a_zip_is_named_by_its_file_and_line(query_db, tmp_path):
    path = tmp_path / "codepo_gb.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(
            "Data/CSV/le.csv",
            "LE1 5YA,10,458875,304426,E92000001,,,,,\r\nLE1 5YB,10,east,304426,E92000001,,,,,\r\n",
        )
    report = places.load_postcodes(query_db, path)
    assert [str(p) for p in report.problems] == [
        "Data/CSV/le.csv line 2: easting 'east' is not a whole number of metres"
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            ["LE1 5YB", "10", "458875", "304426"],
            "the row has 4 cells where Code-Point Open rows have 10",
        ),
        (codepoint_row("LE1 5YB", 458875, 1_304_426), "are not in Great Britain"),
        (codepoint_row("LE1 5Y", 458875, 304426), "postcode 'LE1 5Y' is not a UK postcode"),
        ([*codepoint_row("LE1 5YB", 458875, 304426)[:8], "Leicester", ""], "district 'Leicester'"),
    ],
)
def test_each_malformed_code_point_row_is_reported_by_line(query_db, tmp_path, row, reason):
    path = write_csv(tmp_path / "le.csv", [codepoint_row("LE1 5YA", *CLOCK_TOWER_GRID), row])
    report = places.load_postcodes(query_db, path)
    assert report.loaded == 1
    (problem,) = report.problems
    assert (problem.line, reason in problem.reason) == (2, True), problem


# -- Malformed and hostile rows ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"pcds": "LE1 5A"}, "postcode 'LE1 5A' is not a UK postcode"),
        ({"pcds": ""}, "the postcode is empty"),
        ({"lat": "fifty-two"}, "latitude 'fifty-two' is not a number"),
        ({"lat": "12.5"}, "latitude '12.5' is not in the UK (49 to 61)"),
        ({"long": "-1,1315"}, "longitude '-1,1315' is not a number"),
        ({"oseast1m": "458874.7"}, "easting '458874.7' is not a whole number of metres"),
        ({"osnrth1m": "1304426"}, "are not in Great Britain"),
        ({"oseast1m": "", "osnrth1m": "304426"}, "easting '' is not a whole number of metres"),
        ({"doterm": "2001-12"}, "date terminated '2001-12' is not a year and month"),
        ({"doterm": "200113"}, "date terminated '200113' is not a year and month"),
        ({"oslaua": "Leicester"}, "local authority 'Leicester' is not an ONS code"),
        ({"osward": "E0501047"}, "ward 'E0501047' is not an ONS code"),
    ],
)
def test_each_malformed_row_is_reported_by_line_and_the_rest_load(
    query_db, tmp_path, values, reason
):
    bad = onspd_row("LE1 5YB", **values)
    path = onspd_file(tmp_path / "onspd.csv", onspd_row("LE1 5YA"), bad, onspd_row("LE1 6RL"))
    report = places.load_postcodes(query_db, path)
    assert report.loaded == 2
    (problem,) = report.problems
    assert problem.line == 3
    assert reason in problem.reason


def test_line_numbers_are_the_editors_across_blank_lines_and_multi_line_cells(query_db, tmp_path):
    rows = [
        onspd_row("LE1 5YA", parish="Two\nlines"),  # lines 2 and 3
        [],  # line 4, blank
        onspd_row("LE1 5YB", pcds="NOT A POSTCODE"),  # line 5
        ONSPD_HEADER[:10],  # line 6, too short
    ]
    report = places.load_postcodes(query_db, onspd_file(tmp_path / "onspd.csv", *rows))
    assert [str(p) for p in report.problems] == [
        "line 5: postcode 'NOT A POSTCODE' is not a UK postcode",
        "line 6: the row has 10 cells where the header row has 54",
    ]
    assert report.loaded == 1


def test_the_report_lists_twenty_bad_rows_but_counts_them_all(query_db, tmp_path):
    bad = [onspd_row("LE1 5YB", lat="north") for _ in range(25)]
    report = places.load_postcodes(
        query_db, onspd_file(tmp_path / "o.csv", onspd_row("LE1 5YA"), *bad)
    )
    assert (report.problem_count, len(report.problems), report.loaded) == (25, 20, 1)
    summary = places.describe(report)[0]
    assert summary.startswith(
        "Loaded 1 postcode (1 live, 0 terminated); 25 rows skipped: line 3: latitude 'north' "
        "is not a number; line 4: "
    )
    assert summary.endswith("line 22: latitude 'north' is not a number; and 5 more.")


HOSTILE = [
    ("pcds", "<script>alert(1)</script>"),
    ("pcds", "=cmd|' /C calc'!A0"),
    ("pcds", "LE1\u202e5YB"),
    ("pcds", "LE1\x005YB"),
    ("oslaua", '=HYPERLINK("http://evil.example","x")'),
    ("osward", "<b>E05010470</b>"),
    ("doterm", "=1+1"),
    ("lat", "1e308"),
    ("lat", "nan"),
    ("long", "-inf"),
    ("oseast1m", "1e308"),
    ("oseast1m", "9" * 400),
    ("osnrth1m", "9" * 5000),
]


@pytest.mark.parametrize(("column", "value"), HOSTILE, ids=[f"{c}={v[:12]!r}" for c, v in HOSTILE])
def test_hostile_cells_are_refused_and_nothing_of_them_is_stored(query_db, tmp_path, column, value):
    path = onspd_file(
        tmp_path / "onspd.csv",
        onspd_row("LE1 5YA"),
        onspd_row("LE1 5YB", **{column: value}),
    )
    report = places.load_postcodes(query_db, path)
    assert (report.loaded, report.problem_count) == (1, 1)
    assert list(held_postcodes(query_db)) == ["LE15YA"]
    # The reason quotes the cell without its control or direction characters, shortened.
    reason = report.problems[0].reason
    assert "\x00" not in reason and "\u202e" not in reason and len(reason) < 200
    if value.startswith("LE1") and column == "pcds":
        assert reason == "postcode 'LE15YB' holds a control or direction character"


def test_a_cell_too_long_for_csv_is_reported_and_the_file_read_on(query_db, tmp_path):
    path = onspd_file(
        tmp_path / "onspd.csv",
        onspd_row("LE1 5YB", parish="x" * 200_000),
        onspd_row("LE1 5YA"),
    )
    report = places.load_postcodes(query_db, path)
    assert report.loaded == 1
    assert report.problems[0].line == 2
    assert "cannot be read as CSV" in report.problems[0].reason


def test_every_stored_value_has_the_shape_it_should(query_db, tmp_path):
    rows = [onspd_row("LE1 5YA"), onspd_row("LE1 6RL", doterm="199606")]
    rows += [onspd_row("LE2 0QB", **{column: value}) for column, value in HOSTILE]
    places.load_postcodes(query_db, onspd_file(tmp_path / "onspd.csv", *rows))
    for row in held_postcodes(query_db).values():
        assert imports_model.POSTCODE.match(row["postcode"])
        assert row["display"] == f"{row['postcode'][:-3]} {row['postcode'][-3:]}"
        assert re.fullmatch(r"[A-Z]\d{8}", row["local_authority"])
        assert row["terminated"] is None or re.fullmatch(r"\d{6}", row["terminated"])
        assert 49 <= row["latitude"] <= 61 and -8.7 <= row["longitude"] <= 2


# -- OS Open UPRN ------------------------------------------------------------------------------


def uprn_file(path: Path, *rows: list[str]) -> Path:
    return write_csv(path, [UPRN_HEADER, *rows])


def test_uprns_are_held_without_leading_zeros_and_looked_up(query_db, tmp_path):
    easting, northing = to_grid(*CLOCK_TOWER)
    path = uprn_file(
        tmp_path / "osopenuprn_202411.csv",
        ["002465001234", f"{easting:.2f}", f"{northing:.2f}", "52.6344200", "-1.1315300"],
        ["1.00023E+11", "458875.00", "304426.00", "52.6344200", "-1.1315300"],
        ["2465001235", "458875.00", "1304426.00", "52.6344200", "-1.1315300"],
        ["2465001236", "458875.00", "304426.00", "52.6344200", "11.1315300"],
    )
    report = places.load_uprns(query_db, path)
    assert (report.loaded, report.held) == (1, 1)
    assert [str(p) for p in report.problems] == [
        "line 3: UPRN '1.00023E+11' is not a UPRN: a number of up to 12 digits",
        "line 4: easting '458875.00' and northing '1304426.00' are not in Great Britain "
        "(0 to 700,000 and 0 to 1,300,000 metres)",
        "line 5: longitude '11.1315300' is not in the UK (-8.7 to 2)",
    ]
    found = places.uprn_places(query_db, ["2465001234", "0002465001234", "999", "not one"])
    assert list(found) == ["2465001234"]
    place = found["2465001234"]
    assert (place.latitude, place.longitude) == (52.63442, -1.13153)
    assert (place.easting, place.northing) == (round(easting, 2), round(northing, 2))


def test_os_open_uprn_is_read_from_the_zip_os_ships(query_db, tmp_path):
    path = tmp_path / "osopenuprn_202411_csv.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "osopenuprn_202411.csv",
            "UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\r\n"
            "2465001234,458875.00,304426.00,52.6344200,-1.1315300\r\n",
        )
        archive.writestr("Doc/licence.txt", "Contains OS data © Crown copyright")
    report = places.load_uprns(query_db, path)
    assert (report.kind, report.loaded, report.ignored) == ("uprn", 1, [])
    assert list(places.uprn_places(query_db, [2465001234])) == ["2465001234"]


def test_uprns_are_normalised_as_premises_imports_normalise_them():
    for text in ["2465001234", "002465001234", "0", "000", "1234567890123", "12a", ""]:
        reasons: list[str] = []
        assert places.normalise_uprn(text) == imports_rows._uprn(text, reasons), text


def test_the_postcode_rule_is_the_premises_imports_rule():
    assert places_model.POSTCODE.pattern == imports_model.POSTCODE.pattern.strip("^$")


# -- Lookups -----------------------------------------------------------------------------------


def test_ten_thousand_postcodes_are_looked_up_at_once_in_any_spelling(query_db, tmp_path):
    postcodes = [
        f"LE{d} {s}{a}{b}"
        for d in range(1, 11)
        for s in range(10)
        for a in "ABDEFGHJLN"
        for b in "ABDEFGHJLN"
    ]
    assert len(postcodes) == 10_000
    path = onspd_file(
        tmp_path / "onspd.csv",
        *(
            onspd_row(p, lat=f"52.{i:06d}", doterm="199606" if i % 4 == 0 else "")
            for i, p in enumerate(postcodes)
        ),
    )
    places.load_postcodes(query_db, path)
    asked = [p.lower().replace(" ", "") if i % 2 else p for i, p in enumerate(postcodes)]
    found = places.postcode_places(query_db, [*asked, "ZZ99 9ZZ", "", "not a postcode"])
    assert len(found) == 10_000
    assert found["LE15AB"] == places.PostcodePlace(
        "LE1 5AB", 52.000501, -1.13153, 458875, 304426, LEICESTER, CASTLE_WARD, None, "onspd"
    )
    assert sum(1 for p in found.values() if p.terminated == "199606") == 2_500


def test_the_summary_says_what_is_held_and_what_was_loaded_last(query_db, tmp_path):
    assert places.summary(query_db).last_postcode_load is None
    places.load_postcodes(
        query_db,
        onspd_file(
            tmp_path / "onspd.csv", onspd_row("LE1 5YA"), onspd_row("LE1 6RL", doterm="199606")
        ),
    )
    places.load_postcodes(query_db, codepoint_source(tmp_path, "zip"))
    summary = places.summary(query_db)
    assert (summary.postcodes, summary.live_postcodes, summary.terminated_postcodes) == (3, 2, 1)
    assert (summary.last_postcode_load.kind, summary.last_postcode_load.file_name) == (
        "codepoint",
        "codepo_gb.zip",
    )
    assert summary.uprns == 0 and summary.last_uprn_load is None


def test_a_failure_part_way_through_writes_nothing(query_db, tmp_path, monkeypatch):
    monkeypatch.setattr(places_read, "BATCH_ROWS", 1)
    real = places_q.write_postcodes
    calls = []

    def failing(db, source, rows):
        calls.append(len(rows))
        if len(calls) > 1:
            raise RuntimeError("disk full")
        return real(db, source, rows)

    monkeypatch.setattr(places_q, "write_postcodes", failing)
    path = onspd_file(tmp_path / "onspd.csv", onspd_row("LE1 5YA"), onspd_row("LE1 6RL"))
    with pytest.raises(RuntimeError):
        places.load_postcodes(query_db, path)
    assert held_postcodes(query_db) == {}
    assert list(query_db.query("SELECT * FROM place_loads")) == []


# -- British National Grid in bulk -------------------------------------------------------------


def test_many_grid_references_convert_as_each_one_does():
    eastings = [CLOCK_TOWER_GRID[0], 100_000.0, 651_409.5, 0, 700_000]
    northings = [CLOCK_TOWER_GRID[1], 50_000.0, 313_177.25, 0, 1_300_000]
    latitudes, longitudes = geo.bng_to_wgs84_many(eastings, northings)
    assert list(zip(latitudes, longitudes, strict=True)) == [
        geo.bng_to_wgs84(e, n) for e, n in zip(eastings, northings, strict=True)
    ]
    assert geo.distance_m(latitudes[0], longitudes[0], *CLOCK_TOWER) < 1
    assert geo.bng_to_wgs84_many([], []) == ([], [])
    with pytest.raises(ValueError):
        geo.bng_to_wgs84_many([1.0], [])


# -- Files that cannot be loaded, and the shell ------------------------------------------------


def refused(tmp_path: Path, what: str) -> Path:
    if what == "empty":
        (tmp_path / "empty.csv").write_bytes(b"")
        return tmp_path / "empty.csv"
    if what == "blank lines":
        (tmp_path / "blank.csv").write_text("\r\n\r\n  \r\n")
        return tmp_path / "blank.csv"
    if what == "premises list":
        (tmp_path / "premises.csv").write_text(
            "name,sector,address,postcode\nA,nail bar,1 St,LE1 5YA\n"
        )
        return tmp_path / "premises.csv"
    if what == "zip of other things":
        with zipfile.ZipFile(tmp_path / "other.zip", "w") as archive:
            archive.writestr("readme.txt", "hello")
            archive.writestr("Doc/notes.csv", "PC,PQ\r\n")
        return tmp_path / "other.zip"
    if what == "onspd missing columns":
        header = [c for c in ONSPD_HEADER if c not in ("doterm", "osward")]
        return write_csv(tmp_path / "onspd.csv", [header])
    if what == "onspd in a zip":
        with zipfile.ZipFile(tmp_path / "ONSPD_FEB_2024.zip", "w") as archive:
            archive.writestr("Data/ONSPD_FEB_2024_UK.csv", ",".join(ONSPD_HEADER) + "\r\n")
        return tmp_path / "ONSPD_FEB_2024.zip"
    if what == "uprns":
        return uprn_file(tmp_path / "osopenuprn.csv", ["1", "458875", "304426", "52.6", "-1.1"])
    raise AssertionError(what)


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("empty", "Error: empty.csv is empty, so there is nothing to load. Load the ONS Postcode"),
        ("blank lines", "Error: blank.csv has only blank lines."),
        ("premises list", "Error: premises.csv is not a file this command reads"),
        ("zip of other things", "Error: other.zip holds no ONS Postcode Directory or Code-Point"),
        (
            "onspd missing columns",
            "looks like the ONS Postcode Directory but has no doterm or osward column.",
        ),
        ("onspd in a zip", "Unzip it and load its one UK-wide CSV file"),
        ("uprns", "osopenuprn.csv is OS Open UPRN, which holds UPRNs: load it with flask"),
    ],
)
def test_files_that_cannot_be_loaded_are_refused_naming_the_file(
    runner, db, tmp_path, what, message
):
    result = runner.invoke(args=["places", "load-postcodes", str(refused(tmp_path, what))])
    assert result.exit_code == 1
    assert message in result.output
    assert "Loading postcodes" not in result.output  # no progress bar for a refused file
    assert list(db.query("SELECT * FROM place_loads")) == []


def test_a_postcode_file_given_to_load_uprns_is_refused(runner, tmp_path):
    path = onspd_file(tmp_path / "onspd.csv", onspd_row("LE1 5YA"))
    result = runner.invoke(args=["places", "load-uprns", str(path)])
    assert result.exit_code == 1
    assert (
        "onspd.csv is ONS Postcode Directory, which holds postcodes: load it with" in result.output
    )
    assert "places load-postcodes" in result.output


def test_the_shell_loads_postcodes_and_uprns_and_says_what_is_held(runner, db, tmp_path):
    result = runner.invoke(args=["places", "status"])
    assert result.exit_code == 0, result.output
    assert "Postcodes: none held." in result.output and "UPRNs: none held." in result.output
    path = onspd_file(
        tmp_path / "ONSPD_FEB_2024_UK.csv",
        onspd_row("LE1 5YA"),
        onspd_row("LE1 6RL", doterm="199606"),
        onspd_row("LE1 5YB", pcds="<b>LE1</b>"),
        onspd_row("LE1 9ZZ", lat="99.999999", long="0.000000"),
    )
    result = runner.invoke(args=["places", "load-postcodes", str(path)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loading postcodes")
    assert (
        "Loaded 2 postcodes (1 live, 1 terminated); 1 row skipped: line 4: postcode "
        "'<b>LE1</b>' is not a UK postcode." in result.output
    )
    assert "Now holding 2 postcodes (1 live)." in result.output
    uprns = uprn_file(
        tmp_path / "uprns.csv", ["2465001234", "458875.00", "304426.00", "52.63442", "-1.13153"]
    )
    result = runner.invoke(args=["places", "load-uprns", str(uprns)])
    assert result.exit_code == 0, result.output
    assert "Loaded 1 UPRN." in result.output
    result = runner.invoke(args=["places", "status"])
    assert "Postcodes: 2 held (1 live, 1 terminated); last loaded from ONSPD_FEB_2024_UK.csv " in (
        result.output
    )
    assert "(ONS Postcode Directory)" in result.output
    assert ": 2 rows loaded, 2 skipped." in result.output
    assert "UPRNs: 1 held; last loaded from uprns.csv on " in result.output
    assert [r["kind"] for r in db.query("SELECT kind FROM place_loads ORDER BY id")] == [
        "onspd",
        "uprn",
    ]
