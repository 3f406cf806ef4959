"""Importing premises from a CSV file: on the web (check, look up, import) and in the shell."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from fieldapp import audit, imports
from fieldapp.imports.mapping import guess_sector
from fieldapp.permissions import rule_for
from fieldapp.queries import connect
from fieldapp.timeutil import utcnow
from tests.conftest import AuthActions, csrf_token, make_app, parse
from tests.nominatim_server import running_nominatim
from tests.visit_helpers import CLOCK_TOWER, add_premises

FIXTURES = Path(__file__).resolve().parent / "import_fixtures"
GOOD = (FIXTURES / "good.csv").read_bytes()
HEADER = "name,sector,address,postcode,latitude,longitude,external_ref\n"
USER_AGENT = "fieldapp-tests (test@example.invalid)"


def with_register(app):
    """The app, which wires the import pages and command itself."""
    return app


@pytest.fixture
def app(tmp_path):
    return with_register(make_app(tmp_path))


def geocoding_app(tmp_path, url, **overrides):
    return with_register(
        make_app(
            tmp_path,
            GEOCODER_URL=url,
            GEOCODER_MIN_DELAY_SECONDS=0,
            GEOCODER_USER_AGENT=USER_AGENT,
            **overrides,
        )
    )


def signed_in(app, role="coordinator"):
    client = app.test_client()
    AuthActions(client).login(role)
    return client


def upload(client, data: bytes, filename="premises.csv", expected=302):
    """Send a file to the upload page; return the response."""
    page = client.get("/imports")
    response = client.post(
        "/imports",
        data={
            "csrf_token": csrf_token(page.get_data(as_text=True)),
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == expected, response.get_data(as_text=True)
    return response


def form_choices(page) -> dict[str, str]:
    """What a form on ``page`` would send as it stands: selected options, checked radios,
    text inputs and the CSRF token."""
    data = {}
    for select in page.select("form[method=post] select"):
        option = select.select_one("option[selected]") or select.select_one("option")
        data[select["name"]] = option["value"]
    for field in page.select("form[method=post] input"):
        if field.get("type") == "radio":
            if field.has_attr("checked"):
                data[field["name"]] = field["value"]
        elif field.get("name"):
            data[field["name"]] = field.get("value", "")
    return data


def confirm_mapping(client, columns_url, **changes) -> str:
    """Accept the proposed columns and sector values (with ``changes`` to either form's
    fields); return the URL of the report."""
    page = report(client, columns_url)
    response = client.post(columns_url, data=form_choices(page))
    assert response.status_code == 302, response.get_data(as_text=True)
    values_url = response.headers["Location"]
    assert values_url.endswith("/values")
    data = {**form_choices(report(client, values_url)), **changes}
    response = client.post(values_url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def uploaded(client, data: bytes, filename="premises.csv", **changes) -> str:
    """Upload a file, accept the proposed mapping; return the URL of its report."""
    location = upload(client, data, filename).headers["Location"]
    assert location.startswith("/imports/") and location.endswith("/columns")
    report_url = confirm_mapping(client, location, **changes)
    assert report_url == location.removesuffix("/columns")
    return report_url


def report(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return parse(response.get_data(as_text=True))


def counts(page) -> dict[str, int]:
    return {dd["data-count"]: int(dd.text) for dd in page.select("[data-count]")}


def summary_list(page, list_id) -> dict[str, str]:
    rows = page.select(f"#{list_id} .govuk-summary-list__row")
    return {r.dt.text.strip(): r.dd.text.strip() for r in rows}


def press(client, report_url, action, expected=302, json_wanted=False):
    """Press a button on the report (``import`` or ``lookup``) with the page's CSRF token."""
    token = csrf_token(client.get(report_url).get_data(as_text=True))
    headers = {"Accept": "application/json"} if json_wanted else {}
    response = client.post(f"{report_url}/{action}", data={"csrf_token": token}, headers=headers)
    assert response.status_code == expected, response.get_data(as_text=True)
    return response


def premises_rows(app) -> list[dict]:
    db = connect(app.config["DATABASE"])
    rows = list(db.query("SELECT * FROM premises ORDER BY id"))
    db.conn.close()
    return rows


def audit_rows(app, prefix="premises.import") -> list[dict]:
    db = connect(app.config["DATABASE"])
    rows = list(db.query("SELECT * FROM audit WHERE action LIKE ? ORDER BY id", [f"{prefix}%"]))
    db.conn.close()
    return rows


def kept_files(app) -> list[str]:
    folder = Path(app.instance_path) / "imports"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# -- A good file, on the web -----------------------------------------------------------------


def test_good_file_is_checked_then_imported_with_an_audit_row_each(app):
    client = signed_in(app)
    url = uploaded(client, GOOD, "council register.csv")
    page = report(client, url)
    assert counts(page) == {"new": 4, "updated": 0, "unchanged": 0, "bad": 0}
    assert "council register.csv" in page.h1.text
    assert page.select_one("#import-button").text.strip() == "Import 4 good rows"

    response = press(client, url, "import")
    assert response.headers["Location"] == f"{url}/done"
    done = report(client, f"{url}/done")
    assert [a.text for a in done.select("#added a")] == [
        "Sparkle Hand Car Wash",
        "Glamour Nails",
        "Bubbles Car Wash",
        "Polished Nails",
    ]
    rows = premises_rows(app)
    assert [(r["sector"], r["postcode"], r["external_ref"]) for r in rows] == [
        ("hand_car_wash", "LE3 0AB", "LIC-001"),
        ("nail_bar", "LE1 4FP", "LIC-002"),
        ("hand_car_wash", "LE1 3GQ", None),
        ("nail_bar", "LE2 0QA", None),
    ]
    assert rows[3]["address"] == "4 London Road, Stoneygate"
    assert (rows[0]["latitude"], rows[0]["longitude"], rows[0]["location_source"]) == (
        52.6301,
        -1.1502,
        "import",
    )
    assert rows[0]["local_authority"] == "Leicester" and rows[3]["local_authority"] == ""
    assert {r["created_by"] for r in rows} == {2}  # the coordinator
    trail = audit_rows(app)
    assert [a["action"] for a in trail] == ["premises.import_create"] * 4 + ["premises.import"]
    assert [a["record_id"] for a in trail[:4]] == [str(r["id"]) for r in rows]
    assert trail[0]["username"] == "cole.coordinator"
    summary = json.loads(trail[-1]["detail"])
    assert summary["created"] == 4 and summary["file"] == "council register.csv"
    # The file is gone from the server once imported.
    assert not [name for name in kept_files(app) if name.endswith(".csv")]


def test_nothing_is_written_until_the_import_is_accepted(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    report(client, url)
    report(client, url)  # looking again changes nothing either
    assert premises_rows(app) == []
    assert audit_rows(app) == []


def test_imported_premises_search_finds_them(app):
    client = signed_in(app)
    press(client, uploaded(client, GOOD), "import")
    page = report(client, "/premises/?q=glamour")
    assert [a.text for a in page.select("#results li > a.govuk-link")] == ["Glamour Nails"]


def test_names_from_the_file_are_escaped_on_every_page(app):
    client = signed_in(app)
    url = uploaded(client, (HEADER + "<b>Bold</b> Wash,car wash,1 Road,LE1 1AA,,,\n").encode())
    html = client.get(url).get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; Wash" in html and "<b>Bold</b>" not in html
    press(client, url, "import")
    html = client.get(f"{url}/done").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; Wash" in html and "<b>Bold</b>" not in html


# -- Bad rows and bad files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (3, "name is empty: enter the business name"),
        (5, "address is empty: enter the street address"),
        (6, "postcode 'NOT A CODE' is not a UK postcode: correct it, like LE1 5AA"),
        (7, "latitude '152.1' is not between -90 and 90"),
        (8, "latitude '52,63' is not a number: use a full stop for decimals"),
        (9, "latitude is filled in but longitude is empty"),
        (10, "latitude and longitude look the wrong way round"),
        (11, "the same name and postcode are also on line 2"),
    ],
)
def test_each_bad_row_is_reported_with_its_line_and_reason(app, line, reason):
    client = signed_in(app)
    page = report(client, uploaded(client, (FIXTURES / "bad.csv").read_bytes()))
    problems = {
        int(tr.select("td")[0].text): tr.select("td")[1].text
        for tr in page.select("#problems tbody tr")
    }
    assert sorted(problems) == [3, 5, 6, 7, 8, 9, 10, 11]
    assert reason in problems[line]
    # "garage" is not a sector we visit, so the mapping proposed skipping its row.
    assert counts(page) == {"new": 1, "updated": 0, "unchanged": 0, "bad": 8, "skipped": 1}
    assert "garage (1 row)" in " ".join(page.select_one("#skipped").text.split())


def test_good_rows_are_imported_and_bad_rows_skipped(app):
    client = signed_in(app)
    url = uploaded(client, (FIXTURES / "bad.csv").read_bytes())
    assert "Import 1 good row" in report(client, url).select_one("#import-button").text
    press(client, url, "import")
    assert [r["name"] for r in premises_rows(app)] == ["Good Car Wash"]
    detail = json.loads(audit_rows(app)[-1]["detail"])
    assert (detail["skipped"], detail["skipped_by_sector"]) == (8, 1)


def test_a_row_with_several_problems_names_each_one():
    parsed = imports.parse(b"name,sector,address,postcode\n,boat,,\n")
    assert [str(p) for p in parsed.problems] == [
        "line 2: name is empty: enter the business name; sector 'boat' is not hand car wash "
        "or nail bar: change it to one of those; address is empty: enter the street address; "
        "postcode is empty: enter the postcode, like LE1 5AA (it can be left empty only when "
        "the row has an external_ref or a UPRN)"
    ]


def test_a_file_without_a_sector_column_asks_the_sector_of_every_row(app):
    client = signed_in(app)
    columns_url = upload(client, (FIXTURES / "missing_column.csv").read_bytes()).headers["Location"]
    values_url = client.post(columns_url, data=form_choices(report(client, columns_url)))
    values_url = values_url.headers["Location"]
    page = report(client, values_url)
    legend = page.select_one("legend").text
    assert "The file has no sector column. What are the premises in it?" in legend
    # Continuing without choosing is refused, naming the question.
    response = client.post(values_url, data=form_choices(page))
    page = parse(response.get_data(as_text=True))
    summary = page.select_one(".govuk-error-summary")
    assert "Choose the sector of the premises in this file" in summary.text
    assert summary.select_one('a[href="#sector_default"]')["href"] == "#sector_default"
    assert page.select_one("#sector_default")
    assert page.title.text.startswith("Error:")
    assert premises_rows(app) == []
    response = client.post(values_url, data={**form_choices(page), "sector_default": "nail_bar"})
    url = response.headers["Location"]
    press(client, url, "import")
    assert [(r["name"], r["sector"]) for r in premises_rows(app)] == [
        ("Sparkle Hand Car Wash", "nail_bar")
    ]


def test_a_file_with_no_readable_table_is_refused_at_upload_and_not_kept(app):
    client = signed_in(app)
    response = upload(client, b"name,sector,address,postcode\n", expected=200)
    page = parse(response.get_data(as_text=True))
    summary = page.select_one(".govuk-error-summary")
    assert "The file has a header row but no premises" in summary.text
    assert summary.select_one('a[href="#file"]')
    assert page.title.text.startswith("Error:")
    assert kept_files(app) == []


def test_no_file_chosen_asks_for_one(app):
    client = signed_in(app)
    page = client.get("/imports")
    response = client.post("/imports", data={"csrf_token": csrf_token(page.get_data(as_text=True))})
    assert (
        "Select a CSV file"
        in parse(response.get_data(as_text=True)).select_one(".govuk-error-summary").text
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"name,sector,address,postcode\n", "header row but no premises"),
        (
            b"title,kind\nA,B\n",
            r"no column for the name \(or trading name\), the sector .* and the address",
        ),
        (b"name,address,postcode\nA,B,LE1 1AA\n", "The file has no column for the sector"),
        (b"name,sector,postcode\nA,nails,LE1 1AA\n", "no column for the address"),
        (b"name,sector,address,postcode,name\nA,nails,B,LE1 1AA,A\n", "'name' appears twice"),
        (
            b"name,sector,address,postcode,latitude\nA,nails,B,LE1 1AA,52\n",
            "a latitude column but no longitude column",
        ),
        (
            b"name,sector,address,postcode,northing\nA,nails,B,LE1 1AA,304563\n",
            "a northing column but no easting column",
        ),
        (b"PK\x03\x04rest of a workbook", "Excel workbook, not a CSV file"),
        (b"x" * (imports.MAX_BYTES + 1), "larger than 5 MB"),
        (
            b"name,sector,address,postcode\n" + b"A,nails,B,LE1 1AA\n" * (imports.MAX_ROWS + 1),
            "more than 20,000 rows",
        ),
    ],
)
def test_files_that_cannot_be_imported_say_why(data, message):
    with pytest.raises(imports.ImportFileError, match=message):
        imports.parse(data)


def test_a_file_too_large_is_refused_on_the_page(app):
    client = signed_in(app)
    response = upload(client, GOOD + b" " * imports.MAX_BYTES, expected=200)
    assert "larger than 5 MB" in response.get_data(as_text=True)
    assert kept_files(app) == []


def test_the_most_rows_allowed_are_read():
    data = b"name,sector,address,postcode\n" + b"".join(
        b"Wash %d,car wash,%d Road,LE1 1AA\n" % (i, i) for i in range(imports.MAX_ROWS)
    )
    assert len(imports.parse(data).rows) == imports.MAX_ROWS


def test_line_numbers_are_spreadsheet_rows_even_with_blank_rows_and_multi_line_cells():
    data = (
        b'name,sector,address,postcode\n"Two\nLine Wash",car wash,"1 Road\nLeicester",LE1 1AA\n'
        b",,,\nBad,garage,3 Road,LE1 1AC\n\n"
    )
    parsed = imports.parse(data)
    assert [r.line for r in parsed.rows] == [2]
    assert parsed.rows[0].name == "Two Line Wash"
    assert parsed.rows[0].address == "1 Road Leicester"
    assert [p.line for p in parsed.problems] == [4]


def test_an_unquoted_comma_in_an_address_is_reported():
    parsed = imports.parse(b"name,sector,address,postcode\nA,nails,1 Road, Leicester,LE1 1AA\n")
    assert "more cells than the header row" in str(parsed.problems[0])


def test_extra_columns_are_ignored_and_named():
    parsed = imports.parse(b"Name,Sector,Address,Postcode,Notes\nA,nails,1 Road,LE1 1AA,x\n")
    assert len(parsed.rows) == 1
    assert parsed.notes == ["These columns are not used and were ignored: 'Notes'."]


def test_semicolon_separated_files_from_european_excel_are_read():
    parsed = imports.parse(b"name;sector;address;postcode\nA;nails;1 Road, Leicester;LE1 1AA\n")
    assert parsed.rows[0].address == "1 Road, Leicester"


@pytest.mark.parametrize(
    ("text", "sector"),
    [
        ("hand_car_wash", "hand_car_wash"),
        ("Hand Car Wash", "hand_car_wash"),
        ("car wash", "hand_car_wash"),
        (" CAR-WASH ", "hand_car_wash"),
        ("nail_bar", "nail_bar"),
        ("Nail bar", "nail_bar"),
        ("nails", "nail_bar"),
        ("garage", None),
        ("", None),
    ],
)
def test_sector_spellings(text, sector):
    assert guess_sector(text) == sector


@pytest.mark.parametrize(
    ("name", "normalised"),
    [("Bubbles  Car-Wash!", "bubbles car wash"), ("ST. MARY'S NAILS", "st mary s nails")],
)
def test_names_are_compared_without_case_punctuation_or_extra_spaces(name, normalised):
    assert imports.normalise_name(name) == normalised


# -- Encodings -------------------------------------------------------------------------------


def test_excel_utf8_with_byte_order_mark(app):
    client = signed_in(app)
    url = uploaded(client, (FIXTURES / "excel_utf8_bom.csv").read_bytes())
    page = report(client, url)
    assert counts(page)["new"] == 1
    assert not page.select("[data-testid=file-note]")
    press(client, url, "import")
    assert premises_rows(app)[0]["name"] == "Café Crème Nails"


def test_excel_windows_1252_is_read_and_the_report_says_so(app):
    client = signed_in(app)
    url = uploaded(client, (FIXTURES / "excel_cp1252.csv").read_bytes())
    page = report(client, url)
    assert "read as Windows text" in page.select_one("[data-testid=file-note]").text
    assert "Café Crème Nails" in page.select_one("#new-premises").text
    press(client, url, "import")
    assert (premises_rows(app)[0]["name"], premises_rows(app)[0]["address"]) == (
        "Café Crème Nails",
        "1 Röad",
    )


def test_excel_unicode_text_is_read():
    text = "name\tsector\taddress\tpostcode\r\nŁódź Nails\tnails\t1 Road\tLE1 1AA\r\n"
    parsed = imports.parse(text.encode("utf-16"))
    assert (parsed.encoding, parsed.rows[0].name) == ("UTF-16", "Łódź Nails")


def test_text_that_is_neither_utf8_nor_windows_is_refused():
    with pytest.raises(imports.ImportFileError, match="could not be read"):
        imports.parse(b"name,sector,address,postcode\n\x81\x8d,nails,1 Road,LE1 1AA\n")


# -- Importing again -------------------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(app):
    for _ in range(2):
        client = signed_in(app)
        url = uploaded(client, GOOD)
        first = counts(report(client, url))
        press(client, url, "import")
    assert first == {"new": 0, "updated": 0, "unchanged": 4, "bad": 0}
    assert len(premises_rows(app)) == 4
    assert [a["action"] for a in audit_rows(app)].count("premises.import_create") == 4
    assert not audit_rows(app, "premises.import_update")


def test_a_changed_file_updates_matching_on_external_ref_then_name_and_postcode(app):
    runner = app.test_cli_runner()
    path = Path(app.instance_path) / "register.csv"
    path.write_bytes(GOOD)
    assert runner.invoke(args=["premises", "import", str(path), "--yes"]).exit_code == 0
    changed = GOOD.decode()
    for old, new in [
        # external_ref LIC-001: renamed and moved; matched on the reference.
        (
            "Sparkle Hand Car Wash,hand_car_wash,1 Narborough Road,LE3 0AB,52.6301",
            "Sparkle Valeting,hand_car_wash,3 Narborough Road,LE3 0AD,52.6302",
        ),
        # No reference: matched on name and postcode written differently; new coordinates.
        (
            "Bubbles Car Wash,Car Wash,Unit 3 Belgrave Gate,LE1 3GQ,52.6420",
            "BUBBLES  car-wash,Car Wash,Unit 3 Belgrave Gate,le13gq,52.6425",
        ),
        # No reference: only the postcode's case differs, so nothing changes.
        ("LE2 0QA", "le2 0qa"),
    ]:
        assert old in changed
        changed = changed.replace(old, new)
    path.write_text(changed)
    result = runner.invoke(args=["premises", "import", str(path), "--yes"])
    assert "0 new, 2 updated, 2 unchanged, 0 with problems." in result.output
    rows = {r["id"]: r for r in premises_rows(app)}
    assert len(rows) == 4
    assert (rows[1]["name"], rows[1]["address"], rows[1]["postcode"], rows[1]["latitude"]) == (
        "Sparkle Valeting",
        "3 Narborough Road",
        "LE3 0AD",
        52.6302,
    )
    assert (rows[3]["name"], rows[3]["postcode"], rows[3]["latitude"]) == (
        "BUBBLES car-wash",
        "LE1 3GQ",
        52.6425,
    )
    updates = audit_rows(app, "premises.import_update")
    assert [u["record_id"] for u in updates] == ["1", "3"]
    assert json.loads(updates[0]["detail"])["changes"]["name"] == [
        "Sparkle Hand Car Wash",
        "Sparkle Valeting",
    ]


def test_a_premises_added_by_an_officer_is_matched_and_keeps_its_gps_location(app):
    premises_id = add_premises(app, "Testford Hand Car Wash")  # 1 Test Street, LE1 5AA, GPS
    before = premises_rows(app)[0]
    client = signed_in(app)
    url = uploaded(
        client,
        (HEADER + "Testford Hand Car Wash,car wash,1 Test Street,LE1 5AA,,,TF-9\n").encode(),
    )
    page = report(client, url)
    assert counts(page) == {"new": 0, "updated": 1, "unchanged": 0, "bad": 0}
    assert "external ref: (blank) to TF-9" in page.select_one("#updates").text
    press(client, url, "import")
    after = premises_rows(app)[0]
    assert after["id"] == premises_id and after["external_ref"] == "TF-9"
    assert (after["latitude"], after["longitude"], after["location_source"]) == (
        before["latitude"],
        before["longitude"],
        "gps",
    )


def test_a_row_whose_sector_disagrees_with_the_register_is_reported(app):
    client = signed_in(app)
    press(client, uploaded(client, GOOD), "import")
    changed = GOOD.decode().replace("Glamour Nails,nail bar", "Glamour Nails,car wash").encode()
    page = report(client, uploaded(client, changed))
    problem = page.select_one("#problems tbody tr").text
    assert "3" in problem and "sector is hand car wash but 'Glamour Nails'" in problem


def test_the_same_external_ref_twice_in_a_file_is_reported():
    parsed = imports.parse(
        (HEADER + "A,nails,1 Road,LE1 1AA,,,R1\nB,nails,2 Road,LE1 1AB,,,R1\n").encode()
    )
    db = connect(":memory:")
    from fieldapp.migrations import migrate

    migrate(db)
    plan = imports.plan(db, parsed)
    assert [str(p) for p in plan.problems] == [
        "line 3: external_ref 'R1' is also on line 2: remove one of the two rows"
    ]


# -- All or nothing --------------------------------------------------------------------------


def test_a_failure_part_way_through_writes_nothing_and_the_file_can_be_imported_again(
    app, monkeypatch
):
    real = audit.record
    calls = []

    def failing(*args, **kwargs):
        calls.append(args[0])
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    client = signed_in(app)
    url = uploaded(client, GOOD)
    monkeypatch.setattr(audit, "record", failing)
    press(client, url, "import", expected=500)
    assert calls == ["premises.import_create"] * 3
    assert premises_rows(app) == []
    assert audit_rows(app) == []

    monkeypatch.setattr(audit, "record", real)
    press(client, url, "import")
    assert len(premises_rows(app)) == 4


def test_pressing_import_twice_imports_once(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    token = csrf_token(client.get(url).get_data(as_text=True))
    first = client.post(f"{url}/import", data={"csrf_token": token})
    second = client.post(f"{url}/import", data={"csrf_token": token})
    assert first.headers["Location"] == second.headers["Location"] == f"{url}/done"
    assert len(premises_rows(app)) == 4
    assert len(audit_rows(app, "premises.import_create")) == 4


# -- Who may use it --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["inspector", "partner"])
def test_inspectors_and_partners_are_refused(app, role):
    owner = signed_in(app)
    url = uploaded(owner, GOOD)
    client = signed_in(app, role)
    assert client.get("/imports").status_code == 403
    assert client.get(url).status_code == 403
    home = client.get("/").get_data(as_text=True)
    for action in ("lookup", "import"):
        response = client.post(f"{url}/{action}", data={"csrf_token": csrf_token(home)})
        assert response.status_code == 403
    assert premises_rows(app) == []


def test_every_import_route_is_for_coordinators_and_admins(app):
    rules = {
        rule.endpoint: rule_for(rule.endpoint, app)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("imports.")
    }
    assert sorted(rules) == [
        "imports.accept",
        "imports.check",
        "imports.columns",
        "imports.done",
        "imports.lookup",
        "imports.upload",
        "imports.values",
    ]
    assert set(rules.values()) == {frozenset({"coordinator", "admin"})}


def test_buttons_without_the_form_token_are_refused(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    for action in ("lookup", "import", "columns", "values"):
        assert client.post(f"{url}/{action}").status_code == 400
    assert premises_rows(app) == []


def test_admins_may_import(app):
    client = signed_in(app, "admin")
    press(client, uploaded(client, GOOD), "import")
    assert len(premises_rows(app)) == 4


def test_signed_out_people_are_sent_to_sign_in(app):
    response = app.test_client().get("/imports")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_an_upload_can_be_used_only_by_the_person_who_uploaded_it(app):
    url = uploaded(signed_in(app, "coordinator"), GOOD)
    other = signed_in(app, "admin")
    page = other.get(url)
    assert page.status_code == 404
    assert "This import cannot be found" in page.get_data(as_text=True)
    token = csrf_token(page.get_data(as_text=True))
    for action in ("lookup", "import"):
        assert other.post(f"{url}/{action}", data={"csrf_token": token}).status_code == 404
    assert other.get(f"{url}/done").status_code == 404
    assert premises_rows(app) == []


@pytest.mark.parametrize("token", ["../../config", "short", "a" * 80])
def test_made_up_upload_names_are_not_found(app, token):
    assert signed_in(app).get(f"/imports/{token}").status_code == 404


def test_uploads_older_than_a_day_expire_and_are_removed(app):
    client = signed_in(app)
    url = uploaded(client, GOOD)
    token = url.rsplit("/", 1)[1]
    meta_path = Path(app.instance_path) / "imports" / f"{token}.json"
    meta = json.loads(meta_path.read_text())
    meta["uploaded_at"] = (utcnow() - timedelta(hours=25)).isoformat()
    meta_path.write_text(json.dumps(meta))
    assert client.get(url).status_code == 404
    assert kept_files(app) == []


def test_an_upload_sweeps_away_other_expired_uploads(app):
    client = signed_in(app)
    old = uploaded(client, GOOD).rsplit("/", 1)[1]
    meta_path = Path(app.instance_path) / "imports" / f"{old}.json"
    meta = json.loads(meta_path.read_text())
    meta["uploaded_at"] = (utcnow() - timedelta(days=3)).isoformat()
    meta_path.write_text(json.dumps(meta))
    new = uploaded(client, GOOD).rsplit("/", 1)[1]
    assert kept_files(app) == [f"{new}.csv", f"{new}.json"]


# -- Looking up addresses --------------------------------------------------------------------

NO_COORDINATES = (FIXTURES / "no_coordinates.csv").read_bytes()
KNOWN = {
    "1 found street, le1 1aa": (52.6301, -1.1301),
    "3 found street, le1 1ac": (52.6303, -1.1303),
}


def test_addresses_are_looked_up_in_batches_then_imported(tmp_path):
    with running_nominatim(KNOWN) as server:
        app = geocoding_app(tmp_path, server.url, IMPORT_LOOKUP_BATCH=2)
        client = signed_in(app)
        url = uploaded(client, NO_COORDINATES)
        page = report(client, url)
        assert "Look up 3 addresses" in page.select_one("#lookup-form button").text
        assert server.requests == []  # the check itself sends nothing

        first = press(client, url, "lookup", expected=200, json_wanted=True).get_json()
        assert first == {"done": 2, "total": 3, "remaining": 1, "error": None}
        second = press(client, url, "lookup", expected=200, json_wanted=True).get_json()
        assert second == {"done": 3, "total": 3, "remaining": 0, "error": None}
        assert [r.user_agent for r in server.searches] == [USER_AGENT] * 3

        page = report(client, url)
        assert not page.select("#lookup-form")
        assert "(line 3)" in page.select_one("#not-found").text
        press(client, url, "import")
        assert len(server.searches) == 3  # the import uses what was looked up
    rows = {r["name"]: r for r in premises_rows(app)}
    assert (rows["Found Car Wash"]["latitude"], rows["Found Car Wash"]["location_source"]) == (
        52.6301,
        "geocoder",
    )
    assert rows["Lost Nails"]["latitude"] is None and rows["Lost Nails"]["location_source"] is None
    done = report(client, f"{url}/done")
    assert summary_list(done, "result")["Imported without a location"] == "1"


def test_looking_up_without_javascript_does_a_batch_and_returns_to_the_report(tmp_path):
    with running_nominatim(KNOWN) as server:
        app = geocoding_app(tmp_path, server.url, IMPORT_LOOKUP_BATCH=1)
        client = signed_in(app)
        url = uploaded(client, NO_COORDINATES)
        assert press(client, url, "lookup").headers["Location"] == url
        page = report(client, url)
        assert "1 of 3 addresses looked up" in page.select_one("#lookup-status").text
        assert "Continue looking up addresses" in page.select_one("#lookup-form button").text


def test_addresses_already_in_the_cache_are_not_asked_again(tmp_path):
    with running_nominatim(KNOWN) as server:
        app = geocoding_app(tmp_path, server.url)
        client = signed_in(app)
        url = uploaded(client, NO_COORDINATES)
        press(client, url, "lookup", expected=200, json_wanted=True)
        url = uploaded(client, NO_COORDINATES)
        assert not report(client, url).select("#lookup-form")
        press(client, url, "import")
        assert len(server.searches) == 3
    assert sum(r["latitude"] is not None for r in premises_rows(app)) == 2


def test_when_the_lookup_server_is_down_the_premises_are_imported_without_a_location(tmp_path):
    with running_nominatim(KNOWN) as server:
        url_of_stopped_server = server.url
    app = geocoding_app(tmp_path, url_of_stopped_server)
    client = signed_in(app)
    url = uploaded(client, NO_COORDINATES)
    answer = press(client, url, "lookup", expected=200, json_wanted=True).get_json()
    assert answer["remaining"] == 3
    assert "could not be reached" in answer["error"]
    # Without JavaScript the same message is shown on the report.
    press(client, url, "lookup")
    page = report(client, url)
    banner = page.select_one(".govuk-notification-banner:not(#outbox-banner)")
    assert "could not be reached" in banner.text
    assert "3 premises will have no location" in page.select_one(".govuk-warning-text").text
    press(client, url, "import")
    assert [r["latitude"] for r in premises_rows(app)] == [None, None, None]
    assert json.loads(audit_rows(app)[-1]["detail"])["without_location"] == 3


def test_when_lookups_are_switched_off_the_report_says_so(app):
    client = signed_in(app)
    url = uploaded(client, NO_COORDINATES)
    page = report(client, url)
    assert not page.select("#lookup-form")
    assert "address lookup is not switched on" in page.select_one("#no-lookup").text
    press(client, url, "import")
    assert len(premises_rows(app)) == 3


# -- The shell command -----------------------------------------------------------------------


def test_command_without_yes_reports_and_imports_nothing(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes((FIXTURES / "bad.csv").read_bytes())
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 updated, 0 unchanged, 9 with problems." in result.output
    assert "line 4: sector 'garage' is not hand car wash or nail bar" in result.output
    assert "Run again with --yes to import 1 row." in result.output
    assert premises_rows(app) == []


def test_command_with_yes_imports_and_audits_as_the_command_line(app, tmp_path):
    path = tmp_path / "good.csv"
    path.write_bytes(GOOD)
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "Imported: 4 added, 0 updated, 0 unchanged, 0 rows skipped." in result.output
    assert len(premises_rows(app)) == 4
    trail = audit_rows(app)
    assert {a["username"] for a in trail} == {"(command line)"}
    assert len(trail) == 5


def test_command_refuses_a_file_with_a_missing_column(app):
    path = FIXTURES / "missing_column.csv"
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert result.exit_code == 1
    assert "The file has no column for the sector" in result.output
    assert premises_rows(app) == []


def test_command_says_when_it_reads_windows_text(app):
    path = FIXTURES / "excel_cp1252.csv"
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert "(read as Windows-1252)" in result.output
    assert premises_rows(app)[0]["name"] == "Café Crème Nails"


def test_command_looks_addresses_up_with_a_progress_bar(tmp_path):
    path = tmp_path / "no_coordinates.csv"
    path.write_bytes(NO_COORDINATES)
    with running_nominatim(KNOWN) as server:
        app = geocoding_app(tmp_path, server.url)
        runner = app.test_cli_runner()
        checked = runner.invoke(args=["premises", "import", str(path)])
        assert "3 addresses would be looked up before importing." in checked.output
        assert server.requests == []
        result = runner.invoke(args=["premises", "import", str(path), "--yes"])
        assert len(server.searches) == 3
    assert "Looking up addresses" in result.output
    assert "1 premises have no location" in result.output
    assert sum(r["latitude"] is not None for r in premises_rows(app)) == 2


def test_command_gives_up_looking_up_when_the_server_is_down(tmp_path):
    path = tmp_path / "no_coordinates.csv"
    path.write_bytes(NO_COORDINATES * 1)
    with running_nominatim(KNOWN) as server:
        url_of_stopped_server = server.url
    app = geocoding_app(tmp_path, url_of_stopped_server)
    result = app.test_cli_runner().invoke(args=["premises", "import", str(path), "--yes"])
    assert result.exit_code == 0, result.output
    assert "could not be reached" in result.output
    assert "3 premises have no location" in result.output
    assert len(premises_rows(app)) == 3


def test_importing_again_once_the_server_is_back_places_the_premises(tmp_path):
    path = tmp_path / "no_coordinates.csv"
    path.write_bytes(NO_COORDINATES)
    with running_nominatim(KNOWN) as server:
        url_of_stopped_server = server.url
    app = geocoding_app(tmp_path, url_of_stopped_server)
    runner = app.test_cli_runner()
    runner.invoke(args=["premises", "import", str(path), "--yes"])
    assert [r["latitude"] for r in premises_rows(app)] == [None, None, None]
    with running_nominatim(KNOWN) as server:
        app.config["GEOCODER_URL"] = server.url
        result = runner.invoke(args=["premises", "import", str(path), "--yes"])
    assert "0 new, 0 updated, 3 unchanged" in result.output  # as checked, before lookups
    assert "Imported: 0 added, 2 updated, 1 unchanged" in result.output
    assert [r["latitude"] for r in premises_rows(app)] == [52.6301, None, 52.6303]


# -- British National Grid -------------------------------------------------------------------


# The Clock Tower's grid position, worked out by PROJ's reverse transform (EPSG:4326 ->
# 27700), so the import's own conversion is checked against an independent direction.
def _clock_tower_on_the_grid():
    from pyproj import Transformer

    to_grid = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    return to_grid.transform(CLOCK_TOWER[1], CLOCK_TOWER[0])


@pytest.mark.parametrize(
    "headings",
    ["Easting,Northing", "X,Y", "X Coordinate,Y Coordinate"],
    ids=["easting northing", "x y", "case management"],
)
def test_british_national_grid_columns_place_the_premises_within_a_metre(headings):
    from fieldapp.geo import distance_m

    easting, northing = _clock_tower_on_the_grid()
    data = (
        f"Name,Sector,Address,Postcode,{headings}\n"
        f'Grid Wash,hand car wash,1 High Street,LE1 5AA,"{easting:,.1f}",{northing:.1f}\n'
    ).encode()
    parsed = imports.parse(data)
    assert parsed.problems == []
    (row,) = parsed.rows
    assert distance_m(row.latitude, row.longitude, *CLOCK_TOWER) < 1


@pytest.mark.parametrize(
    ("easting", "northing", "reason"),
    [
        ("52.6344", "-1.1315", "look like degrees: put them in latitude and longitude"),
        ("304428", "1458872", "outside Great Britain"),
        ("904428", "458872", "look the wrong way round"),
        ("458872", "", "easting is filled in but northing is empty"),
        ("four hundred", "304428", "easting 'four hundred' is not a number of metres"),
    ],
    ids=["degrees", "outside", "swapped", "one missing", "words"],
)
def test_a_bad_grid_reference_is_reported_by_line(easting, northing, reason):
    data = (
        "name,sector,address,postcode,easting,northing\n"
        f"Grid Wash,nail bar,1 High Street,LE1 5AA,{easting},{northing}\n"
    ).encode()
    problems = [str(p) for p in imports.parse(data).problems]
    assert len(problems) == 1 and problems[0].startswith("line 2: ") and reason in problems[0]


def test_own_degrees_win_over_grid_columns():
    data = (
        b"name,sector,address,postcode,latitude,longitude,easting,northing\n"
        b"Both Wash,nail bar,1 High Street,LE1 5AA,52.6,-1.1,458872,304428\n"
    )
    (row,) = imports.parse(data).rows
    assert (row.latitude, row.longitude) == (52.6, -1.1)


# -- UPRN --------------------------------------------------------------------------------------


def test_a_uprn_is_kept_as_text_and_matched_first_on_the_next_import(app):
    client = signed_in(app)
    first = (
        b"Name,Sector,Address,Postcode,UPRN,Latitude,Longitude\n"
        b"Old Name Wash,hand car wash,1 Mill Lane,LE2 7HU,010001234567,52.62,-1.13\n"
    )
    press(client, uploaded(client, first), "import")
    (row,) = premises_rows(app)
    assert row["uprn"] == "10001234567"  # leading zeros are not part of the number
    # The business renamed itself and the file spells the postcode oddly: the UPRN matches.
    second = (
        b"Name,Sector,Address,Postcode,UPRN\n"
        b"New Name Wash,hand car wash,1 Mill Lane,le27hu,10001234567\n"
    )
    url = uploaded(client, second)
    assert counts(report(client, url))["updated"] == 1
    press(client, url, "import")
    (row,) = premises_rows(app)
    assert (row["name"], row["uprn"]) == ("New Name Wash", "10001234567")
    page = client.get(f"/premises/{row['id']}").get_data(as_text=True)
    assert "10001234567" in page


@pytest.mark.parametrize(
    ("uprn", "reason"),
    [
        ("1.00012E+11", "turned into a rounded number by a spreadsheet"),
        ("UPRN-123", "is not a UPRN"),
        ("1234567890123", "is not a UPRN"),
    ],
    ids=["excel scientific", "letters", "13 digits"],
)
def test_a_mangled_uprn_is_reported_by_line(uprn, reason):
    data = f"name,sector,address,postcode,uprn\nA Wash,nail bar,1 Road,LE1 1AA,{uprn}\n".encode()
    problems = [str(p) for p in imports.parse(data).problems]
    assert len(problems) == 1 and problems[0].startswith("line 2: ") and reason in problems[0]


def test_the_same_uprn_twice_in_a_file_is_refused(app):
    data = (
        b"name,sector,address,postcode,uprn\n"
        b"A Wash,nail bar,1 Road,LE1 1AA,100\nB Wash,nail bar,2 Road,LE1 1AB,100\n"
    )
    client = signed_in(app)
    page = report(client, uploaded(client, data))
    assert "UPRN 100 is also on line 2" in page.text
