"""The indicator insight reads each visit's indicators from ``visit_signs`` (m026), kept by
triggers as visits are written and removed: its rows must be exactly what reading every
visit's stored result gives. The reference below is the query the insight ran before, kept
here because it defines the rule; the world holds amendments, visits that could not
inspect, hostile and odd contributions and times on the UK's clock changes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from fieldapp.migrations import m026_visit_signs
from fieldapp.queries import insight as insight_q
from fieldapp.queries import query, uk_date_sql
from tests.report_world import add_premises
from tests.test_report_insight import FORMULA, HCW, NB, SVG, build_world, visit

_DAY = uk_date_sql("v.visited_at")
_ANSWER = "json_extract(c.value, '$.answer')"
REFERENCE = (
    "SELECT v.premises_id, p.sector, json_extract(c.value, '$.id') AS indicator, "  # noqa: S608 - fixed fragments
    "max(json_extract(c.value, '$.question')) AS question, count(*) AS answered, "
    f"count(CASE WHEN {_ANSWER} = 'yes' THEN 1 END) AS present, "
    f"min({_DAY}) AS first_answered, "
    f"min(CASE WHEN {_ANSWER} = 'yes' THEN {_DAY} END) AS first_present "
    "FROM visits v JOIN premises p ON p.id = v.premises_id, "
    "json_each(v.result, '$.contributions') c "
    "WHERE v.visited_at >= :start AND v.visited_at < :end AND v.outcome = 'assessed' "
    "AND NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id) "
    f"AND c.type = 'object' AND {_ANSWER} IN ('yes', 'no') "
    "AND json_extract(c.value, '$.id') IS NOT NULL GROUP BY 1, 2, 3"
)
PERIODS = [
    ("2025-03-31T23:00:00+00:00", "2026-03-31T23:00:00+00:00"),  # the financial year
    ("2025-03-31T23:00:00+00:00", "2025-06-30T23:00:00+00:00"),  # its first quarter
    ("2000-01-01T00:00:00+00:00", "2100-01-01T00:00:00+00:00"),  # everything
    ("2025-10-26T23:30:00+00:00", "2025-10-26T23:30:01+00:00"),  # one instant
]
# Contributions the rule leaves out, beside ones it counts.
ODD = [
    {"id": "not_seen", "answer": "not_seen"},
    {"id": "upper", "answer": "YES"},
    {"id": None, "answer": "yes"},
    {"question": "no id", "answer": "no"},
    "a string",
    ["a", "list"],
    7,
    {"id": 42, "question": 3.5, "answer": "yes"},  # a number for an id stays a number
    {"id": "dup", "question": "first", "answer": "no"},
    {"id": "dup", "question": "second", "answer": "yes"},  # twice in one visit: twice
    {"id": "nested", "question": {"a": [1]}, "answer": "no"},
    {"id": "'); DROP TABLE visits; --", "question": "\u202e\x00\n", "answer": "yes"},
]


def _raw_visit(db, premises_id: int, at: str, result) -> str:
    """A visit whose stored result is ``result`` as given."""
    visit_id = visit(db, premises_id, at, {})
    db.execute("DROP TRIGGER visits_locked")
    db.execute("UPDATE visits SET result = ? WHERE id = ?", [json.dumps(result), visit_id])
    db.execute("DELETE FROM visit_signs WHERE visit_id = ?", [visit_id])
    db.execute(f"INSERT INTO visit_signs {_backfill_select('v.id = ?')}", [visit_id])
    db.execute(
        "CREATE TRIGGER visits_locked BEFORE UPDATE ON visits BEGIN SELECT RAISE(ABORT, "
        "'submitted visits cannot be changed: amend instead'); END"
    )
    return visit_id


def _backfill_select(where: str) -> str:
    """m026's backfill of stored visits, narrowed to the visits ``where`` picks."""
    backfill = m026_visit_signs.STATEMENTS[2]
    assert backfill.startswith("INSERT INTO visit_signs ")
    select = backfill[backfill.index("(premises_id") :]
    return select.replace("WHERE v.outcome", f"WHERE {where} AND v.outcome", 1)


def build_odd_world(db) -> dict:
    """The insight test world, and more: odd contributions, amendment chains and times on
    the UK clock changes, a sector changed after its visits."""
    build_world(db)
    odd = add_premises(db, "Odd", NB, "2024-01-10T09:00:00+00:00")
    clocks = add_premises(db, "Clocks", HCW, "2024-01-10T09:00:00+00:00")
    chain = add_premises(db, "Chain", HCW, "2024-01-10T09:00:00+00:00")
    visit(db, odd, "2025-05-02T10:00:00+00:00", {SVG: "no", FORMULA: ("yes", SVG)})
    _raw_visit(db, odd, "2025-05-03T10:00:00.123456+00:00", {"contributions": ODD})
    _raw_visit(db, odd, "2025-05-04T10:00:00+00:00", {"contributions": ODD[-1]})  # an object
    _raw_visit(db, odd, "2025-05-05T10:00:00+00:00", {"contributions": "yes"})
    _raw_visit(db, odd, "2025-05-06T10:00:00+00:00", {"model": 2})
    _raw_visit(db, odd, "2025-05-07T10:00:00+00:00", [1, 2])
    # 23:xx UTC either side of each clock change, a few years running.
    for change in ("2025-03-30", "2025-10-26", "2026-03-29", "2026-10-25", "2024-03-31"):
        for shift in (-1, 0, 1):
            day = date.fromisoformat(change) + timedelta(days=shift)
            at = f"{day.isoformat()}T23:{30 + shift:02d}:00+00:00"
            visit(db, clocks, at, {"cash_only": "yes" if shift else "no"})
    # Three revisions: only the last counts; a visit that could not inspect amended into one
    # that could, and one that could amended into one that could not.
    one = visit(db, chain, "2025-08-01T09:00:00+00:00", {"cash_only": "yes"})
    two = visit(db, chain, "2025-08-01T09:00:00+00:00", {"cash_only": "no"}, amends=one)
    visit(db, chain, "2025-08-01T09:00:00+00:00", {"living_on_site": "yes"}, amends=two)
    closed = visit(db, chain, "2025-08-02T09:00:00+00:00", {"a": "yes"}, assessed=False)
    visit(db, chain, "2025-08-02T09:00:00+00:00", {"b": "yes"}, amends=closed)
    opened = visit(db, chain, "2025-08-03T09:00:00+00:00", {"c": "yes"})
    visit(db, chain, "2025-08-03T09:00:00+00:00", {"d": "yes"}, amends=opened, assessed=False)
    db.execute("UPDATE premises SET sector = ? WHERE id = ?", [NB, chain])
    db.conn.commit()
    return {"two": two, "chain": chain}


def _sorted(rows: list[dict]) -> list[dict]:
    return sorted(rows, key=repr)


def assert_same(db) -> None:
    for start, end in PERIODS:
        params = {"start": start, "end": end}
        expected = _sorted(query(db, REFERENCE, params))
        assert _sorted(insight_q.signs(db, start, end)) == expected, (start, end)


@pytest.fixture
def odd_db(query_db):
    made = build_odd_world(query_db)
    return query_db, made


def test_the_signs_are_what_the_stored_results_give(odd_db):
    db, _ = odd_db
    assert_same(db)
    rows = insight_q.signs(db, *PERIODS[2])
    indicators = {r["indicator"] for r in rows}
    assert {42, "dup", SVG, FORMULA, "'); DROP TABLE visits; --"} <= indicators
    assert not {"not_seen", "upper", None} & indicators
    dup = next(r for r in rows if r["indicator"] == "dup")
    assert (dup["answered"], dup["present"], dup["question"]) == (2, 1, "second")


def test_the_uk_day_is_the_apps_for_every_time_stored(odd_db):
    db, _ = odd_db
    wrong = query(
        db,
        f"SELECT s.visited_at, s.visited_day, {uk_date_sql('s.visited_at')} AS uk "  # noqa: S608 - fixed fragments
        "FROM visit_signs s",
    )
    assert len(wrong) > 30
    assert [r for r in wrong if r["visited_day"] != r["uk"]] == []


def test_the_backfill_gives_what_the_triggers_keep(odd_db):
    db, _ = odd_db
    stored = "SELECT * FROM visit_signs ORDER BY 1, 2, 3, 4, 5"
    kept = query(db, stored)
    assert kept
    db.execute("DELETE FROM visit_signs")
    db.execute(m026_visit_signs.STATEMENTS[2])
    assert query(db, stored) == kept
    assert_same(db)


def test_removing_visits_takes_their_signs(odd_db):
    db, made = odd_db
    newest = db.execute("SELECT id FROM visits WHERE amends = ?", [made["two"]]).fetchone()[0]
    # The newest revision removed: the one it amended counts again.
    signs_of = "SELECT count(*) FROM visit_signs WHERE visit_id = ?"
    assert db.execute(signs_of, [newest]).fetchone() == (1,)
    db.execute("DELETE FROM visits WHERE id = ?", [newest])
    assert db.execute(signs_of, [newest]).fetchone() == (0,)
    assert_same(db)
    db.execute("DELETE FROM visits WHERE premises_id = ?", [made["chain"]])  # every revision
    assert_same(db)
    assert db.execute(
        "SELECT count(*) FROM visit_signs WHERE visit_id NOT IN (SELECT id FROM visits)"
    ).fetchone() == (0,)
