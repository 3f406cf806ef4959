"""The By area page: figures by ward, local authority and postcode district over a small
council built by hand, expected from its records; the version for sharing; who may see
it; hostile query strings."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.queries import areas as areas_q
from fieldapp.queries import connect
from fieldapp.reports import areas, periods
from fieldapp.timeutil import UK, uk_day_end_utc, uk_day_start_utc
from tests.conftest import make_app, parse
from tests.report_world import HOSTILE_PERIODS, add_premises, add_visit, signed_in

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


# The running totals by postcode (m021) that a whole year, quarter or month is read from.


@pytest.fixture
def records(query_db):
    query_db.execute(
        "INSERT INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )
    return query_db


def by_postcode(db, period: periods.Period) -> dict[str, tuple]:
    """(register, visited, visits, high, victims, premises) by postcode for ``period``,
    checked to be the same from the running totals as from the visits."""
    start = uk_day_start_utc(period.start).isoformat()
    end = uk_day_end_utc(period.end).isoformat()
    names = ("on_register", "visited", "visits", "high", "victims", "premises")

    def counted(bucket):
        found = areas_q.premises(db, start, end, bucket)
        return {r["postcode"]: tuple(r[n] for n in names) for r in found}

    kept = counted(period.bucket)
    assert period.bucket and kept == counted(None)
    return kept


def test_an_amended_visit_counts_once_as_amended(records):
    pid = premises(records, "Alpha Wash", "LE1 5AA")
    first = add_visit(records, pid, "2025-05-01T10:00:00+00:00", "high", victims=3)
    add_visit(records, pid, "2025-05-01T10:00:00+00:00", "low", victims=0, amends=first)
    second = add_visit(records, pid, "2025-06-01T10:00:00+00:00", "medium")
    again = add_visit(records, pid, "2025-06-01T10:00:00+00:00", "medium", amends=second)
    add_visit(records, pid, "2025-06-01T10:00:00+00:00", "high", victims=1, amends=again)
    # Two visits: the first now low with no victims, the second high with one victim.
    assert by_postcode(records, YEAR) == {"LE1 5AA": (1, 1, 2, 1, 1, 1)}
    assert by_postcode(records, periods.month(date(2025, 5, 1))) == {"LE1 5AA": (1, 1, 1, 0, 0, 1)}
    assert by_postcode(records, periods.month(date(2025, 6, 1))) == {"LE1 5AA": (1, 1, 1, 1, 1, 1)}


def test_a_premises_whose_postcode_changes_takes_its_counts_with_it(records):
    moved = premises(records, "Alpha Wash", "LE1 5AA")
    stays = premises(records, "Bravo Wash", "LE1 5AA")
    add_visit(records, moved, "2025-05-01T10:00:00+00:00", "high", victims=2)
    add_visit(records, moved, "2025-07-01T10:00:00+00:00", "low")
    add_visit(records, stays, "2025-05-02T10:00:00+00:00", "medium")
    records.execute("UPDATE premises SET postcode = 'LE2 5AA' WHERE id = ?", [moved])
    assert by_postcode(records, YEAR) == {
        "LE1 5AA": (1, 1, 1, 0, 0, 1),
        "LE2 5AA": (1, 1, 2, 1, 2, 1),
    }
    quarter = by_postcode(records, periods.quarter(date(2025, 4, 1)))
    assert quarter["LE2 5AA"] == (1, 1, 1, 1, 2, 1)
    records.execute("UPDATE premises SET postcode = '' WHERE id = ?", [moved])
    assert by_postcode(records, YEAR) == {
        "LE1 5AA": (1, 1, 1, 0, 0, 1),
        "": (1, 1, 2, 1, 2, 1),
    }


def test_a_premises_whose_sector_changes_keeps_its_counts_by_postcode(records):
    pid = premises(records, "Alpha Wash", "LE1 5AA")
    add_visit(records, pid, "2025-05-01T10:00:00+00:00", "high", victims=1)
    add_visit(records, pid, "2025-05-03T10:00:00+00:00", "medium")
    records.execute("UPDATE premises SET sector = 'nail_bar' WHERE id = ?", [pid])
    add_visit(records, pid, "2025-05-04T10:00:00+00:00", "high")
    assert by_postcode(records, YEAR) == {"LE1 5AA": (1, 1, 3, 2, 1, 1)}


def test_a_visit_late_on_31_march_in_bst_is_in_the_next_financial_year(records):
    pid = premises(records, "Alpha Wash", "LE1 5AA", "2024-01-10T09:00:00+00:00")
    add_visit(records, pid, "2025-03-31T22:59:00+00:00", "high")  # 23:59 on 31 March
    add_visit(records, pid, "2025-03-31T23:30:00+00:00", "high", victims=2)  # 1 April
    add_visit(records, pid, "2026-03-31T23:30:00+00:00", "low", victims=1)  # 1 April 2026
    # Added at 00:30 on 1 April 2026 in the UK: after the year, yet visited in it.
    late = premises(records, "Bravo Wash", "LE2 5AA", "2026-03-31T23:30:00+00:00")
    add_visit(records, late, "2026-02-01T10:00:00+00:00", "medium")
    earlier = periods.financial_year(date(2024, 6, 1))
    assert by_postcode(records, earlier) == {"LE1 5AA": (1, 1, 1, 1, 0, 1)}
    assert by_postcode(records, YEAR) == {
        "LE1 5AA": (1, 1, 1, 1, 2, 1),
        "LE2 5AA": (0, 1, 1, 0, 0, 1),
    }
    # The other premises is not yet on the register, nor visited, in April 2025.
    assert by_postcode(records, periods.month(date(2025, 4, 1))) == {"LE1 5AA": (1, 1, 1, 1, 2, 1)}
    after = by_postcode(records, periods.financial_year(date(2026, 6, 1)))
    assert after == {"LE1 5AA": (1, 1, 1, 0, 1, 1), "LE2 5AA": (1, 0, 0, 0, 0, 1)}


# A direct count of the running totals, from the records, with Python's own UK time.
INSTANTS = [
    "2025-03-30T00:30:00+00:00",  # the day BST begins, before it does
    "2025-03-31T22:59:00+00:00",
    "2025-03-31T23:30:00+00:00",  # 1 April in the UK
    "2025-06-30T23:30:00+00:00",  # 1 July: the next quarter
    "2025-10-25T23:30:00+00:00",  # 26 October, BST's last hour
    "2025-10-26T23:30:00+00:00",  # still 26 October: GMT again
    "2025-12-31T23:30:00+00:00",
    "2026-03-31T23:30:00+00:00",  # 1 April 2026
]
CREATED = ["2024-01-10T09:00:00+00:00", "2025-06-30T23:30:00+00:00", "2026-03-31T23:30:00+00:00"]


def buckets(instant: str) -> list[str]:
    day = datetime.fromisoformat(instant).astimezone(UK).date()
    fy = day.year - (day.month < 4)
    return [f"fy{fy}", f"q{day.year}-{(day.month + 2) // 3}", f"m{day.year}-{day.month:02d}"]


def direct_totals(db) -> dict[tuple[str, str], tuple]:
    """(visited, late, visits, high, victims) by bucket and postcode, counted from the
    current visits one at a time."""
    places = {r["id"]: r for r in db.query("SELECT id, postcode, created_at FROM premises")}
    visits = list(db.query("SELECT * FROM visits"))
    amended = {v["amends"] for v in visits}
    found: dict[tuple[str, str], dict] = {}
    for v in (v for v in visits if v["id"] not in amended):
        where = places[v["premises_id"]]
        added = buckets(where["created_at"])
        for bucket in buckets(v["visited_at"]):
            into = found.setdefault((bucket, where["postcode"]), {"seen": set(), "late": set()})
            into["seen"].add(v["premises_id"])
            if next(a for a in added if a[:2] == bucket[:2]) > bucket:
                into["late"].add(v["premises_id"])
            into["visits"] = into.get("visits", 0) + 1
            into["high"] = into.get("high", 0) + (v["band"] == "high")
            into["victims"] = into.get("victims", 0) + max(v["potential_victims"] or 0, 0)
    return {
        key: (len(c["seen"]), len(c["late"]), c["visits"], c["high"], c["victims"])
        for key, c in found.items()
    }


def kept_totals(db) -> dict[tuple[str, str], tuple]:
    """The running totals by postcode the database keeps, in direct_totals' shape (rows
    that have fallen back to all zeros count nothing, so are left out)."""
    columns = ("visited", "late", "visits", "high", "victims")
    kept = {
        (r["bucket"], r["postcode"]): tuple(r[c] for c in columns)
        for r in db.query("SELECT * FROM report_postcodes")
    }
    return {key: totals for key, totals in kept.items() if totals != (0, 0, 0, 0, 0)}


STEP = st.one_of(
    st.tuples(st.just("visit"), st.integers(0, 2), st.sampled_from(INSTANTS)),
    st.tuples(st.just("amend"), st.integers(0, 50), st.sampled_from(INSTANTS)),
    st.tuples(st.just("postcode"), st.integers(0, 2), st.sampled_from(["LE1 5AA", "LE2 5AA", ""])),
    st.tuples(st.just("sector"), st.integers(0, 2), st.sampled_from(["nail_bar", "hand_car_wash"])),
)


def take(db, pids: list[int], step: tuple, band: str | None, victims: int | None) -> None:
    kind, n, value = step
    if kind == "visit":
        add_visit(db, pids[n], value, band, victims=victims)
    elif kind == "amend":
        current = [
            r["id"]
            for r in db.query(
                "SELECT id FROM visits v WHERE NOT EXISTS "
                "(SELECT 1 FROM visits o WHERE o.amends = v.id) ORDER BY rowid"
            )
        ]
        if current:  # an amendment may move the visit to another time or premises
            amends = current[n % len(current)]
            add_visit(db, pids[n % 3], value, band, victims=victims, amends=amends)
    else:
        db.execute(f"UPDATE premises SET {kind} = ? WHERE id = ?", [value, pids[n]])  # noqa: S608


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.tuples(
            STEP,
            st.sampled_from(["high", "medium", "low", None]),
            st.sampled_from([None, 0, 1, 3]),
        ),
        max_size=25,
    )
)
def test_the_running_totals_by_postcode_equal_a_direct_count(records, steps):
    db = records
    db.conn.execute("BEGIN")
    try:
        pids = [premises(db, f"Site {n}", "LE1 5AA", CREATED[n]) for n in range(3)]
        for step, band, victims in steps:
            take(db, pids, step, band, victims)
        assert kept_totals(db) == direct_totals(db)
    finally:
        db.conn.execute("ROLLBACK")


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
    *HOSTILE_PERIODS,
    ("period=custom&from-day=%00&from-month=1&from-year=2026", "Start date must be a real date"),
]


@pytest.mark.parametrize("path", ["/reports/areas", "/reports/areas.csv"])
@pytest.mark.parametrize(("query", "message"), HOSTILE)
def test_a_hostile_query_string_gets_a_clear_error(world, query, message, path):
    soup = parse(get(world, f"{query}&shared=<script>", status=400, path=path))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    assert "<script>" not in str(soup.select_one("main"))
