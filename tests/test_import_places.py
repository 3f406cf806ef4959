"""Imports placed by the open data a council loaded once: a row's UPRN first, then (if the
geocoder has been asked) the address, then its postcode's centre; and a file's own position
checked against its postcode."""

from __future__ import annotations

import pytest

from fieldapp import imports
from fieldapp.geo import distance_m
from fieldapp.queries import connect
from tests.conftest import make_app
from tests.nominatim_server import running_nominatim
from tests.test_import import (
    geocoding_app,
    premises_rows,
    press,
    report,
    signed_in,
    uploaded,
)
from tests.test_import_mapping import CASE, RATES
from tests.test_places import UPRN_HEADER, onspd_file, onspd_row, to_grid, write_csv

# Postcode centres and one UPRN's address point, made up but in Leicester, for the rates
# list's rows (LE1 1AA is not loaded: that row has nothing to be placed by).
CENTRES = {
    "LE3 0AB": (52.630900, -1.152000),
    "LE1 4FP": (52.635600, -1.135500),
    "LE3 0QT": (52.627000, -1.158000),
    "LE1 5AA": (52.638200, -1.142300),
}
SPARKLE_UPRN_POINT = (52.630120, -1.150180)  # UPRN 100030000001, nearer than LE3 0AB's centre


def load_places(app, tmp_path):
    """Load the postcode centres and the UPRN through the shell commands, as a council
    administrator would."""
    rows = []
    for postcode, (lat, lon) in CENTRES.items():
        easting, northing = (f"{v:.0f}" for v in to_grid(lat, lon))
        rows.append(
            onspd_row(postcode, lat=f"{lat}", long=f"{lon}", oseast1m=easting, osnrth1m=northing)
        )
    postcodes = onspd_file(tmp_path / "ONSPD.csv", *rows)
    easting, northing = to_grid(*SPARKLE_UPRN_POINT)
    uprns = write_csv(
        tmp_path / "osopenuprn.csv",
        [
            UPRN_HEADER,
            ["100030000001", f"{easting:.2f}", f"{northing:.2f}", *map(str, SPARKLE_UPRN_POINT)],
        ],
    )
    runner = app.test_cli_runner()
    for command, path in (("load-postcodes", postcodes), ("load-uprns", uprns)):
        result = runner.invoke(args=["places", command, str(path)])
        assert result.exit_code == 0, result.output


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    load_places(app, tmp_path)
    return app


def by_name(app) -> dict[str, dict]:
    return {r["name"]: r for r in premises_rows(app)}


def test_rows_are_placed_by_uprn_then_postcode_and_the_report_says_how_many_each_way(app):
    client = signed_in(app)
    url = uploaded(client, RATES)
    page = report(client, url)
    placed = {dd["data-placed"]: int(dd.text) for dd in page.select("[data-placed]")}
    assert placed == {"uprn": 1, "postcode": 2, "not_looked_up": 1}
    press(client, url, "import")
    rows = by_name(app)
    sparkle = rows["SPARKLE CAR WASH LTD"]
    assert sparkle["location_source"] == "uprn"
    assert distance_m(sparkle["latitude"], sparkle["longitude"], *SPARKLE_UPRN_POINT) < 1
    glamour = rows["GLAMOUR NAILS LTD"]
    assert glamour["location_source"] == "postcode"
    assert (glamour["latitude"], glamour["longitude"]) == pytest.approx(CENTRES["LE1 4FP"])
    assert rows['=HYPERLINK("http://x")']["latitude"] is None  # LE1 1AA is not loaded


def test_the_command_places_rows_the_same_way_and_says_so(app, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(RATES)
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert (
        "Map positions: 1 at their UPRN's address point; 2 at their postcode's centre; "
        "1 with none (not looked up)." in result.output
    ), result.output
    assert by_name(app)["WESTCOTES HAND CAR WASH"]["location_source"] == "postcode"


def test_a_grid_reference_the_wrong_way_round_is_caught_by_its_postcode(app):
    client = signed_in(app)
    page = report(client, uploaded(client, CASE))
    problems = {
        int(tr.select("td")[0].text): tr.select("td")[1].text
        for tr in page.select("#problems tbody tr")
    }
    # Line 10 gives Swapped Wash's northing as its easting: both are in range for Great
    # Britain, so only its postcode (LE1 5AA, loaded) shows the point is in the wrong place.
    assert "the easting and northing look the wrong way round" in problems[10]
    assert "swapped, they would be at the postcode LE1 5AA" in problems[10]


def test_a_position_far_from_its_postcode_is_refused_naming_both(app):
    data = (
        b"name,sector,address,postcode,latitude,longitude\n"
        b"Far Wash,car wash,1 Road,LE3 0AB,53.4808,-2.2426\n"  # Manchester
    )
    db = connect(app.config["DATABASE"])
    problems = [str(p) for p in imports.plan(db, imports.parse(data)).problems]
    db.conn.close()
    assert problems == [
        "line 2: the position given is 120 km from the postcode LE3 0AB: check the "
        "coordinates and the postcode"
    ]


def test_an_address_the_geocoder_found_beats_the_postcode_centre(tmp_path):
    found = (52.627200, -1.157700)
    with running_nominatim({"30 westcotes drive, leicester, le3 0qt": found}) as server:
        app = geocoding_app(tmp_path, server.url)
        load_places(app, tmp_path)
        client = signed_in(app)
        url = uploaded(client, RATES)
        page = report(client, url)
        assert page.select_one("#lookup-form")  # offered, though every row could be placed
        assert "more exactly than their postcode" in page.text
        press(client, url, "lookup")
        press(client, url, "import")
    westcotes = by_name(app)["WESTCOTES HAND CAR WASH"]
    assert westcotes["location_source"] == "geocoder"
    assert (westcotes["latitude"], westcotes["longitude"]) == pytest.approx(found)
    # The UPRN still beats the geocoder: Sparkle was not looked up.
    assert by_name(app)["SPARKLE CAR WASH LTD"]["location_source"] == "uprn"


def test_a_reimport_upgrades_a_postcode_centre_to_a_uprn_but_never_moves_a_fix(app, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(RATES)
    runner = app.test_cli_runner()
    runner.invoke(args=["premises", "import", str(path), "--yes"])
    db = connect(app.config["DATABASE"])
    with db.conn:
        # An officer's fix for Glamour; a UPRN for Westcotes, which was at its centre.
        db.conn.execute(
            "UPDATE premises SET location_source = 'gps', latitude = 52.6357 "
            "WHERE name = 'GLAMOUR NAILS LTD'"
        )
    easting, northing = to_grid(52.627100, -1.157900)
    extra = write_csv(
        tmp_path / "more-uprns.csv",
        [UPRN_HEADER, ["200000000005", f"{easting:.2f}", f"{northing:.2f}", "52.6271", "-1.1579"]],
    )
    runner.invoke(args=["places", "load-uprns", str(extra)])
    updated = RATES.replace(b'"9100","01/10/2022",""', b'"9100","01/10/2022","200000000005"')
    updated = updated.replace(b",9100,01/10/2022,", b",9100,01/10/2022,200000000005")
    path.write_bytes(updated)
    result = runner.invoke(args=["premises", "import", str(path), "--yes"])
    assert "Map positions: 1 at their UPRN's address point." in result.output, result.output
    rows = by_name(app)
    assert rows["WESTCOTES HAND CAR WASH"]["location_source"] == "uprn"
    assert rows["GLAMOUR NAILS LTD"]["location_source"] == "gps"
    assert rows["GLAMOUR NAILS LTD"]["latitude"] == 52.6357
    db.conn.close()


def test_the_map_and_the_list_agree_on_how_many_have_no_position(app):
    client = signed_in(app)
    url = uploaded(client, RATES)
    press(client, url, "import")
    listed = report(client, "/sites")
    unplaced = listed.select_one("#site-count-unplaced").text
    assert "1 of them has no map position yet" in " ".join(unplaced.split())
    mapped = report(client, "/sites/map")
    assert "1 of them has no map position yet" in " ".join(
        mapped.select_one("#site-count-unplaced").text.split()
    )
    only = report(client, "/sites?no_location=1")
    assert [a.text for a in only.select('tbody a[href^="/premises/"]')] == [
        '=HYPERLINK("http://x")'
    ]


def test_the_upload_page_says_what_place_data_is_loaded(app, tmp_path):
    client = signed_in(app)
    text = " ".join(report(client, "/imports").select_one("#place-data").text.split())
    assert "4 postcodes are loaded" in text and "1 UPRN is loaded" in text
    bare = signed_in(make_app(tmp_path / "bare"))
    text = " ".join(report(bare, "/imports").select_one("#place-data").text.split())
    assert "No postcode data is loaded" in text and "No UPRN data is loaded" in text


@pytest.mark.parametrize(("north_km", "refused"), [(9, False), (11, True)])
def test_a_position_is_refused_only_beyond_ten_km_of_its_postcode(app, north_km, refused):
    from tests.visit_helpers import offset

    lat, lon = offset(CENTRES["LE3 0AB"], north_m=north_km * 1000)
    data = (
        "name,sector,address,postcode,latitude,longitude\n"
        f"Edge Wash,car wash,1 Road,LE3 0AB,{lat:.6f},{lon:.6f}\n"
    ).encode()
    db = connect(app.config["DATABASE"])
    problems = imports.plan(db, imports.parse(data)).problems
    db.conn.close()
    assert bool(problems) is refused
