"""The Indicator insight page: how often each indicator was present, and what later happened
at the premises where it was and was not, over a small council built by hand so that every
count is known from the rule; the version for sharing; the CSV files; who may see it;
hostile indicators and query strings."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from itertools import count
from types import SimpleNamespace

import pytest

from fieldapp.reports import insight, periods
from fieldapp.reports.suppression import PRIMARY
from tests.conftest import make_app, parse
from tests.report_world import HOSTILE_PERIODS, add_operation, add_premises, add_referral, signed_in

YEAR = periods.financial_year(date(2025, 6, 1))
YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
HCW, NB = "hand_car_wash", "nail_bar"
SVG = "<svg onload=x>"
FORMULA = '=HYPERLINK("http://x")'
_ids = count(1)


def visit(db, premises_id, at, answers, *, victims=None, amends=None, assessed=True) -> str:
    """A visit whose stored result holds ``answers`` (indicator id -> "yes" or "no", or
    (answer, question) for a question of the test's own) as the assessment's signs."""
    visit_id = f"{next(_ids):08x}-0000-4000-8000-00000000abcd"
    root, revision = visit_id, 1
    if amends:
        root, revision = db.execute(
            "SELECT root_id, revision + 1 FROM visits WHERE id = ?", [amends]
        ).fetchone()
    signs = []
    for indicator, answer in answers.items():
        answer, question = answer if isinstance(answer, tuple) else (answer, indicator)
        signs.append({"id": indicator, "question": question, "answer": answer})
    result = {"model": 2, "band": "low", "contributions": signs, "red_flags": []}
    db.execute(
        "INSERT INTO visits (id, premises_id, inspector_id, root_id, revision, amends, "
        "amendment_reason, visited_at, submitted_at, checklist_hash, checklist_id, "
        "checklist_version, location_method, score_total, score_maximum, band, red_flag_count, "
        "result, content_hash, outcome, outcome_reason, potential_victims) VALUES (?, ?, 1, ?, ?, "
        "?, ?, ?, ?, 'h', 'hand_car_wash', 2, 'none', 0, 0, ?, 0, ?, 'x', ?, ?, ?)",
        [
            visit_id,
            premises_id,
            root,
            revision,
            amends,
            "corrected" if amends else None,
            at,
            at,
            "low" if assessed else None,
            json.dumps(result),
            "assessed" if assessed else "not_assessed",
            None if assessed else "closed",
            victims,
        ],
    )
    return visit_id


def build_world(db) -> None:
    """Hand car washes P1 to P4 and five quiet ones, and a nail bar with hostile indicators.
    What each premises should count for is said beside it."""
    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )
    created = "2024-01-10T09:00:00+00:00"
    p1, p2, p3, p4 = (add_premises(db, f"Wash {n}", HCW, created) for n in range(1, 5))
    # P1: cash only present on 1 May, where 2 potential victims were found at that very
    # visit; a referral the same day, corrected once (one referral); an operation on 1 June
    # found a victim and made an arrest. Living on site was answered no: it is the
    # comparison group there, with the same three outcomes.
    v1 = visit(
        db, p1, "2025-05-01T10:00:00+00:00", {"cash_only": "yes", "living_on_site": "no"}, victims=2
    )
    wrong = add_referral(db, v1, "duty_to_notify", "2025-05-01T12:00:00+00:00", adults=1)
    add_referral(db, v1, "nrm", "2025-05-01T12:00:00+00:00", adults=1, corrects=wrong)
    add_operation(db, "2025-06-01", ("police",), {p1: {"victims": 1, "actions": ["arrest"]}})
    # P2: cash only answered no at both visits (the second amended from yes to no: counted
    # once, as amended); a referral on 10 June, the day of its first answer, so it counts
    # for the comparison group. Living on site present from 1 July (the amendment), after
    # that referral, so nothing later for it. An operation before the year is not counted.
    v2 = visit(db, p2, "2025-06-10T09:00:00+00:00", {"cash_only": "no"})
    add_referral(db, v2, "nrm", "2025-06-10T15:00:00+00:00", adults=1)
    first = visit(db, p2, "2025-07-01T09:00:00+00:00", {"cash_only": "yes"})
    visit(
        db,
        p2,
        "2025-07-01T09:00:00+00:00",
        {"cash_only": "no", "living_on_site": "yes"},
        amends=first,
    )
    add_operation(db, "2025-03-01", ("police",), {p2: {"actions": ["closure"]}})
    # P3: 23:30 UTC on 31 March 2025 is 1 April in the UK (BST), so that visit is in the
    # year; cash only present at 23:30 UTC on 26 October (GMT: still 26 October), and an
    # operation on 26 October found potential victims: the same UK day counts. A visit that
    # could not inspect is left out, and so is 23:30 UTC on 31 March 2026 (1 April, BST).
    visit(db, p3, "2025-03-31T23:30:00+00:00", {"cash_only": "no"})
    visit(db, p3, "2025-08-01T09:00:00+00:00", {"cash_only": "yes"}, assessed=False)
    visit(db, p3, "2025-10-26T23:30:00+00:00", {"cash_only": "yes"})
    visit(db, p3, "2026-03-31T23:30:00+00:00", {"cash_only": "yes", "living_on_site": "no"})
    add_operation(db, "2025-10-26", ("glaa",), {p3: {"victims": 4}})
    # P4: both present on 1 September; an operation on 1 August (before) found victims and
    # closed it: not later, so nothing counts.
    visit(db, p4, "2025-09-01T09:00:00+00:00", {"cash_only": "yes", "living_on_site": "yes"})
    add_operation(db, "2025-08-01", ("police",), {p4: {"victims": 5, "actions": ["closure"]}})
    # Five more car washes where cash only was answered no, with nothing after.
    for n in range(5):
        quiet = add_premises(db, f"Quiet Wash {n}", HCW, created)
        visit(db, quiet, "2025-11-01T09:00:00+00:00", {"cash_only": "no"})
    # A nail bar whose indicators are markup and a spreadsheet formula.
    n1 = add_premises(db, "Nails", NB, created)
    visit(
        db,
        n1,
        "2025-12-01T09:00:00+00:00",
        {SVG: ("yes", FORMULA), "=1+1": ("no", "<img src=x onerror=alert(1)>")},
    )
    db.conn.commit()


# cash_only: visits P1 1, P2 2 (amended counted once), P3 2 (not the one that could not
# inspect, nor the one after the year), P4 1, five quiet ones 5 = 11; present at P1, P3, P4.
# Later, of those three: victims P1 (same visit) and P3 (same day), referral P1 (once),
# enforcement P1. Never present: P2 and the five quiet ones = 6, of them a referral at P2.
CASH = {
    "answered": 11,
    "present": 3,
    "premises": 3,
    "premises_victims": 2,
    "premises_referral": 1,
    "premises_enforcement": 1,
    "absent": 6,
    "absent_victims": 0,
    "absent_referral": 1,
    "absent_enforcement": 0,
}
# living_on_site: visits P1, P2 (its amendment), P4 = 3; present at P2 and P4, neither
# with anything later; never present at P1, which had all three.
LIVING = {
    "answered": 3,
    "present": 2,
    "premises": 2,
    "premises_victims": 0,
    "premises_referral": 0,
    "premises_enforcement": 0,
    "absent": 1,
    "absent_victims": 1,
    "absent_referral": 1,
    "absent_enforcement": 1,
}


@pytest.fixture
def found(query_db):
    build_world(query_db)
    return insight.build(query_db, YEAR, {}, {(HCW, "cash_only"): "2 points"})


def table(found, sector):
    return next(t for t in found.tables if t.sector == sector)


def test_each_indicator_is_counted_by_the_rule(found):
    rows = {r.indicator: r for r in table(found, HCW).rows}
    assert set(rows) == {"cash_only", "living_on_site"}
    assert rows["cash_only"].counts == CASH
    assert rows["living_on_site"].counts == LIVING
    assert rows["cash_only"].weight == "2 points"
    assert rows["living_on_site"].weight == "Not in the checklist in use"
    assert rows["cash_only"].question == "cash_only"  # as stored, no question given


def test_the_percentages_and_the_order(found):
    hcw = table(found, HCW)
    assert [r.indicator for r in hcw.rows] == ["living_on_site", "cash_only"]  # 67% then 27%
    cash = hcw.rows[1]
    assert cash.share("prevalence") == 27  # 3 of 11
    assert cash.share("premises_victims_share") == 67  # 2 of 3
    assert cash.share("premises_referral_share") == 33
    assert cash.share("absent_referral_share") == 17  # 1 of 6
    assert cash.share("absent_victims_share") == 0
    row = insight.Row("x", "x", "")
    assert row.share("prevalence") is None  # nothing answered: no share of nothing


def test_another_period_counts_only_its_own_visits(query_db):
    build_world(query_db)
    # April to June 2025 in UK days: P3's 23:30 UTC on 31 March is 1 April, P1's and P2's
    # first visits; P2's amended visit of 1 July is not in it.
    quarter = insight.build(query_db, periods.quarter(date(2025, 4, 1)), {}, {})
    rows = {r.indicator: r.counts for r in table(quarter, HCW).rows}
    assert rows["cash_only"]["answered"] == 3
    assert rows["cash_only"]["premises"] == 1 and rows["cash_only"]["absent"] == 2
    assert rows["living_on_site"] == {**dict.fromkeys(insight.COUNTS, 0), "answered": 1} | {
        "absent": 1,
        "absent_victims": 1,
        "absent_referral": 1,
        "absent_enforcement": 1,
    }


def test_the_questions_in_use_are_shown_and_the_stored_one_otherwise(query_db):
    build_world(query_db)
    found = insight.build(query_db, YEAR, {"cash_only": "Cash only?"}, {})
    rows = {r.indicator: r for r in table(found, HCW).rows}
    assert rows["cash_only"].question == "Cash only?"
    assert {r.question for r in table(found, NB).rows} == {
        FORMULA,
        "<img src=x onerror=alert(1)>",
    }


def test_the_shared_version_hides_small_counts_and_their_percentages(found):
    hidden = table(found, HCW).hidden(5)
    assert hidden[("cash_only", "present")] == PRIMARY
    assert hidden[("cash_only", "prevalence")] == PRIMARY  # 3 of 11 would give the 3
    assert ("cash_only", "answered") not in hidden  # 11
    assert ("cash_only", "absent") not in hidden  # 6
    assert ("cash_only", "absent_victims") not in hidden  # zero is shown
    assert ("cash_only", "absent_victims_share") not in hidden  # 0 of 6
    assert hidden[("cash_only", "absent_referral_share")] == PRIMARY
    # A share of a hidden count is hidden even when its own count is zero.
    assert hidden[("living_on_site", "premises_victims_share")] == PRIMARY


def test_weights_in_words():
    def sign(**k):
        return SimpleNamespace(**{"weight": 0, "strength": "", "red_flag": False, **k})

    assert insight.weight_words(sign(weight=1)) == "1 point"
    assert insight.weight_words(sign(weight=3, red_flag=True)) == "3 points, red flag"
    assert insight.weight_words(sign(strength="strong", red_flag=True)) == "Strong sign, red flag"
    assert insight.weight_words(sign(strength="medium")) == "Medium sign"


# The pages.


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from fieldapp.queries import connect

    app = make_app(tmp_path_factory.mktemp("report-insight"))
    db = connect(app.config["DATABASE"])
    build_world(db)
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients}


def get(world, query="", status=200, role="coordinator", path="/reports/indicators"):
    response = world["clients"][role].get(f"{path}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def cells(soup, sector, indicator) -> dict[str, str]:
    row = soup.select_one(f'#indicators-{sector} tr[data-row="{indicator}"]')
    return {td["data-cell"]: " ".join(td.text.split()) for td in row.select("td")}


def test_the_page_shows_the_counts_weights_and_caveat(world):
    soup = parse(get(world, YEAR_ARGS))
    assert soup.select_one("#period-name").text == "Financial year 2025 to 2026"
    assert "not causation" in soup.select_one("#caveat").text
    assert "never changed automatically" in soup.select_one("#caveat").text
    assert "The same day counts" in soup.select_one("#methods").find_next("ul").text
    cash = cells(soup, HCW, "cash_only")
    assert cash == {
        "answered": "11",
        "present": "3 (27%)",
        "premises": "3",
        "premises_victims": "2 (67%)",
        "premises_referral": "1 (33%)",
        "premises_enforcement": "1 (33%)",
        "absent": "6",
        "absent_victims": "0 (0%)",
        "absent_referral": "1 (17%)",
        "absent_enforcement": "0 (0%)",
    }
    with world["app"].app_context():
        from fieldapp.web import checklists as web_checklists

        checklist = web_checklists.current().by_sector[HCW]
        weights = {i.id: insight.weight_words(i) for i in checklist.indicators}
        question = next(i.question for i in checklist.indicators if i.id == "cash_only")
    row = soup.select_one(f'#indicators-{HCW} tr[data-row="cash_only"] th')
    assert question in row.text
    assert f"Current weight: {weights['cash_only']}" in row.text
    table = soup.select_one(f"#indicators-{HCW}")
    assert table.caption.text.startswith("Hand car wash")
    assert table.find_parent(class_="app-table-scroll")["role"] == "region"


def test_the_shared_version_hides_small_counts(world):
    soup = parse(get(world, YEAR_ARGS + "&shared=1"))
    assert soup.select_one("h1").text.strip() == "Indicator insight: version for sharing"
    for td in soup.select("td[data-cell]"):
        assert td.text.split(" (")[0] not in {"1", "2", "3", "4"}, td
    cash = cells(soup, HCW, "cash_only")
    assert cash["answered"] == "11"
    assert cash["present"] == "fewer than 5"  # and no percentage from it
    assert cash["absent"] == "6"
    assert cash["absent_victims"] == "0 (0%)"
    assert cash["absent_referral"] == "fewer than 5"
    assert not soup.select("#download-exact")


def test_hostile_indicators_are_shown_as_text(world):
    html = get(world, YEAR_ARGS)
    assert SVG not in html and "<img src=x" not in html
    soup = parse(html)
    row = soup.select_one(f'#indicators-{NB} tr[data-row="{SVG}"] th')
    assert FORMULA in row.text and SVG in row.text


def csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def test_the_csv_files_exact_and_for_sharing(world):
    exact = csv_rows(get(world, YEAR_ARGS, path="/reports/indicators.csv"))
    row = next(r for r in exact if r[1:2] == ["cash_only"])
    assert row[0] == "Hand car wash"
    assert row[4:] == [
        *(str(CASH[k]) for k in insight.COUNTS),
        *["27%", "67%", "33%", "33%", "0%", "17%", "0%"],
    ]
    assert ["Version", "Exact counts: coordinators only"] in exact
    shared = csv_rows(get(world, YEAR_ARGS + "&shared=1", path="/reports/indicators.csv"))
    row = next(r for r in shared if r[1:2] == ["cash_only"])
    few = "fewer than 5"
    assert row[4:] == [
        *["11", few, few, few, few, few, "6", "0", few, "0"],
        *["hidden", "hidden", "hidden", "hidden", "0%", "hidden", "0%"],
    ]
    assert ["Version", "For sharing: small numbers hidden"] in shared


def test_the_csv_file_is_formula_safe(world):
    table = csv_rows(get(world, YEAR_ARGS, path="/reports/indicators.csv"))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in table for cell in row)
    assert [r[2] for r in table if r[1:2] == [SVG]] == ["'" + FORMULA]
    assert [r[1] for r in table if r[:1] == ["Nail bar"] and r[1] != SVG] == ["'=1+1"]


def test_the_reports_page_links_to_the_insight_for_its_period(world):
    soup = parse(get(world, YEAR_ARGS, path="/reports/"))
    href = soup.select_one("#indicators-link")["href"]
    assert href.startswith("/reports/indicators?") and "from-year=2025" in href


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
@pytest.mark.parametrize("path", ["/reports/indicators", "/reports/indicators.csv"])
def test_only_coordinators_can_see_the_insight(world, role, path):
    assert world["clients"][role].get(f"{path}?{YEAR_ARGS}").status_code == 403


def test_signed_out_people_are_asked_to_sign_in(world):
    response = world["app"].test_client().get("/reports/indicators.csv")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


HOSTILE = [
    *HOSTILE_PERIODS,
    ("period=custom&from-day=31&from-month=2&from-year=2026", "Start date must be a real date"),
]


@pytest.mark.parametrize("path", ["/reports/indicators", "/reports/indicators.csv"])
@pytest.mark.parametrize(("query", "message"), HOSTILE)
def test_a_bad_period_gets_a_clear_error(world, query, message, path):
    soup = parse(get(world, f"{query}&shared=<script>", status=400, path=path))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    assert "<script>" not in str(soup.select_one("main"))
