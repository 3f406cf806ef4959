"""Councils' own files through the mapping step: which column is which, what their sector
words mean, named presets, and the command line's --mapping and --dry-run."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import imports
from fieldapp.geo import distance_m
from fieldapp.imports import presets
from fieldapp.imports.mapping import Mapping, guess, heading_key
from fieldapp.queries import connect
from tests.conftest import make_app, parse
from tests.test_import import (
    form_choices,
    premises_rows,
    press,
    report,
    signed_in,
    upload,
)

FIXTURES = Path(__file__).resolve().parent / "import_fixtures"
CASE = (FIXTURES / "case_management.csv").read_bytes()
RATES = (FIXTURES / "business_rates.csv").read_bytes()
FHRS = (FIXTURES / "fhrs.csv").read_bytes()
LICENCES = (FIXTURES / "licence_register.csv").read_bytes()

# Where the case-management premises really are; the file gives their grid references in
# whole metres, as council systems hold them (worked out from these by PROJ's reverse
# transform, EPSG:4326 -> 27700, and rounded).
TRUE_POSITIONS = {
    "Narborough Road Hand Car Wash Ltd": (52.630100, -1.150200),
    "Belgrave Valeting": (52.642000, -1.129000),
    "Stoneygate Beauty": (52.626000, -1.121000),
    "Aylestone Car Wash": (52.614000, -1.140000),
}


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def db_of(app):
    return connect(app.config["DATABASE"])


# -- Guessing and presets -------------------------------------------------------------------


def test_headings_are_compared_without_case_spacing_or_punctuation():
    assert heading_key("  Address Line 1 ") == "address_line_1"
    assert heading_key("Geocode/Latitude") == "geocode_latitude"
    assert heading_key("POST-CODE") == "post_code"


def test_a_case_management_export_is_guessed_from_its_headings():
    table = imports.read_table(CASE)
    mapping = guess(table.headings, table.samples())
    assert mapping.columns == {
        "name": "Premises Name",
        "trading_name": "Trading Name",
        "sector": "Business Type",
        "address_line_1": "Address Line 1",
        "address_line_2": "Address Line 2",
        "address_line_3": "Address Line 3",
        "address_line_4": "Address Line 4",
        "postcode": "Post Code",
        "uprn": "UPRN",
        "external_ref": "Premises Ref",
        "easting": "Easting",
        "northing": "Northing",
        "date_registered": "Date Registered",
    }
    # The officer's name is not one of our fields, so it is never proposed.
    assert "Officer" not in mapping.columns.values()


def test_an_unnamed_postcode_column_is_recognised_by_its_values():
    table = imports.read_table(
        b"Business,Kind,Where,Code\nA,nails,1 Road,LE1 1AA\nB,nails,2 Rd,LE2 2BB\n"
    )
    mapping = guess(table.headings, table.samples())
    assert mapping.columns["postcode"] == "Code"
    assert mapping.columns["sector"] == "Kind"  # by its values: "nails"


@pytest.mark.parametrize(
    ("data", "preset"),
    [
        (CASE, "Case-management export"),
        (RATES, "Business rates list"),
        (FHRS, "Food hygiene ratings (FSA FHRS)"),
        (LICENCES, "Special treatment licence register"),
        ((FIXTURES / "good.csv").read_bytes(), "This app's own export"),
    ],
    ids=["case management", "business rates", "fhrs", "licences", "own export"],
)
def test_each_common_shape_of_file_is_offered_its_preset_first(app, data, preset):
    with app.app_context():
        from fieldapp.db import get_db

        fits = presets.matching(get_db(), imports.read_table(data).headings)
    assert fits[0][0].name == preset


def test_a_preset_fits_a_file_without_its_optional_columns():
    # A rates list with no UPRN column still fits the rates preset, without the UPRN.
    (rates,) = [p for p in presets.shipped() if p.name == "Business rates list"]
    headings = imports.read_table(RATES).headings
    fitted = rates.fit([h for h in headings if h != "UPRN"])
    assert fitted is not None and "uprn" not in fitted.columns
    # One without the address is not this kind of file at all.
    assert rates.fit(["Ratepayer Name", "Description", "Post Code"]) is None


def test_shipped_presets_name_only_our_fields_and_sectors():
    for preset in presets.shipped():
        assert set(preset.mapping.columns) <= set(imports.FIELDS), preset.name
        assert set(preset.mapping.sectors.values()) <= set(imports.SECTOR_CHOICES)


# -- Reading files through a mapping --------------------------------------------------------


def _preset(name: str) -> Mapping:
    (preset,) = [p for p in presets.shipped() if p.name == name]
    return preset.mapping


def test_a_case_management_export_lands_within_ten_metres_of_each_premises():
    parsed = imports.parse(CASE, _preset("Case-management export"))
    assert parsed.encoding == "Windows-1252"
    rows = {r.name: r for r in parsed.rows}
    for name, (lat, lon) in TRUE_POSITIONS.items():
        assert distance_m(rows[name].latitude, rows[name].longitude, lat, lon) < 10, name
    sparkle = rows["Narborough Road Hand Car Wash Ltd"]
    assert sparkle.trading_name == "Sparkle Hand Car Wash"
    assert sparkle.address == "Unit 2, 1 Narborough Road, Leicester"  # lines 1-4 joined
    assert (sparkle.easting, sparkle.northing) == (457615, 303933)  # kept as given
    assert sparkle.registered_on == "2010-04-27"  # a UK date
    assert rows["Aylestone Car Wash"].registered_on == "2018-09-30"  # an ISO date
    assert sparkle.uprn == "100030000001"
    problems = {p.line: p.message for p in parsed.problems}
    assert "was turned into a rounded number by a spreadsheet" in problems[4]  # 1.00023E+11
    # The preset says to ask about sector words it does not know, so the row is refused.
    assert "sector 'Tattoo Studio' is not hand car wash or nail bar" in problems[6]
    assert "Officer" in " ".join(parsed.notes)  # a column not imported is named


def test_a_business_rates_list_keeps_its_car_washes_and_nail_bars_and_skips_the_rest():
    parsed = imports.parse(RATES, _preset("Business rates list"))
    assert [(r.name, r.sector) for r in parsed.rows] == [
        ("SPARKLE CAR WASH LTD", "hand_car_wash"),
        ("GLAMOUR NAILS LTD", "nail_bar"),
        ("WESTCOTES HAND CAR WASH", "hand_car_wash"),
        ('=HYPERLINK("http://x")', "hand_car_wash"),  # kept as text, never run
    ]
    assert parsed.skipped == {"SHOP AND PREMISES": 1, "OFFICES AND PREMISES": 1}
    assert parsed.problems == []
    sparkle = parsed.rows[0]
    assert sparkle.address == "UNIT 2, 1 NARBOROUGH ROAD, LEICESTER"
    assert (sparkle.postcode, sparkle.local_authority) == ("LE3 0AB", "E06000016")
    assert sparkle.external_ref == "0090001" and sparkle.registered_on == "2017-04-01"


def test_a_licence_register_takes_a_missing_postcode_from_the_end_of_the_address():
    parsed = imports.parse(LICENCES, _preset("Special treatment licence register"))
    assert [(r.name, r.address, r.postcode) for r in parsed.rows] == [
        ("Lush Lashes & Nails", "14 Brick Lane, London", "E1 6RF"),
        ("Top Nails", "22 Commercial Street, London", "E1 6LP"),
    ]
    assert parsed.skipped == {"Massage": 1}
    # The licence holder is a person: not one of our fields, so never imported.
    assert "'Licence Holder'" in " ".join(parsed.notes)


def test_sector_values_chosen_by_hand_decide_which_rows_are_imported():
    mapping = Mapping.from_dict(
        {
            **_preset("Food hygiene ratings (FSA FHRS)").as_dict(),
            "sectors": {"Mobile caterer": "hand_car_wash"},
        }
    )
    parsed = imports.parse(FHRS, mapping)
    ((row),) = parsed.rows
    assert (row.name, row.latitude, row.longitude) == ("Suds Hand Car Wash & Cafe", 52.66, -1.13)
    assert row.address == "5 Wash Lane, Leicester"
    assert parsed.skipped == {"Takeaway/sandwich shop": 1}


def test_a_file_with_no_sector_column_takes_the_sector_the_mapping_gives():
    data = b"Name,Address,Postcode\nTop Nails,1 Road,LE1 1AA\n"
    mapping = Mapping(
        columns={"name": "Name", "address": "Address", "postcode": "Postcode"},
        sector_default="nail_bar",
    )
    assert [r.sector for r in imports.parse(data, mapping).rows] == ["nail_bar"]
    with pytest.raises(imports.ImportFileError, match="no column for the sector"):
        imports.parse(data, Mapping(columns=mapping.columns))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"columns": {"colour": "Colour"}}, "names colour, which are not fields"),
        ({"columns": {"name": "N"}, "sectors": {"Wash": "laundry"}}, "maps the sector value"),
        ({"columns": {"name": "N"}, "sector_default": "boat"}, "sector_default must be"),
        ({"columns": {"name": "N"}, "other_sectors": "maybe"}, "other_sectors must be"),
        ({"columns": ["name"]}, "needs a \\[columns\\] table"),
    ],
)
def test_a_mapping_that_names_what_does_not_exist_is_refused(data, message):
    with pytest.raises(imports.ImportFileError, match=message):
        Mapping.from_dict(data)


def test_a_mapping_that_names_a_heading_the_file_lacks_says_which():
    mapping = Mapping(columns={"name": "Premises Name", "sector": "Type", "address": "Addr"})
    with pytest.raises(imports.ImportFileError, match="no column 'Type', 'Addr'"):
        imports.parse(b"Premises Name,Sector\nA,nails\n", mapping)


def test_a_registration_date_that_is_not_a_date_or_is_in_the_future_is_refused():
    data = (
        b"name,sector,address,postcode,date registered\n"
        b"A,nails,1 Road,LE1 1AA,31/02/2020\nB,nails,2 Road,LE1 1AA,01/01/2999\n"
        b"C,nails,3 Road,LE1 1AA,yesterday\n"
    )
    problems = [p.message for p in imports.parse(data).problems]
    assert "date registered '31/02/2020' is not a date" in problems[0]
    assert "date registered '01/01/2999' is in the future" in problems[1]
    assert "write it as day/month/year" in problems[2]


# -- The mapping pages ----------------------------------------------------------------------


def _columns_page(client, data, filename="file.csv"):
    url = upload(client, data, filename).headers["Location"]
    return url, report(client, url)


def test_the_columns_page_shows_each_heading_with_examples_and_the_preset_it_matched(app):
    client = signed_in(app)
    url, page = _columns_page(client, CASE)
    labels = [label.text.strip() for label in page.select("#columns-form label")]
    assert labels[:3] == ["Premises Ref", "Premises Name", "Trading Name"]
    hint = page.select_one("#column-1-hint").text
    assert "Narborough Road Hand Car Wash Ltd" in hint and "Crème Nails & Beauty" in hint
    assert "Case-management export" in page.select_one("#presets").text
    chosen = form_choices(page)
    assert chosen["column-13"] == ""  # "Officer": not used
    assert chosen["column-9"] == "easting"


def test_two_columns_chosen_as_one_field_is_refused_naming_both(app):
    client = signed_in(app)
    url, page = _columns_page(client, CASE)
    data = {**form_choices(page), "column-2": "name"}  # Trading Name as the name too
    response = client.post(url, data=data)
    assert response.status_code == 200
    page = parse(response.get_data(as_text=True))
    summary = page.select_one(".govuk-error-summary").text
    assert "'Trading Name' and 'Premises Name' are both chosen as name" in summary
    assert page.select_one('.govuk-error-summary a[href="#column-2"]')
    assert page.title.text.startswith("Error:")


def test_a_confirmed_mapping_saved_by_name_is_offered_for_the_next_file_of_that_shape(app):
    client = signed_in(app)
    url, page = _columns_page(client, CASE, "first.csv")
    values_url = client.post(url, data=form_choices(page)).headers["Location"]
    values = report(client, values_url)
    labels = {s["id"]: s.find_previous("label").text for s in values.select("select")}
    assert any("Tattoo Studio" in text and "(1 row)" in text for text in labels.values())
    data = {**form_choices(values), "preset_name": "Our <b>Uniform</b> export"}
    check_url = client.post(values_url, data=data).headers["Location"]
    press(client, check_url, "import")
    names = sorted(r["name"] for r in premises_rows(app))
    assert "Ink Studio" not in names  # the tattoo studio's value was proposed as "skip"
    assert "Stoneygate Beauty" in names

    _url, page = _columns_page(client, CASE, "second.csv")
    html = str(page.select_one("#presets"))
    assert "Our &lt;b&gt;Uniform&lt;/b&gt; export" in html and "<b>Uniform</b>" not in html
    assert page.select_one("#preset option[selected]").text.startswith("Our <b>Uniform</b>")


def test_a_shipped_presets_name_cannot_be_taken(app):
    client = signed_in(app)
    url, page = _columns_page(client, CASE)
    values_url = client.post(url, data=form_choices(page)).headers["Location"]
    data = {**form_choices(report(client, values_url)), "preset_name": "business RATES list"}
    page = parse(client.post(values_url, data=data).get_data(as_text=True))
    assert "comes with the app: choose another name" in page.select_one(".govuk-error-summary").text


def test_the_check_page_is_not_reached_before_the_mapping_is_confirmed(app):
    client = signed_in(app)
    url = upload(client, CASE).headers["Location"]
    report_url = url.removesuffix("/columns")
    assert client.get(report_url).headers["Location"] == url
    assert client.get(f"{report_url}/values").headers["Location"] == url


def test_headings_with_markup_are_shown_as_text(app):
    client = signed_in(app)
    data = b'name,sector,address,postcode,"<img src=x onerror=alert(1)>"\nA,nails,1 Rd,LE1 1AA,x\n'
    _url, page = _columns_page(client, data)
    html = str(page)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


# -- The command line -----------------------------------------------------------------------


def test_a_dry_run_reports_and_writes_nothing(app, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(RATES)
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Columns (the mapping 'Business rates list')" in result.output
    assert "4 new, 0 updated, 0 unchanged, 0 with problems." in result.output
    assert "2 rows skipped for their sector: OFFICES AND PREMISES (1); SHOP AND PREMISES (1)" in (
        result.output
    )
    assert "Nothing imported (a dry run)." in result.output
    assert premises_rows(app) == []


def test_a_mapping_saved_from_the_command_line_is_used_by_name(app, tmp_path):
    path = tmp_path / "case.csv"
    path.write_bytes(CASE)
    runner = app.test_cli_runner()
    mapping = tmp_path / "tattoo.toml"
    mapping.write_text(
        'name = "With tattoos as skip"\n'
        "other_sectors = 'skip'\n[columns]\n"
        'name = "Premises Name"\nsector = "Business Type"\naddress_line_1 = "Address Line 1"\n'
        'postcode = "Post Code"\nexternal_ref = "Premises Ref"\n'
    )
    first = runner.invoke(
        args=["premises", "import", str(path), "--mapping", str(mapping), "--yes",
              "--save-mapping", "Case lite"]
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert "Saved the mapping as 'Case lite'." in first.output
    assert "Imported: 6 added" in first.output  # the rounded UPRN is not read by this one
    again = runner.invoke(args=["premises", "import", str(path), "--mapping", "case LITE"])
    assert "Columns (the mapping 'Case lite')" in again.output
    assert "0 new, 0 updated, 6 unchanged" in again.output
    listed = runner.invoke(args=["premises", "mappings"]).output
    assert "Case lite (saved)" in listed and "Business rates list (comes with the app)" in listed


def test_an_unknown_mapping_name_lists_the_known_ones(app, tmp_path):
    path = tmp_path / "case.csv"
    path.write_bytes(CASE)
    result = app.test_cli_runner().invoke(
        args=["premises", "import", str(path), "--mapping", "Nope"]
    )
    assert result.exit_code == 1
    assert "There is no mapping called 'Nope'. Use one of" in result.output
    assert "'Case-management export'" in result.output


def test_exports_carry_the_grid_reference_the_file_gave_and_how_each_was_placed(app, tmp_path):
    path = tmp_path / "case.csv"
    path.write_bytes(CASE)
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert "Imported: 5 added" in result.output, result.output
    client = signed_in(app)
    response = client.get("/exports/sites.geojson?agency=police&everything=1")
    features = {f["properties"]["name"]: f for f in response.get_json()["features"]}
    props = features["Belgrave Valeting"]["properties"]
    assert (props["easting"], props["northing"], props["placed_by"]) == (459034, 305273, "import")
    lon, lat = features["Belgrave Valeting"]["geometry"]["coordinates"]
    assert distance_m(lat, lon, *TRUE_POSITIONS["Belgrave Valeting"]) < 10


def test_the_apps_own_csv_export_imports_again_as_the_same_premises(app, tmp_path):
    path = tmp_path / "rates.csv"
    path.write_bytes(RATES)
    runner = app.test_cli_runner()
    assert (
        "Imported: 4 added" in runner.invoke(args=["premises", "import", str(path), "--yes"]).output
    )
    client = signed_in(app)
    exported = client.get("/exports/sites.csv?agency=police&everything=1").get_data()
    assert b"'=HYPERLINK" in exported  # kept from running as a formula in a spreadsheet
    again = tmp_path / "export.csv"
    again.write_bytes(exported)
    result = runner.invoke(args=["premises", "import", str(again), "--dry-run"])
    assert "Columns (the mapping 'This app's own export')" in result.output, result.output
    assert "0 new, 0 updated, 4 unchanged, 0 with problems." in result.output


def test_a_sector_column_with_hundreds_of_values_is_not_taken_for_one(app):
    rows = "".join(f"Wash {i},Kind {i},{i} Road,LE1 1AA\n" for i in range(600))
    client = signed_in(app)
    url, page = _columns_page(client, ("name,sector,address,postcode\n" + rows).encode())
    values_url = client.post(url, data=form_choices(page)).headers["Location"]
    page = report(client, values_url)
    assert "The sector column has too many values" in page.h1.text
    assert "600 different values" in page.text
    assert page.select_one(f'a[href="{url}"]')


def test_control_characters_in_headings_are_removed_before_they_are_shown_or_saved():
    text = "Na\x1bme,Sec\x00tor,Add\u202eress,Postcode\nA,nails,1 Rd,LE1 1AA\n"
    table = imports.read_table(text.encode())
    assert table.headings == ["Name", "Sector", "Address", "Postcode"]


def test_a_uprn_in_other_scripts_digits_is_refused_as_places_refuses_it():
    parsed = imports.parse(
        "name,sector,address,postcode,uprn\nA,nails,1 Rd,LE1 1AA,１２３\n".encode()
    )
    assert "is not a UPRN" in parsed.problems[0].message
