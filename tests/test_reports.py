"""The scrutiny figures, counted over a council built by hand (tests/report_world.py) so that
every expected figure is known from the records, not read back from the app."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.migrations import m018_report_figures as m018
from fieldapp.queries import connect
from fieldapp.reports import figures, periods
from fieldapp.timeutil import uk_date, uk_today
from tests.conftest import AuthActions, csrf_token, parse
from tests.report_world import EXPECTED, ROUTES, add_visit, build_council
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises as add_app_premises
from tests.visit_helpers import visit_form

YEAR = periods.financial_year(date(2025, 6, 1))
COLUMNS = ("hand_car_wash", "nail_bar", "total")


@pytest.fixture
def council(query_db):
    return query_db, build_council(query_db)


def report(db, period=YEAR, **options):
    return figures.build(
        db,
        period,
        flag_bands=options.get("flag_bands", ["high"]),
        routes=options.get("routes", ROUTES),
        indicators={"id_retained": "Has anyone's ID been taken?"},
    )


def counted(report, key: str) -> tuple[tuple, tuple]:
    found = {f.key: f for f in report.figures()}
    assert key in found, f"no figure {key}; have {sorted(found)}"
    return tuple(tuple(found[key].counts[p][c] for c in COLUMNS) for p in ("current", "previous"))


@pytest.fixture
def year_report(council):
    db, _ = council
    return report(db)


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_figure_for_a_financial_year_beside_the_year_before(year_report, key):
    assert counted(year_report, key) == EXPECTED[key]


def test_no_figure_goes_untested(year_report):
    assert {f.key for f in year_report.figures()} == set(EXPECTED)


def test_the_year_is_compared_with_the_previous_financial_year(year_report):
    assert (year_report.period.start, year_report.period.end) == (
        date(2025, 4, 1),
        date(2026, 3, 31),
    )
    previous = year_report.previous
    assert (previous.start, previous.end, previous.kind) == (
        date(2024, 4, 1),
        date(2025, 3, 31),
        "fy",
    )


def test_a_figure_says_how_it_was_counted_and_what_it_is_part_of(year_report):
    found = {f.key: f for f in year_report.figures()}
    assert all(f.how for f in found.values())
    assert found["visits.not_judged"].parent == "visits"
    assert found["referrals.nrm"].parent == "referrals"
    assert found["red_flags.slavery.id_retained.CTL"].label == "Has anyone's ID been taken?"
    assert found["red_flags.safety.electrical.HS"].label == "Electrical"  # no question known


# The UK day each visit below is on, and the visits (hand car wash, nail bar) counted then.
DAYS = [
    # 23:30 UTC on 31 March 2025 is 12:30am BST on 1 April 2025.
    (date(2025, 4, 1), (1, 0)),
    (date(2025, 3, 31), (1, 0)),  # 11:59:59pm BST on 31 March 2025
    # 22:30 UTC on 31 March 2026 is 11:30pm BST: still 31 March, still this year.
    (date(2026, 3, 31), (0, 1)),
    # 23:30 UTC on 25 October (BST) and on 26 October (GMT, the clocks went back) are both 26th.
    (date(2025, 10, 26), (0, 2)),
    (date(2025, 10, 25), (0, 0)),
    # In winter 23:30 UTC is 11:30pm GMT the same day.
    (date(2025, 1, 15), (0, 1)),
    (date(2025, 1, 16), (0, 0)),
]


@pytest.mark.parametrize(("day", "visits"), DAYS)
def test_visits_are_counted_on_their_uk_day(council, day, visits):
    db, _ = council
    one_day = report(db, periods.Period(day, day))
    current, _ = counted(one_day, "visits")
    assert current == (*visits, sum(visits))
    assert counted(one_day, "visited")[0] == tuple(min(n, 1) for n in (*visits, sum(visits)))


def test_a_visit_at_1130pm_utc_on_31_march_in_summer_belongs_to_the_next_year(council):
    db, _ = council
    next_year = report(db, periods.financial_year(date(2026, 4, 1)))
    # Charlie Wash's visit at 23:30 UTC on 31 March 2026 is on 1 April 2026, with its red flag.
    assert counted(next_year, "visits")[0] == (1, 0, 1)
    assert counted(next_year, "red_flags.slavery.fearful.CTL")[0] == (1, 0, 1)
    assert counted(next_year, "operations")[0] == (None, None, 1)
    assert counted(next_year, "referrals.nrm")[0] == (0, 1, 1)  # made at 12:15am BST


def test_a_visit_at_2300_utc_is_on_the_next_uk_day_only_in_summer():
    # The SQL the running totals use, against the zone rules, at every hour for six years.
    import sqlite3
    from datetime import UTC, datetime, timedelta

    conn = sqlite3.connect(":memory:")
    moment = datetime(2023, 1, 1, 0, 30, tzinfo=UTC)
    while moment.year < 2029:
        stored = moment.isoformat()
        sql = conn.execute(f"SELECT {m018.uk_day(':t')}", {"t": stored}).fetchone()[0]  # noqa: S608
        assert sql == uk_date(stored).isoformat(), stored
        moment += timedelta(hours=1)


def test_an_amended_visit_counts_once_as_amended(council):
    db, ids = council
    # Echo Nails' visit on 26 October was first recorded high with a red flag and 3 potential
    # victims, then amended to medium, no red flag, 1 potential victim.
    october = report(db, periods.month(date(2025, 10, 1)))
    assert counted(october, "visits")[0] == (0, 2, 2)
    assert counted(october, "visits.high")[0] == (0, 0, 0)
    assert counted(october, "visits.medium")[0] == (0, 1, 1)
    assert counted(october, "victims.visits")[0] == (0, 1, 1)
    assert counted(october, "red_flags")[0] == (0, 0, 0)
    assert counted(october, "flagged")[0] == (0, 0, 0)


def test_amending_again_replaces_the_amendment(council):
    db, ids = council
    second = db.execute(
        "SELECT id FROM visits WHERE premises_id = ? AND revision = 2", [ids["n1"]]
    ).fetchone()[0]
    add_visit(db, ids["n1"], "2025-11-02T10:00:00+00:00", "high", red_flags=("fearful",),
              victims=5, amends=second)  # fmt: skip
    db.conn.commit()
    october, november = (report(db, periods.month(date(2025, m, 1))) for m in (10, 11))
    assert counted(october, "visits")[0] == (0, 1, 1)  # the date was corrected too
    assert counted(november, "visits")[0] == (0, 1, 1)
    assert counted(november, "red_flags.slavery.fearful.CTL")[0] == (0, 1, 1)
    assert counted(november, "victims.visits")[0] == (0, 5, 5)
    assert counted(report(db), "visits")[0] == (4, 3, 7)  # still one visit in the year


def test_a_corrected_referral_counts_once_as_corrected(year_report):
    # Recorded as Duty to Notify for an adult (labour, criminal), corrected to a child
    # safeguarding referral for a child (sexual exploitation).
    assert counted(year_report, "referrals.duty_to_notify")[0] == (0, 0, 0)
    assert counted(year_report, "referrals.child")[0] == (1, 0, 1)
    assert counted(year_report, "exploitation.criminal")[0] == (0, 0, 0)
    assert counted(year_report, "exploitation.sexual")[0] == (1, 0, 1)
    assert counted(year_report, "people.children")[0] == (1, 0, 1)


def test_the_flag_rule_follows_the_deployments_bands(council):
    db, _ = council
    # With medium flagging too, Bravo Wash (medium) and Echo Nails (medium, as amended) count.
    assert counted(report(db, flag_bands=["high", "medium"]), "flagged")[0] == (3, 2, 5)


def test_dates_that_are_exactly_a_year_quarter_or_month_are_one(council):
    assert periods.classify(date(2025, 4, 1), date(2026, 3, 31)).kind == "fy"
    assert periods.classify(date(2025, 7, 1), date(2025, 9, 30)).kind == "quarter"
    assert periods.classify(date(2025, 2, 1), date(2025, 2, 28)).kind == "month"
    assert periods.classify(date(2025, 2, 1), date(2025, 2, 27)).kind == "days"


@pytest.mark.parametrize(
    "period",
    [YEAR, periods.quarter(date(2025, 10, 1)), periods.month(date(2026, 3, 1))],
    ids=["year", "quarter", "month"],
)
def test_counting_premises_by_looking_agrees_with_the_running_totals(council, period):
    db, _ = council
    kept = report(db, period)
    looked = report(db, periods.Period(period.start, period.end))  # as days: no bucket
    for key in ("visited", "flagged"):
        assert counted(looked, key)[0] == counted(kept, key)[0], key


def test_other_dates_are_compared_with_as_many_days_before(council):
    db, _ = council
    chosen = report(db, periods.Period(date(2025, 4, 1), date(2025, 4, 10)))
    assert (chosen.previous.start, chosen.previous.end) == (date(2025, 3, 22), date(2025, 3, 31))
    assert counted(chosen, "visits") == ((1, 0, 1), (1, 0, 1))
    assert counted(chosen, "referrals.nrm") == ((1, 0, 1), (1, 0, 1))


# Each table of running totals, and how many of its last columns are counts.
TOTALS = {
    "report_visit_days": 2,
    "report_red_flag_days": 1,
    "report_premises": 5,
    "report_register_days": 1,
    "report_referral_days": 3,
    "report_exploitation_days": 1,
}


def totals(db) -> dict[str, set]:
    """Every running total with anything in it."""
    return {
        table: {row for row in db.execute(f"SELECT * FROM {table}") if any(row[-n:])}  # noqa: S608
        for table, n in TOTALS.items()
    }


def counted_afresh(db) -> dict[str, set]:
    """The running totals as the migration counts them from what is stored."""
    kept = totals(db)
    for table in TOTALS:
        db.execute(f"DELETE FROM {table}")  # noqa: S608
    for statement in m018.BACKFILL:
        db.execute(statement)
    afresh = totals(db)
    db.conn.rollback()
    assert totals(db) == kept
    return afresh


def test_the_running_totals_kept_as_records_arrive_are_those_counted_afresh(council):
    db, _ = council
    db.conn.execute("BEGIN")
    assert totals(db) == counted_afresh(db)


def test_changing_a_premises_sector_moves_its_figures(council):
    db, ids = council
    db.execute("UPDATE premises SET sector = 'nail_bar' WHERE id = ?", [ids["p1"]])
    db.conn.commit()
    moved = report(db)
    assert counted(moved, "visits")[0] == (2, 5, 7)
    assert counted(moved, "register")[0] == (2, 4, 6)
    assert counted(moved, "visited")[0] == (1, 3, 4)
    assert counted(moved, "referrals")[0] == (1, 3, 4)
    db.conn.execute("BEGIN")
    assert totals(db) == counted_afresh(db)


def test_visits_and_referrals_recorded_through_the_app_are_counted(app):
    """The forms' own path: a visit with a red flag, its amendment, a referral and its
    correction, each counted once as it now stands."""
    client = app.test_client()
    AuthActions(client).login("coordinator")
    premises_id = add_app_premises(app, "Real Wash")
    form = visit_form(**{"q-id_retained": "yes"}, potential_victims="2")
    assert post_visit(client, premises_id, form).status_code == 303
    url = f"/visits/{form['visit_id']}"

    def post(path, **data):
        token = csrf_token(client.get(url).get_data(as_text=True))
        return client.post(f"{url}{path}", data={"csrf_token": token, **data})

    adult = {"route": "nrm", "adults": "1", "exploitation": "labour", "consent_recorded": "yes"}
    assert post("/referrals", **adult).status_code == 303
    db = connect(app.config["DATABASE"])
    month = periods.month(uk_today())
    before = report(db, month)
    assert counted(before, "visits.high")[0] == (1, 0, 1)
    assert counted(before, "red_flags.slavery.id_retained.CTL")[0] == (1, 0, 1)
    assert counted(before, "victims.visits")[0] == (2, 0, 2)
    assert counted(before, "referrals.nrm")[0] == (1, 0, 1)

    amend_url = f"{url}/amend"
    new_id = parse(client.get(amend_url).get_data(as_text=True)).select_one(
        'input[name="visit_id"]'
    )["value"]
    fixed = visit_form(visit_id=new_id, potential_victims="1", amendment_reason="Misread")
    assert post_visit(client, premises_id, fixed, url=amend_url).status_code == 303
    referral = db.execute("SELECT id FROM referrals").fetchone()[0]
    assert (
        post(f"/referrals/{referral}/correct", **adult, children="1", correction_reason="16")
    ).status_code == 303
    after = report(db, month)
    db.conn.close()
    assert counted(after, "visits")[0] == (1, 0, 1)
    assert counted(after, "visits.high")[0] == (0, 0, 0)
    assert counted(after, "red_flags")[0] == (0, 0, 0)
    assert counted(after, "victims.visits")[0] == (1, 0, 1)
    assert counted(after, "referrals.nrm")[0] == (1, 0, 1)
    assert counted(after, "people")[0] == (2, 0, 2)


def test_staff_trained_as_first_responders_on_each_periods_last_day(query_db):
    from fieldapp import training
    from fieldapp.queries import users as users_q
    from tests.conftest import USERS

    db = query_db
    inspector = users_q.find_by_username(db, USERS["inspector"][0])["id"]
    coordinator = users_q.find_by_username(db, USERS["coordinator"][0])["id"]
    # In date at the end of 2025-26 (31 March 2026), not yet trained at the end of 2024-25.
    training.record(db, inspector, course="First responder e-learning",
                    trained_on=date(2025, 6, 1), recorded_by=None)  # fmt: skip
    # More than 12 months before both year ends: overdue at each.
    training.record(db, coordinator, course="Local awareness",
                    trained_on=date(2024, 1, 15), recorded_by=None)  # fmt: skip
    built = figures.build(db, YEAR, flag_bands=["high"], routes=ROUTES, indicators={},
                          refresh_months=12)  # fmt: skip
    found = {f.key: f for f in built.figures()}
    both = {k: (found[k].counts["current"]["total"], found[k].counts["previous"]["total"])
            for k in ("officers", "trained", "overdue", "untrained")}  # fmt: skip
    assert both == {
        "officers": (2, 2),
        "trained": (1, 0),
        "overdue": (1, 1),
        "untrained": (0, 1),
    }
