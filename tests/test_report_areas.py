"""The By area page: figures by ward, local authority and postcode district over a small
council built by hand, expected from its records; the version for sharing; who may see
it; hostile query strings."""

from __future__ import annotations

import csv
import io
from datetime import date
from types import SimpleNamespace

import pytest

from fieldapp.queries import connect
from fieldapp.reports import areas, periods
from tests.conftest import make_app, parse
from tests.report_world import add_premises, add_visit, signed_in

YEAR = periods.financial_year(date(2025, 6, 1))
YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
W1, W2, W3 = "E05000001", "E05000002", "E05000003"
LA1, LA2 = "E06000016", "E07000001"
COLUMNS = tuple(areas.COLUMNS)


def add_postcode(db, key: str, ward: str, la: str) -> None:
    db.execute(
        "INSERT INTO postcodes (postcode, display, latitude, longitude, local_authority, ward, "
        "source) VALUES (?, ?, 52.6, -1.1, ?, ?, 'onspd')",
        [key, f"{key[:-3]} {key[-3:]}", la, ward],
    )


def premises(db, name: str, postcode: str, created: str = "2024-01-10T09:00:00+00:00") -> int:
    pid = add_premises(db, name, "hand_car_wash", created)
    db.execute("UPDATE premises SET postcode = ? WHERE id = ?", [postcode, pid])
    return pid


def build_places(db) -> None:
    """Six premises: four whose postcodes the directory holds (one in any case and
    spacing), one it does not (LE3), one with no postcode."""
    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )
    add_postcode(db, "LE15AA", W1, LA1)
    add_postcode(db, "LE15AB", W2, LA1)
    add_postcode(db, "LE25AA", W3, LA2)
    p1 = premises(db, "Alpha Wash", "LE1 5AA")
    add_visit(db, p1, "2025-05-01T10:00:00+00:00", "high", victims=2)
    add_visit(db, p1, "2025-06-01T10:00:00+00:00", "high")
    add_visit(db, p1, "2025-07-01T10:00:00+00:00", "medium")
    p2 = premises(db, "Bravo Wash", " le1  5ab ")
    add_visit(db, p2, "2025-08-01T10:00:00+00:00", "medium")
    premises(db, "Charlie Wash", "LE2 5AA")
    p4 = premises(db, "Delta Wash", "LE3 9ZZ")
    first = add_visit(db, p4, "2025-09-01T10:00:00+00:00", "low")
    add_visit(db, p4, "2025-09-01T10:00:00+00:00", "high", victims=1, amends=first)
    p5 = premises(db, "Echo Wash", "")
    add_visit(db, p5, "2025-10-01T10:00:00+00:00", "low")
    p6 = premises(db, "Foxtrot Wash", "LE1 5AA")
    add_visit(db, p6, "2025-03-01T10:00:00+00:00", "high")  # the year before
    premises(db, "Golf Wash", "LE1 5AA", "2026-04-02T10:00:00+00:00")  # after the year


@pytest.fixture
def placed(query_db):
    build_places(query_db)
    return areas.build(query_db, YEAR)


def rows(t: areas.Table) -> list[tuple]:
    return [(a.label, *(a.counts[c] for c in COLUMNS)) for a in t.areas]


def test_counts_by_ward_with_the_postcode_district_where_the_directory_has_no_postcode(placed):
    ward = placed.tables[0]
    # register, visited, visits, high, victims; by high-concern visits then visits.
    assert rows(ward) == [
        (W1, 2, 1, 3, 2, 2),
        ("LE3 (postcode district)", 1, 1, 1, 1, 1),
        (W2, 1, 1, 1, 0, 0),
        ("No postcode", 1, 1, 1, 0, 0),
        (W3, 1, 0, 0, 0, 0),
    ]
    assert ward.total == dict(zip(COLUMNS, (6, 4, 6, 3, 3), strict=True))
    assert (ward.fell_back, ward.unplaced) == (1, 1)
    assert (placed.premises, placed.in_directory) == (6, 4)


def test_dates_that_are_not_a_whole_year_count_the_same_from_the_visits(query_db, placed):
    # A whole financial year is added up from the running totals, other dates from the
    # visits one premises at a time: the same days must give the same figures either way.
    same_days = areas.build(query_db, periods.Period(YEAR.start, YEAR.end))
    for kept, counted in zip(placed.tables, same_days.tables, strict=True):
        assert rows(counted) == rows(kept)
        assert counted.total == kept.total


def test_counts_by_local_authority(placed):
    assert rows(placed.tables[1]) == [
        (LA1, 3, 2, 4, 2, 2),
        ("LE3 (postcode district)", 1, 1, 1, 1, 1),
        ("No postcode", 1, 1, 1, 0, 0),
        (LA2, 1, 0, 0, 0, 0),
    ]


def test_a_directory_entry_without_a_ward_falls_back_to_the_district():
    found = {"LE15AA": SimpleNamespace(ward=None, local_authority=LA1)}
    row = {"postcode": "LE1 5AA", "premises": 1, "on_register": 1, "visited": 0, "visits": 0}
    assert areas.place(row, found, "ward") == ("LE1", areas.DISTRICT)
    assert areas.place(row, found, "local_authority") == (LA1, areas.DIRECTORY)
    assert areas.place({**row, "postcode": "NOT A CODE"}, {}, "ward") == (
        areas.NOT_RECOGNISED,
        areas.NONE,
    )
    assert areas.district("sw1a1aa") == "SW1A"


def test_the_shared_version_hides_a_three_and_the_cell_that_would_give_it_away():
    found = {"LE15AA": SimpleNamespace(ward=W1), "LE25AA": SimpleNamespace(ward=W2)}
    none = {"visited": 0, "visits": 0, "high": 0, "victims": 0}
    by_postcode = [
        {"postcode": "LE1 5AA", "premises": 10, "on_register": 10, **none},
        {"postcode": "LE2 5AA", "premises": 3, "on_register": 3, **none},
    ]
    hidden = areas.table(by_postcode, found, "ward").hidden(5)
    assert hidden[(W2, "register")] == "primary"
    assert hidden[(W1, "register")] == "secondary"
    assert (areas.TOTAL, "register") not in hidden
    assert (W1, "visits") not in hidden  # zero is shown


# The pages.


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report-areas"))
    db = connect(app.config["DATABASE"])
    build_places(db)
    for n in range(9):  # nine more in W1, so its register shows as 11 when shared
        premises(db, f"Hotel Wash {n}", "LE15AA")
    premises(db, "=HYPERLINK(1)", "=1+1 AA")
    db.conn.commit()
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients}


def get(world, query="", status=200, role="coordinator", path="/reports/areas"):
    response = world["clients"][role].get(f"{path}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def cells(soup, level: str, row: str) -> list[str]:
    return [td.text for td in soup.select(f'#areas-{level} tr[data-row="{row}"] td')]


def test_the_page_shows_each_table_and_what_was_used(world):
    soup = parse(get(world, YEAR_ARGS))
    assert soup.select_one("#period-name").text == "Financial year 2025 to 2026"
    assert cells(soup, "ward", W1) == ["11", "1", "3", "2", "2"]
    assert cells(soup, "ward", "LE3") == ["1", "1", "1", "1", "1"]
    assert cells(soup, "local_authority", "total") == ["16", "4", "6", "3", "3"]
    table = soup.select_one("#areas-ward")
    assert table.caption.text.startswith("By ward")
    assert all("govuk-table__cell--numeric" in td["class"] for td in table.select("td"))
    assert soup.select_one("#areas-ward").find_parent(class_="app-table-scroll")
    assert "1 premises counted by postcode district" in soup.select_one("#fell-back-ward").text
    assert "Of 16 premises, 13 were placed" in soup.select_one("#placed").text


def test_the_shared_version_hides_small_counts(world):
    soup = parse(get(world, YEAR_ARGS + "&shared=1"))
    assert soup.select_one("h1").text.strip() == "Figures by area: version for sharing"
    for td in soup.select("td[data-cell]"):
        assert td.text not in {"1", "2", "3", "4"}, td
    # Four areas of one premises each: no one of them can be worked out from the total.
    assert cells(soup, "local_authority", LA1)[0] == "12"
    assert cells(soup, "ward", "LE3")[0] == "fewer than 5"
    assert not soup.select("#download-exact")


def test_the_csv_files_exact_and_for_sharing_are_formula_safe(world):
    exact = get(world, YEAR_ARGS, path="/reports/areas.csv")
    table = list(csv.reader(io.StringIO(exact.lstrip("\ufeff"))))
    assert ["Ward", W1, "11", "1", "3", "2", "2"] in table
    assert ["Local authority", "Total", "16", "4", "6", "3", "3"] in table
    assert not any(cell.startswith("=") for row in table for cell in row)
    shared = list(
        csv.reader(io.StringIO(get(world, YEAR_ARGS + "&shared=1", path="/reports/areas.csv")))
    )
    assert ["Ward", "LE3 (postcode district)", *["fewer than 5"] * 5] in shared


def test_the_reports_page_links_to_the_areas_for_its_period(world):
    soup = parse(world["clients"]["coordinator"].get(f"/reports/?{YEAR_ARGS}").get_data(True))
    href = soup.select_one("#areas-link")["href"]
    assert href.startswith("/reports/areas?") and "from-year=2025" in href


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
@pytest.mark.parametrize("path", ["/reports/areas", "/reports/areas.csv"])
def test_only_coordinators_can_see_the_figures_by_area(world, role, path):
    assert world["clients"][role].get(f"{path}?{YEAR_ARGS}").status_code == 403


def test_signed_out_people_are_asked_to_sign_in(world):
    response = world["app"].test_client().get("/reports/areas.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


HOSTILE = [
    ("period=bogus", "Select a period from the list"),
    ("period=%27%20OR%201=1--", "Select a period from the list"),
    ("period=custom&from-day=1&from-month=1&from-year=1e309", "Start date must be a real date"),
    ("period=custom&from-day=%00&from-month=1&from-year=2026", "Start date must be a real date"),
    (f"period={'x' * 5000}", "Select a period from the list"),
]


@pytest.mark.parametrize("path", ["/reports/areas", "/reports/areas.csv"])
@pytest.mark.parametrize(("query", "message"), HOSTILE)
def test_a_hostile_query_string_gets_a_clear_error(world, query, message, path):
    soup = parse(get(world, f"{query}&shared=<script>", status=400, path=path))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    assert "<script>" not in str(soup.select_one("main"))
