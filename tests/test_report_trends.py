"""The Trends page: the measures by month over the hand-built council (tests/report_world.py),
expected from its records; the version for sharing; who may see it; hostile query strings."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.queries import connect
from fieldapp.reports import periods, trends
from fieldapp.reports.suppression import worked_out
from tests.conftest import make_app, parse
from tests.report_world import add_visit, build_council, signed_in

YEAR = periods.financial_year(date(2025, 6, 1))
YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
MONTHS = [f"2025-{m:02d}" for m in range(4, 13)] + [f"2026-{m:02d}" for m in range(1, 4)]


def built(db, period=YEAR, indicator="living_on_site", sector="nail_bar"):
    return trends.build(db, period, indicator=indicator, sector=sector, indicator_name="x")


def table(found: trends.Trends, key: str, columns) -> dict[str, tuple]:
    trend = next(t for t in found.trends if t.key == key)
    return {row: tuple(cells[c] for c in columns) for row, cells in trend.counts.items()}


def nonzero(rows: dict[str, tuple]) -> dict[str, tuple]:
    return {row: counts for row, counts in rows.items() if any(counts)}


SECTORS = ("hand_car_wash", "nail_bar", "total")


def test_a_financial_year_goes_by_month(query_db):
    by, rows = trends.buckets(YEAR)
    assert by == "month"
    assert [b.key for b in rows] == MONTHS
    assert [b.axis for b in rows[:2]] == [("Apr", "2025"), ("May", "")]
    assert rows[9].axis == ("Jan", "2026")
    assert rows[0].period.name == "April 2025"


def test_more_than_two_years_goes_by_quarter_and_a_cut_month_counts_its_days():
    by, rows = trends.buckets(periods.Period(date(2024, 4, 1), date(2026, 6, 30)))
    assert by == "quarter"
    assert rows[0].key == "2024-q2" and rows[-1].key == "2026-q2"
    assert rows[0].period.name == "April to June 2024"
    by, rows = trends.buckets(periods.Period(date(2025, 10, 26), date(2025, 11, 5)))
    assert by == "month"
    assert [b.period.name for b in rows] == ["26 October 2025 to 31 October 2025",
                                             "1 November 2025 to 5 November 2025"]  # fmt: skip


@pytest.fixture
def council(query_db):
    build_council(query_db)
    return query_db


def test_visits_by_month_and_sector(council):
    # Alpha Wash 1 April (12:30am BST) and 10 June, Bravo Wash 1 July and 1 August (could
    # not inspect), Echo Nails twice on 26 October (one amended), Foxtrot Nails 31 March.
    assert nonzero(table(built(council), "visits", SECTORS)) == {
        "2025-04": (1, 0, 1),
        "2025-06": (1, 0, 1),
        "2025-07": (1, 0, 1),
        "2025-08": (1, 0, 1),
        "2025-10": (0, 2, 2),
        "2026-03": (0, 1, 1),
        "all": (4, 3, 7),
    }


def test_high_concern_visits_by_month(council):
    # Echo Nails' high visit on 26 October was amended to medium.
    assert nonzero(table(built(council), "high", SECTORS)) == {
        "2025-04": (1, 0, 1),
        "2026-03": (0, 1, 1),
        "all": (1, 1, 2),
    }


def test_potential_victims_by_month_on_visits_and_operations(council):
    rows = table(built(council), "victims", ("visits", "operations", "total"))
    assert nonzero(rows) == {
        "2025-04": (2, 0, 2),
        "2025-08": (1, 0, 1),
        "2025-09": (0, 2, 2),  # the joint operation on 10 September
        "2025-10": (1, 0, 1),  # as amended: 1, not 3
        "all": (4, 2, 6),
    }


def test_a_red_flags_share_of_visits_that_could_inspect(council):
    found = built(council)
    prevalence = next(t for t in found.trends if t.key == "prevalence")
    assert nonzero(table(found, "prevalence", ("found", "judged"))) == {
        "2025-10": (0, 2),  # the amendment took the red flag away
        "2026-03": (1, 1),
        "all": (1, 3),
    }
    assert prevalence.cell("2026-03", "share", {}, 5) == "100%"
    assert prevalence.cell("2025-10", "share", {}, 5) == "0%"
    assert prevalence.cell("2025-05", "share", {}, 5) == "no visits"
    assert prevalence.cell("all", "share", {}, 5) == "33%"
    in_car_washes = table(built(council, sector="hand_car_wash"), "prevalence", ("found", "judged"))
    # Bravo Wash's visit on 1 August could not inspect, so it is not judged.
    assert nonzero(in_car_washes) == {"2025-04": (0, 1), "2025-06": (0, 1), "2025-07": (0, 1),
                                      "all": (0, 3)}  # fmt: skip


def test_by_quarter_over_more_than_two_years(council):
    found = built(council, periods.Period(date(2024, 4, 1), date(2026, 6, 30)))
    assert nonzero(table(found, "visits", SECTORS)) == {
        "2024-q2": (1, 0, 1),
        "2025-q1": (1, 1, 2),
        "2025-q2": (2, 0, 2),
        "2025-q3": (2, 0, 2),
        "2025-q4": (0, 2, 2),
        "2026-q1": (0, 1, 1),
        "2026-q2": (1, 0, 1),  # Charlie Wash at 12:30am BST on 1 April 2026
        "all": (7, 4, 11),
    }


def test_the_shared_version_hides_small_counts_and_what_would_give_them_away(council):
    found = built(council)
    for trend in found.trends:
        hidden = trend.hidden(5)
        for (row, column), value in _cells(trend):
            if 0 < value < 5:
                assert hidden.get((row, column)) == "primary", (trend.key, row, column)
        assert worked_out(dict(_cells(trend)), trend.sums, hidden) == [], trend.key


def _cells(trend):
    return [((row, c), n) for row, cells in trend.counts.items() for c, n in cells.items()]


# The pages.


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report-trends"))
    db = connect(app.config["DATABASE"])
    build_council(db)
    ids = db.execute("SELECT id FROM premises WHERE name = 'Bravo Wash'").fetchone()
    # A red flag whose indicator no checklist knows, named with markup.
    add_visit(db, ids[0], "2025-12-01T10:00:00+00:00", "high", red_flags=("<svg onload=x>",))
    db.conn.commit()
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients}


def get(world, query="", status=200, role="coordinator"):
    response = world["clients"][role].get(f"/reports/trends?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def test_each_chart_is_followed_by_its_table(world):
    soup = parse(get(world, YEAR_ARGS))
    assert soup.select_one("#period-name").text == "Financial year 2025 to 2026"
    for key in ("visits", "high", "victims", "prevalence"):
        section = soup.select_one(f"#trend-{key}")
        svg = section.select_one("figure svg")
        assert svg["aria-hidden"] == "true"
        table = section.select_one("table")
        assert table.caption.text.endswith("the figures in the chart")
        assert svg.find_next("table") is table
    visits = soup.select_one("#table-visits")
    row = visits.select_one('tr[data-row="2025-10"]')
    assert row.th.text == "October 2025"
    assert [td.text for td in row.select("td")] == ["0", "2", "2"]
    assert visits.select_one('tr[data-row="2025-12"] td[data-cell="total"]').text == "1"
    assert visits.select_one('tr[data-row="all"] td[data-cell="total"]').text == "8"
    bars = soup.select("#chart-visits rect[data-bar]")
    # Car washes: April, June, July, August, December; nail bars: 2 in October, 1 in March.
    assert sorted(int(b["data-value"]) for b in bars) == [1, 1, 1, 1, 1, 1, 2]


def test_the_red_flag_and_sector_can_be_chosen(world):
    soup = parse(get(world, YEAR_ARGS + "&indicator=living_on_site&sector=nail_bar"))
    assert soup.select_one("#indicator option[selected]")["value"] == "living_on_site"
    assert soup.select_one("#sector option[selected]")["value"] == "nail_bar"
    row = soup.select_one('#table-prevalence tr[data-row="2026-03"]')
    assert [td.text for td in row.select("td")] == ["1", "1", "100%"]
    assert soup.select_one('#chart-prevalence circle[data-point="11"]')["data-share"] == "1"
    # The period is kept when choosing another red flag.
    kept = {i["name"]: i["value"] for i in soup.select("#prevalence-choice input[type=hidden]")}
    assert kept["from-year"] == "2025" and kept["period"] == "custom"


def test_markup_in_an_indicator_name_is_escaped(world):
    html = get(world, YEAR_ARGS + "&indicator=%3Csvg+onload%3Dx%3E&sector=hand_car_wash")
    assert "<svg onload" not in html
    soup = parse(html)
    assert "&lt;svg onload=x&gt;" in soup.select_one("#subject-prevalence").decode_contents()
    assert len(soup.select("svg")) == 4 + len(soup.select("svg.govuk-header__logotype"))


def test_the_shared_version_hides_small_counts_in_tables_and_charts(world):
    soup = parse(get(world, YEAR_ARGS + "&shared=1"))
    assert soup.select_one("h1").text.strip() == "Trends: version for sharing"
    for td in soup.select("td[data-cell]"):
        assert td.text not in {"1", "2", "3", "4"}, td
    visits = soup.select_one("#table-visits")
    assert visits.select_one('tr[data-row="2025-10"] td[data-cell="nail_bar"]').text == (
        "fewer than 5"
    )
    assert soup.select("#chart-visits rect[data-hidden]")
    for bar in soup.select("svg rect[data-bar]"):
        assert int(bar["data-value"]) >= 5, bar
    assert soup.select_one('#table-prevalence tr[data-row="all"] td[data-cell="share"]').text == (
        "hidden"
    )
    assert not soup.select("#chart-prevalence circle")
    assert "Counts from 1 to 4 are shown as" in soup.select_one("#version").text


def test_the_reports_page_links_to_the_trends_for_its_period(world):
    soup = parse(world["clients"]["coordinator"].get(f"/reports/?{YEAR_ARGS}").get_data(True))
    href = soup.select_one("#trends-link")["href"]
    assert href.startswith("/reports/trends?") and "from-year=2025" in href
    back = parse(get(world, YEAR_ARGS)).select_one("#figures-link")["href"]
    assert back.startswith("/reports/?") and "to-year=2026" in back


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
def test_only_coordinators_can_see_trends(world, role):
    assert world["clients"][role].get(f"/reports/trends?{YEAR_ARGS}").status_code == 403


def test_signed_out_people_are_asked_to_sign_in(world):
    response = world["app"].test_client().get("/reports/trends")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


HOSTILE = [
    ("period=bogus", "Select a period from the list"),
    ("period=custom&from-day=1&from-month=1&from-year=1e309", "Start date must be a real date"),
    ("period=custom&from-day=%00&from-month=1&from-year=2026", "Start date must be a real date"),
    (
        "period=custom&from-day=1&from-month=1&from-year=2000&to-day=1&to-month=1&to-year=2099",
        "End date must be within 10 years of the start date",
    ),
    ("indicator=%3Cscript%3Ealert(1)%3C/script%3E", "Select a red flag from the list"),
    (f"indicator={'x' * 5000}", "Select a red flag from the list"),
    ("indicator[]=a&indicator=living_on_site%00", "Select a red flag from the list"),
    ("sector=bogus", "Select a sector from the list"),
    ("sector=nail_bar%27%20OR%201=1--", "Select a sector from the list"),
]


@pytest.mark.parametrize(("query", "message"), HOSTILE)
def test_a_hostile_query_string_gets_a_clear_error(world, query, message):
    soup = parse(get(world, f"{query}&_external=1", status=400))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    for link in summary.select("a"):
        assert soup.select_one(link["href"]) is not None, link["href"]
    assert "<script>alert" not in str(soup)


def test_defaults_are_this_financial_year_and_living_on_site_in_car_washes(world):
    soup = parse(get(world))
    assert soup.select_one("#indicator option[selected]")["value"] == "living_on_site"
    assert soup.select_one("#sector option[selected]")["value"] == "hand_car_wash"
    assert soup.select_one("#period-name").text.startswith("Financial year")
