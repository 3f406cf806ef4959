"""The Reports pages: exact figures for coordinators, the version for sharing, the CSV files,
who may see them, and what a hostile query string gets (a clear error, never a 500)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from fieldapp.queries import connect
from fieldapp.reports import figures, periods
from fieldapp.reports.suppression import SECONDARY, worked_out
from tests.conftest import AuthActions, make_app, parse
from tests.report_world import ROUTES, add_premises, add_visit, build_council, signed_in

YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report-pages"))
    db = connect(app.config["DATABASE"])
    ids = build_council(db)
    # A red flag whose indicator no checklist knows, named like a spreadsheet formula.
    add_visit(
        db, ids["p2"], "2025-12-01T10:00:00+00:00", "high", red_flags=('=HYPERLINK("http://x")',)
    )
    db.conn.commit()
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients, "ids": ids}


def page(world, query: str = YEAR_ARGS, status: int = 200, role: str = "coordinator"):
    response = world["clients"][role].get(f"/reports/?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return parse(response.get_data(as_text=True))


def cell(soup, figure: str, where: str) -> str:
    found = soup.select_one(f'tr[data-figure="{figure}"] td[data-cell="{where}"]')
    assert found is not None, (figure, where)
    return found.get_text(" ", strip=True)


def test_coordinators_see_exact_counts_by_sector_beside_the_year_before(world):
    soup = page(world)
    assert soup.select_one("#period-name").text == "Financial year 2025 to 2026"
    assert "compared with 1 April 2024 to 31 March 2025" in soup.select_one("#period-dates").text
    # The council's visits, and one more at Bravo Wash with a formula-named red flag.
    assert cell(soup, "visits", "current-total") == "8"
    assert cell(soup, "visits", "current-hand_car_wash") == "5"
    assert cell(soup, "visits", "previous-nail_bar") == "1"
    assert cell(soup, "referrals.nrm", "previous-total") == "1"
    assert cell(soup, "operations", "current-nail_bar") == "– not counted by sector"
    assert "Exact counts, for coordinators" in soup.text
    assert "Staff trained as first responders come from the training records" in soup.text


def test_each_figure_says_how_it_was_counted_and_links_to_its_records(world):
    soup = page(world)
    row = soup.select_one('tr[data-figure="flagged"]')
    assert "flagged by hand in the period" in row.select_one(".app-report-how").text
    links = {a.text: a["href"] for a in row.select(".app-report-records a")}
    assert links["Flagged sites (today)"] == "/sites?flagged=1"
    assert links["nail bar"] == "/sites?flagged=1&sector=nail_bar"
    operations = soup.select_one('tr[data-figure="operations"] .app-report-records a')
    assert operations["href"] == "/operations/figures?from=2025-04-01&to=2026-03-31"


def test_names_from_the_records_are_escaped(world):
    html = world["clients"]["coordinator"].get(f"/reports/?{YEAR_ARGS}").get_data(as_text=True)
    assert '=hyperlink("http://x")' not in html
    assert "=hyperlink(&#34;http://x&#34;)" in html or "=hyperlink(&quot;http://x&quot;)" in html


def test_the_version_for_sharing_hides_small_counts_and_says_how(world):
    soup = page(world, YEAR_ARGS + "&shared=1")
    # 3 nail bar visits are hidden; the 5 at car washes too, or 8 - 5 would give them away.
    assert cell(soup, "visits", "current-nail_bar") == "fewer than 5"
    assert cell(soup, "visits", "current-hand_car_wash") == "hidden"
    assert cell(soup, "visits", "current-total") == "8"
    assert cell(soup, "referrals.duty_to_notify", "current-total") == "0"
    for td in soup.select("td[data-cell]"):
        assert td.get_text(strip=True) not in {"1", "2", "3", "4"}, td
    assert "Counts from 1 to 4 are shown as" in soup.select_one("#version").text
    assert not soup.select(".app-report-records"), "no links to internal records"
    assert soup.select_one("#show-exact")["href"] == f"/reports/?{YEAR_ARGS}"


def test_a_count_a_total_would_give_away_is_hidden_too(tmp_path):
    app = make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    build_council(db)
    car_wash = add_premises(db, "Hotel Wash", "hand_car_wash", "2024-01-01T09:00:00+00:00")
    nails = add_premises(db, "India Nails", "nail_bar", "2024-01-01T09:00:00+00:00")
    for day in range(1, 7):
        add_visit(db, car_wash, f"2026-01-{day:02d}T10:00:00+00:00", "low")
    for day in range(1, 3):
        add_visit(db, nails, f"2026-01-{day:02d}T10:00:00+00:00", "low")
    db.conn.commit()
    january = periods.month(date(2026, 1, 1))
    report = figures.build(db, january, flag_bands=["high"], routes=ROUTES, indicators={})
    hidden = report.hidden(5)
    db.conn.close()
    # Nail bars had 2 visits (hidden); with 6 hand car wash visits and 8 in all shown, the
    # 2 would be 8 - 6. So another count in the row is hidden as well.
    assert hidden[("visits", "current", "nail_bar")] == "primary"
    row = [hidden.get(("visits", "current", c)) for c in ("hand_car_wash", "total")]
    assert SECONDARY in row
    values = {
        (f.key, p, c): v
        for f in report.figures()
        for p in ("current", "previous")
        for c, v in f.counts[p].items()
        if v is not None
    }
    assert worked_out(values, report.sums(), hidden) == []
    client = app.test_client()
    AuthActions(client).login("coordinator")
    soup = parse(
        client.get(
            "/reports/?period=custom&from-day=1&from-month=1&from-year=2026"
            "&to-day=31&to-month=1&to-year=2026&shared=1"
        ).get_data(as_text=True)
    )
    for (figure, period, column), reason in hidden.items():
        text = cell(soup, figure, f"{period}-{column}")
        assert text == ("hidden" if reason == SECONDARY else "fewer than 5"), (figure, column)


def read(response) -> tuple[dict[str, str], list[dict[str, str]]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text[1:], newline="")))
    blank = lines.index([])
    header = lines[blank + 1]
    return {r[0]: r[1] for r in lines[:blank]}, [
        dict(zip(header, r, strict=True)) for r in lines[blank + 2 :]
    ]


def test_the_exact_csv_file_is_marked_for_coordinators(world):
    response = world["clients"]["coordinator"].get(f"/reports/figures.csv?{YEAR_ARGS}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert (
        'filename="scrutiny-figures-2025-04-01-to-2026-03-31-exact.csv"'
        in response.headers["Content-Disposition"]
    )
    meta, rows = read(response)
    assert meta["Handling marking"] == "OFFICIAL-SENSITIVE"
    assert meta["Version"] == "Exact counts: coordinators only"
    assert meta["Figures for"] == "Financial year 2025 to 2026 (1 April 2025 to 31 March 2026)"
    visits = next(r for r in rows if r["Figure"] == "Visits")
    assert visits["Total: 1 April 2025 to 31 March 2026"] == "8"
    assert visits["Hand car wash: 1 April 2024 to 31 March 2025"] == "2"
    high = next(r for r in rows if r["Figure"] == "Concern level high")
    assert high["Part of"] == "Visits"
    formula = next(r for r in rows if "hyperlink" in r["Figure"])
    assert formula["Figure"].startswith("'="), "a formula is kept as text"


def test_the_csv_file_for_sharing_hides_small_counts_and_is_on_the_record(world):
    response = world["clients"]["coordinator"].get(f"/reports/figures.csv?{YEAR_ARGS}&shared=1")
    assert "for-sharing.csv" in response.headers["Content-Disposition"]
    meta, rows = read(response)
    assert meta["Version"] == "For sharing: small numbers hidden"
    assert "fewer than 5" in meta["Methods"]
    visits = next(r for r in rows if r["Figure"] == "Visits")
    assert visits["Nail bar: 1 April 2025 to 31 March 2026"] == "fewer than 5"
    assert visits["Hand car wash: 1 April 2025 to 31 March 2026"] == "hidden"
    for row in rows:
        for column, value in row.items():
            if ":" in column:
                assert value not in {"1", "2", "3", "4"}, (row["Figure"], column)
    db = connect(world["app"].config["DATABASE"])
    logged = db.execute(
        "SELECT username, detail FROM audit WHERE action = 'report.download' ORDER BY id DESC"
    ).fetchone()
    db.conn.close()
    assert logged[0] == "cole.coordinator"
    assert '"shared": true' in logged[1] and "2025-04-01/2026-03-31" in logged[1]


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
@pytest.mark.parametrize("url", ["/reports/", "/reports/figures.csv", f"/reports/?{YEAR_ARGS}"])
def test_only_coordinators_can_see_reports(world, role, url):
    assert world["clients"][role].get(url).status_code == 403


def test_signed_out_people_are_asked_to_sign_in(world):
    response = world["app"].test_client().get("/reports/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize(
    ("role", "shown"),
    [("coordinator", True), ("inspector", False), ("partner", False), ("admin", False)],
)
def test_the_menu_offers_reports_to_coordinators(world, role, shown):
    soup = (
        page(world, "", role=role, status=200)
        if role == "coordinator"
        else parse(world["clients"][role].get("/").get_data(as_text=True))
    )
    menu = [a.text.strip() for a in soup.select(".govuk-service-navigation__link")]
    assert ("Reports" in menu) is shown


HOSTILE = [
    ("period=bogus", "Select a period from the list"),
    ("period=custom", "Enter the start date"),
    (
        "period=custom&from-day=99&from-month=99&from-year=9999&to-day=1&to-month=1&to-year=2026",
        "Start date must be a real date",
    ),
    ("period=custom&from-day=9999-99-99&from-month=1&from-year=2026", "Start date must be a real"),
    (f"period=custom&from-day=1&from-month=1&from-year={'9' * 400}", "Year must include 4 numbers"),
    ("period=custom&from-day=1&from-month=1&from-year=1e309", "Start date must be a real date"),
    ("period=custom&from-day=1&from-month=1&from-year=-2026", "Start date must be a real date"),
    ("period=custom&from-day=30&from-month=2&from-year=2026", "Start date must be a real date"),
    ("period=custom&from-day=1&from-month=1&from-year=1999", "between 2000 and 2099"),
    ("period=custom&from-day=%00&from-month=1&from-year=2026", "Start date must be a real date"),
    ("period=custom&from-day=%D9%A3&from-month=1&from-year=2026", "Start date must be a real"),
    (
        "period=custom&from-day=1&from-year=2026&to-day=1&to-month=1&to-year=2026",
        "Start date must include a month",
    ),
    (
        "period=custom&from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026",
        "End date must be the same as or after the start date",
    ),
    ("period=custom&from=9999-99-99&to=9999-99-99", "Enter the start date"),
]


@pytest.mark.parametrize(("query", "message"), HOSTILE)
@pytest.mark.parametrize("url", ["/reports/", "/reports/figures.csv"])
def test_a_hostile_query_string_gets_a_clear_error(world, url, query, message):
    response = world["clients"]["coordinator"].get(f"{url}?{query}&_scheme=x&_external=1")
    assert response.status_code == 400
    soup = parse(response.get_data(as_text=True))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    for link in summary.select("a"):
        assert soup.select_one(link["href"]) is not None, link["href"]


def test_the_error_links_to_the_box_to_correct(world):
    soup = page(world, "period=custom&from-day=1&from-year=2026", status=400)
    hrefs = [a["href"] for a in soup.select(".govuk-error-summary a")]
    assert hrefs == ["#from-month", "#to-day"]
    assert "govuk-input--error" in soup.select_one("#from-month")["class"]
    assert "govuk-input--error" not in soup.select_one("#from-day")["class"]
    assert soup.select_one("#from-day")["value"] == "1"


def test_the_threshold_is_a_setting(tmp_path):
    app = make_app(tmp_path, REPORT_SUPPRESS_BELOW=10)
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.close()
    client = app.test_client()
    AuthActions(client).login("coordinator")
    soup = parse(client.get(f"/reports/?{YEAR_ARGS}&shared=1").get_data(as_text=True))
    assert cell(soup, "visits", "current-total") == "fewer than 10"
    assert "Counts from 1 to 9 are shown as" in soup.select_one("#version").text


@pytest.mark.parametrize("below", [1, 0, "5", True, None])
def test_a_threshold_that_would_hide_nothing_stops_the_app(tmp_path, below):
    with pytest.raises(ValueError, match="REPORT_SUPPRESS_BELOW"):
        make_app(tmp_path, REPORT_SUPPRESS_BELOW=below)
