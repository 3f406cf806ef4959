"""The problem profile pack: its headline figures and change, the checklist versions in its
methods note, that it is always the version for sharing (no small count, no record, the
handling marking), the ZIP of its tables, who may make it, and hostile query strings."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date

import pytest

from fieldapp.queries import connect
from fieldapp.reports import pack, periods
from fieldapp.reports.suppression import PRIMARY, SECONDARY
from fieldapp.reports.table import Figure, Report, Section
from fieldapp.web.printing import css_string
from tests.conftest import make_app, parse
from tests.report_world import build_council, signed_in

YEAR = periods.financial_year(date(2025, 6, 1))
YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
SMALL = re.compile(r"^[1-4]$")
REAL_DATE = "Start date must be a real date"


# The rules, from hand-made inputs.


@pytest.mark.parametrize(
    ("now", "before", "hidden", "ended", "words"),
    [
        (12, 10, False, True, "Up 2 (20%)"),
        (10, 12, False, True, "Down 2 (17%)"),
        (7, 7, False, True, "No change"),
        (9, 0, False, True, "Up from none, to 9"),
        (0, 0, False, True, "No change"),
        (1_234_567, 1_000_000, False, True, "Up 234,567 (23%)"),
        (12, 3, True, True, "Change not shown: a small number is hidden"),
        (12, 10, False, False, pack.NOT_ENDED),
        (12, 3, True, False, "Change not shown: a small number is hidden"),
    ],
)
def test_the_change_is_said_in_words_and_never_from_a_hidden_or_unfinished_count(
    now, before, hidden, ended, words
):
    assert pack.change(now, before, hidden, ended) == words


def _report(figures: list[Figure]) -> Report:
    return Report(YEAR, YEAR.previous(), [Section("s", "S", figures)])


def _counts(now: int, before: int) -> dict:
    return {
        "current": {"hand_car_wash": now, "nail_bar": 0, "total": now},
        "previous": {"hand_car_wash": before, "nail_bar": 0, "total": before},
    }


def test_headlines_show_totals_as_the_shared_tables_do_and_skip_figures_not_counted():
    report = _report(
        [
            Figure("visits", "Visits", "", _counts(40, 30)),
            Figure("visits.high", "Concern level high", "", _counts(6, 2), parent="visits"),
            Figure("referrals", "Referrals", "", _counts(5, 9)),
        ]
    )
    hidden = {("visits.high", "previous", "total"): PRIMARY}
    found = {h.key: h for h in pack.headlines(report, hidden, below=5)}
    assert list(found) == ["visits", "visits.high", "referrals"]
    assert (found["visits"].label, found["visits"].now, found["visits"].before) == (
        "Visits",
        "40",
        "30",
    )
    assert found["visits"].change == "Up 10 (33%)"
    assert found["visits.high"].label == "High-concern visits"
    assert (found["visits.high"].now, found["visits.high"].before) == ("6", "fewer than 5")
    assert found["visits.high"].change.startswith("Change not shown")
    assert found["referrals"].change == "Down 4 (44%)"


def _version(checklist: str, version: int, day: date) -> dict:
    return {"checklist_id": checklist, "version": version, "first_used": day}


VERSIONS = [
    _version("hand_car_wash", 1, date(2024, 1, 10)),
    _version("hand_car_wash", 2, date(2025, 6, 1)),
    _version("hand_car_wash", 3, date(2026, 4, 1)),  # exactly when 2026 to 2027 begins
    _version("nail_bar", 1, date(2026, 2, 1)),
]


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # v1 until 31 May 2025, then v2; the nail bar checklist from February 2026.
        (YEAR, [("hand_car_wash", 1), ("hand_car_wash", 2), ("nail_bar", 1)]),
        # v2 was replaced on the year's first day, so only v3 (and the nail bar's v1).
        (periods.financial_year(date(2026, 6, 1)), [("hand_car_wash", 3), ("nail_bar", 1)]),
        (periods.financial_year(date(2024, 6, 1)), [("hand_car_wash", 1)]),
        (periods.financial_year(date(2022, 6, 1)), []),
        (periods.month(date(2025, 6, 1)), [("hand_car_wash", 2)]),
        (periods.month(date(2025, 5, 1)), [("hand_car_wash", 1)]),
    ],
)
def test_the_checklist_versions_in_use_run_from_first_use_to_the_next_version(period, expected):
    found = pack.versions_in_use(VERSIONS, period)
    assert [(v.checklist, v.version) for v in found] == expected


@pytest.mark.parametrize(
    ("period", "unit"),
    [
        (YEAR, "quarter"),
        (periods.Period(date(2025, 4, 1), date(2025, 10, 2)), "quarter"),  # 185 days
        (periods.Period(date(2025, 4, 1), date(2025, 9, 30)), "month"),  # two quarters
        (periods.quarter(date(2025, 6, 1)), "month"),
        (periods.month(date(2025, 6, 1)), "month"),
    ],
)
def test_the_pack_shows_trends_by_quarter_for_more_than_two_quarters(period, unit):
    assert pack.trend_unit(period) == unit


def test_the_methods_note_counts_the_cells_each_table_hid():
    found = pack.methods([], {"A": {1: PRIMARY, 2: SECONDARY, 3: PRIMARY}, "B": {}})
    assert [(h.table, h.primary, h.secondary) for h in found.hidden] == [("A", 2, 1), ("B", 0, 0)]
    assert found.cells_hidden == 3


# The page and its ZIP, over the hand-built council (tests/report_world.py).


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report-pack"), EXPORT_MARKING="OFFICIAL-SENSITIVE")
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.commit()
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients}


def get(world, query=YEAR_ARGS, status=200, role="coordinator", path="/reports/pack"):
    response = world["clients"][role].get(f"{path}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response


def headline(soup, key: str) -> list[str]:
    row = soup.select_one(f'#headlines tr[data-headline="{key}"]')
    return [td.get_text(" ", strip=True) for td in row.select("td")]


@pytest.fixture(scope="module")
def year_pack(world):
    return parse(get(world).get_data(as_text=True))


def test_the_pack_is_marked_and_says_it_is_the_version_for_sharing(year_pack):
    pack_el = year_pack.select_one("#pack")
    assert pack_el.select_one("#marking").text == "OFFICIAL-SENSITIVE"
    assert pack_el.select_one("#marking-end").text == "OFFICIAL-SENSITIVE"
    assert "Financial year 2025 to 2026: 1 April 2025 to 31 March 2026" in pack_el.text
    assert "compared with 1 April 2024 to 31 March 2025" in pack_el.text
    assert "Version for sharing: small numbers are hidden." in pack_el.text


def test_headline_figures_hide_small_numbers_beside_the_year_before(year_pack):
    # Seven visits this year (shown) against three the year before (hidden).
    assert headline(year_pack, "visits") == [
        "7",
        "fewer than 5",
        "Change not shown: a small number is hidden",
    ]
    assert headline(year_pack, "victims")[:2] == ["6", "fewer than 5"]
    assert headline(year_pack, "operations")[:2] == ["fewer than 5", "fewer than 5"]


def test_no_count_from_one_to_four_and_no_record_appears_anywhere_in_the_pack(year_pack):
    pack_el = year_pack.select_one("#pack")
    # (The methods note's count of hidden cells counts cells, not people or premises.)
    for td in pack_el.select("table:not(#suppression) td"):
        assert not SMALL.match(td.get_text(strip=True)), td
    for name in ("Alpha Wash", "Bravo Wash", "Echo Nails"):
        assert name not in pack_el.text
    links = [a["href"] for a in pack_el.select("a[href]")]
    assert links and all(href.startswith("#") for href in links), links
    # Every section the board reads is there.
    for heading in ("headlines", "trends", "where", "figures", "methods"):
        assert pack_el.select_one(f"#{heading}-title"), heading
    assert pack_el.select_one("#figures-operations") and pack_el.select_one("#areas-ward")
    assert pack_el.select_one("#trend-prevalence")


def test_the_methods_note_names_the_checklist_versions_and_what_was_hidden(year_pack):
    assert [li.text for li in year_pack.select("#versions li")] == [
        "Hand car wash checklist, version 2, first used 1 January 2024"
    ]
    rows = {
        tr.th.text: [td.text for td in tr.select("td")]
        for tr in year_pack.select("#suppression tbody tr")
    }
    assert int(rows["Scrutiny figures"][0]) > 0  # small counts hidden
    assert "By ward" in rows and "Trend: Visits by quarter" in rows
    definitions = [dt.text for dt in year_pack.select("#definitions dt")]
    assert "Potential victims identified" in definitions and "Joint operations held" in definitions


def test_a_period_not_ended_is_not_compared(world):
    soup = parse(get(world, "period=this_month").get_data(as_text=True))
    assert soup.select_one("#period-open")
    assert {headline(soup, key)[2] for key in ("visits", "operations")} == {pack.NOT_ENDED}


def test_the_zip_holds_every_table_for_sharing_and_is_on_the_audit_trail(world):
    response = get(world, path="/reports/pack.zip")
    assert response.mimetype == "application/zip"
    assert (
        "problem-profile-2025-04-01-to-2026-03-31-for-sharing.zip"
        in (response.headers["Content-Disposition"])
    )
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == [
        "about-this-pack.txt",
        "figures-by-area.csv",
        "scrutiny-figures.csv",
        "trends.csv",
    ]
    about = archive.read("about-this-pack.txt").decode("utf-8")
    assert "Handling marking: OFFICIAL-SENSITIVE" in about
    assert "Counts from 1 to 4 are shown as" in about
    assert "Hand car wash checklist, version 2, first used 1 January 2024" in about
    assert "- Joint operations held: Operations dated in the period." in about
    for name in (n for n in archive.namelist() if n.endswith(".csv")):
        rows = list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
        labels = dict(r[:2] for r in rows[:8] if len(r) >= 2)
        assert labels["Handling marking"] == "OFFICIAL-SENSITIVE", name
        assert labels["Version"].startswith("For sharing"), name
        table = rows[rows.index([]) + 1 :]
        for row in table:
            assert not any(SMALL.match(cell) for cell in row[1:]), (name, row)
    db = connect(world["app"].config["DATABASE"])
    detail = db.execute(
        "SELECT detail FROM audit WHERE action = 'report.download' ORDER BY id DESC"
    ).fetchone()[0]
    assert '"pack": true' in detail and '"shared": true' in detail


def test_the_figures_page_links_to_the_pack_for_its_period(world):
    soup = parse(get(world, path="/reports/").get_data(as_text=True))
    href = soup.select_one("#pack-link")["href"]
    assert href.startswith("/reports/pack?") and "from-year=2025" in href


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
@pytest.mark.parametrize("path", ["/reports/pack", "/reports/pack.zip"])
def test_only_coordinators_can_make_the_pack(world, role, path):
    get(world, role=role, path=path, status=403)


@pytest.mark.parametrize("path", ["/reports/pack", "/reports/pack.zip"])
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=bogus", "Select a period from the list"),
        ("period=custom&from-day=1&from-month=1&from-year=1e309", REAL_DATE),
        ("period=custom&from-day=%00&from-month=1&from-year=2026", REAL_DATE),
        (f"period={'x' * 5000}", "Select a period from the list"),
    ],
)
def test_a_hostile_query_string_gets_a_clear_error(world, path, query, message):
    soup = parse(get(world, f"{query}&x=<script>", status=400, path=path).get_data(as_text=True))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text
    assert "<script>" not in str(soup.select_one("main"))


def test_the_pack_and_the_areas_page_open_the_hotspots_for_the_period(world):
    for path in ("/reports/pack", "/reports/areas"):
        soup = parse(get(world, path=path).get_data(as_text=True))
        href = soup.select_one("#hotspots-link")["href"]
        assert href.startswith("/sites/map?"), href
        for part in (
            "heat=1",
            "band=high",
            "visited_after=2025-04-01",
            "visited_before=2026-03-31",
        ):
            assert part in href, (path, href)
    # The map takes the link's filters without complaint.
    response = world["clients"]["coordinator"].get(href)
    assert response.status_code == 200
    assert 'value="2025-04-01"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "text",
    ["</style><script>alert(1)</script>", 'OFFICIAL "SENSITIVE"; } body { display: none', "a\\b\n"],
)
def test_the_printed_marking_line_cannot_break_out_of_its_css_string(text):
    written = str(css_string(text))
    inner = written[1:-1]
    assert written[0] == written[-1] == '"'
    for bad in ("<", ">", '"', ";", "{", "}", "\n"):
        assert bad not in inner, (bad, written)
    # Each escape is a backslash, six hex digits and the space CSS takes as its end.
    decoded = re.sub(r"\\([0-9a-f]{6}) ", lambda m: chr(int(m.group(1), 16)), inner)
    assert decoded == text
