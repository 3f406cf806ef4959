"""Model 1 scoring (version 1 of both checklists), kept for the visits recorded under it.

The wage arithmetic across rate changes, properties of the score, a worked example. The
version 1 files are kept in tests/checklist_fixtures/v1, released in the shipped lock.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fieldapp.checklists import (
    BAND_RANK,
    WAGE_RATES_FILE,
    YES_NO_ANSWERS,
    Checklist,
    load_checklists,
    load_wage_rates,
)
from fieldapp.scoring import NO_SCORE_MESSAGE, labour_cost_pence, score

SHIPPED = Path(__file__).resolve().parent.parent / "checklists"
VERSION_1 = Path(__file__).resolve().parent / "checklist_fixtures" / "v1"


@cache
def shipped() -> dict[str, Checklist]:
    # Loaded once: hypothesis runs each property many times and the files do not change.
    return load_checklists(VERSION_1, lock_path=SHIPPED / "versions.lock")


@cache
def rates():
    return load_wage_rates(SHIPPED / WAGE_RATES_FILE)


def car_wash() -> Checklist:
    return shipped()["hand_car_wash"]


def price_inputs(price: int, workers: int, minutes: int) -> dict[str, int]:
    return {"price_basic_wash": price, "workers_per_car": workers, "minutes_per_car": minutes}


# --- Wage arithmetic -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workers", "minutes", "rate", "pence"),
    [
        (3, 15, 1271, 953),  # 953.25 rounds down
        (1, 30, 1221, 611),  # 610.5 rounds half up
        (1, 1, 30, 1),  # 0.5 rounds half up
        (1, 1, 29, 0),  # 0.48 rounds down
        (2, 20, 1144, 763),  # 762.67
        (0, 15, 1271, 0),
    ],
)
def test_labour_cost_rounds_half_up_to_the_penny(workers, minutes, rate, pence):
    assert labour_cost_pence(workers, minutes, rate) == pence


@pytest.mark.parametrize(
    ("visit_date", "price", "explanation", "triggered"),
    [
        (date(2025, 3, 31), 600, "3 workers x 15 min at £11.44/h = £8.58 > £6.00 charged", True),
        (date(2025, 4, 1), 600, "3 workers x 15 min at £12.21/h = £9.16 > £6.00 charged", True),
        (date(2026, 3, 31), 600, "3 workers x 15 min at £12.21/h = £9.16 > £6.00 charged", True),
        (date(2026, 4, 1), 600, "3 workers x 15 min at £12.71/h = £9.53 > £6.00 charged", True),
        (date(2026, 4, 1), 1200, "3 workers x 15 min at £12.71/h = £9.53 <= £12.00 charged", False),
        # The same £9.20 wash is below labour cost after the April 2026 rise but not the day before.
        (date(2026, 3, 31), 920, "3 workers x 15 min at £12.21/h = £9.16 <= £9.20 charged", False),
        (date(2026, 4, 1), 920, "3 workers x 15 min at £12.71/h = £9.53 > £9.20 charged", True),
        # A price exactly equal to the wages is not below them.
        (date(2026, 4, 1), 953, "3 workers x 15 min at £12.71/h = £9.53 <= £9.53 charged", False),
    ],
)
def test_price_check_uses_the_rate_in_force_on_the_visit_date(
    visit_date, price, explanation, triggered
):
    result = score(car_wash(), price_inputs(price, 3, 15), visit_date, rates())
    (check,) = result.price_checks
    assert check.explanation == explanation
    assert check.triggered is triggered
    assert result.total == (3 if triggered else 0)
    assert result.maximum == 3
    assert any(explanation in line for line in result.explanation)


def test_price_check_says_one_worker():
    result = score(car_wash(), price_inputs(1200, 1, 30), date(2025, 6, 1), rates())
    assert result.price_checks[0].explanation == (
        "1 worker x 30 min at £12.21/h = £6.11 <= £12.00 charged"
    )


def test_price_check_needs_all_three_measurements():
    answers = {"price_basic_wash": 600, "workers_per_car": 3, "cash_only": "yes"}
    result = score(car_wash(), answers, date(2026, 4, 1), rates())
    assert result.price_checks == ()
    assert (result.total, result.maximum) == (2, 2)
    assert "price_low" in result.not_checked
    assert any(
        line.startswith("Price check not made: record the price") for line in result.explanation
    )


def test_price_check_before_the_first_recorded_rate_is_not_made():
    # The rates now go back to April 2019.
    result = score(car_wash(), price_inputs(600, 3, 15), date(2019, 3, 31), rates())
    assert result.price_checks == ()
    assert result.band is None
    assert any("no wage rate is recorded for 2019-03-31" in line for line in result.explanation)


# --- Rules ---------------------------------------------------------------------------------------


def test_not_seen_neither_adds_nor_counts_as_no():
    answered = score(car_wash(), {"cash_only": "yes", "no_ppe": "no"}, date(2026, 4, 1), rates())
    with_not_seen = score(
        car_wash(),
        {"cash_only": "yes", "no_ppe": "no", "fearful": "not_seen", "long_hours": "not_seen"},
        date(2026, 4, 1),
        rates(),
    )
    assert (answered.total, answered.maximum) == (with_not_seen.total, with_not_seen.maximum)
    assert (answered.total, answered.maximum, answered.percentage) == (2, 5, 40.0)


def test_score_on_a_band_boundary_goes_in_the_higher_band():
    # 2 of 5 is exactly 40%, the start of the high band in the shipped file.
    result = score(car_wash(), {"cash_only": "yes", "no_ppe": "no"}, date(2026, 4, 1), rates())
    assert result.band == "high"
    # 2 of 10 is exactly 20%, the start of medium.
    answers = {"cash_only": "yes", "no_ppe": "no", "no_welfare": "no", "overstaffed": "no"}
    assert score(car_wash(), answers, date(2026, 4, 1), rates()).band == "medium"


def test_unknown_question_or_wrong_answer_is_refused():
    with pytest.raises(ValueError, match='"cash_olny" is not a question in hand_car_wash'):
        score(car_wash(), {"cash_olny": "yes"}, date(2026, 4, 1), rates())
    with pytest.raises(ValueError, match="needs yes, no or not_seen"):
        score(car_wash(), {"cash_only": "maybe"}, date(2026, 4, 1), rates())
    with pytest.raises(ValueError, match="needs a whole number"):
        score(car_wash(), {"workers_per_car": "3"}, date(2026, 4, 1), rates())
    with pytest.raises(ValueError, match="is not a question"):
        score(car_wash(), {"price_low": "yes"}, date(2026, 4, 1), rates())


def test_follow_up_answers_are_accepted_and_score_nothing():
    answers = {"child": "no", "child_count": 2}
    result = score(car_wash(), answers, date(2026, 4, 1), rates())
    assert (result.total, result.maximum) == (0, 5)


# --- Properties ----------------------------------------------------------------------------------

CHECKLIST_IDS = ["hand_car_wash", "nail_bar"]
MEASUREMENT_VALUES = {
    "money": st.integers(0, 3000),
    "count": st.integers(0, 8),
    "minutes": st.integers(0, 180),
}


def answers_for(checklist: Checklist) -> st.SearchStrategy[dict[str, object]]:
    """Any mix of answered and unanswered questions, follow-ups left out."""
    optional = {
        i.id: (
            MEASUREMENT_VALUES[i.answer_type]
            if i.is_measurement
            else st.sampled_from(YES_NO_ANSWERS)
        )
        for i in checklist.indicators
    }
    return st.fixed_dictionaries({}, optional=optional)


visit_dates = st.dates(date(2024, 4, 1), date(2027, 12, 31))


@given(data=st.data(), visit_date=visit_dates)
@pytest.mark.parametrize("checklist_id", CHECKLIST_IDS)
def test_adding_a_yes_never_lowers_the_score_or_band(checklist_id, data, visit_date):
    checklist = shipped()[checklist_id]
    answers = data.draw(answers_for(checklist))
    scored_ids = [i.id for i in checklist.indicators if not i.is_measurement]
    changed = data.draw(st.sampled_from(scored_ids))
    before = score(checklist, answers, visit_date, rates())
    after = score(checklist, {**answers, changed: "yes"}, visit_date, rates())
    assert after.total >= before.total
    assert BAND_RANK[after.band] >= BAND_RANK[before.band]
    if before.percentage is not None:
        assert after.percentage >= before.percentage


@given(data=st.data(), visit_date=visit_dates)
@pytest.mark.parametrize("checklist_id", CHECKLIST_IDS)
def test_any_red_flag_answered_yes_gives_high(checklist_id, data, visit_date):
    checklist = shipped()[checklist_id]
    answers = data.draw(answers_for(checklist))
    flag = data.draw(st.sampled_from([i.id for i in checklist.indicators if i.red_flag]))
    result = score(checklist, {**answers, flag: "yes"}, visit_date, rates())
    assert result.band == "high"
    assert flag in [c.id for c in result.red_flags]


@given(data=st.data(), visit_date=visit_dates)
@pytest.mark.parametrize("checklist_id", CHECKLIST_IDS)
def test_answer_order_changes_nothing(checklist_id, data, visit_date):
    checklist = shipped()[checklist_id]
    answers = data.draw(answers_for(checklist))
    shuffled = dict(data.draw(st.permutations(list(answers.items()))))
    assert score(checklist, shuffled, visit_date, rates()) == score(
        checklist, answers, visit_date, rates()
    )


@given(data=st.data(), visit_date=visit_dates)
@pytest.mark.parametrize("checklist_id", CHECKLIST_IDS)
def test_not_seen_everywhere_gives_no_score_and_says_so(checklist_id, data, visit_date):
    checklist = shipped()[checklist_id]
    # Any subset of questions marked not seen, the rest left unanswered; no measurements.
    ids = [i.id for i in checklist.indicators if not i.is_measurement]
    marked = data.draw(st.lists(st.sampled_from(ids), unique=True))
    result = score(checklist, dict.fromkeys(marked, "not_seen"), visit_date, rates())
    assert (result.total, result.maximum, result.percentage, result.band) == (0, 0, None, None)
    assert result.explanation[0] == NO_SCORE_MESSAGE
    assert result.contributions == ()


@given(data=st.data(), visit_date=visit_dates)
@pytest.mark.parametrize("checklist_id", CHECKLIST_IDS)
def test_result_is_json_friendly_and_carries_the_version(checklist_id, data, visit_date):
    checklist = shipped()[checklist_id]
    result = score(checklist, data.draw(answers_for(checklist)), visit_date, rates())
    stored = json.loads(json.dumps(result.to_dict()))
    assert (stored["checklist_id"], stored["checklist_version"], stored["checklist_hash"]) == (
        checklist.id,
        checklist.version,
        checklist.hash,
    )
    assert stored["visit_date"] == visit_date.isoformat()
    assert stored["total"] == sum(c["points"] for c in stored["contributions"])


# --- A worked example with the real car wash checklist -------------------------------------------


def test_worked_example_car_wash():
    answers = {
        "price_basic_wash": 600,  # £6.00 for the cheapest wash
        "workers_per_car": 3,
        "minutes_per_car": 15,
        "cash_only": "yes",  # 2
        "no_receipt": "yes",  # 1
        "pay_manager": "no",  # 0 of 2
        "overstaffed": "yes",  # 2
        "long_hours": "not_seen",  # left out
        "child": "no",  # 0 of 5 (red flag, not present)
        "id_retained": "no",  # 0 of 5
        "no_contract": "no",  # 0 of 3
        "fearful": "no",  # 0 of 4
        "no_ppe": "yes",  # 3
    }
    result = score(car_wash(), answers, date(2026, 4, 1), rates())
    # yes: 2 + 1 + 2 + 3 = 8, plus the price check (3) = 11.
    # checked: 2 + 1 + 2 + 2 + 5 + 5 + 3 + 4 + 3 + price check 3 = 30.
    assert (result.total, result.maximum, result.percentage, result.band) == (
        11,
        30,
        36.7,
        "medium",
    )
    assert result.red_flags == ()
    assert result.explanation[:2] == (
        "Score 11 out of a possible 30 (36.7%) from 10 indicators checked: medium risk.",
        "Price check: 3 workers x 15 min at £12.71/h = £9.53 > £6.00 charged: the price is below "
        "the wages alone, so it counts as an indicator.",
    )
    assert [c.id for c in result.contributions][-1] == "price_low"
    assert (result.checklist_id, result.checklist_version) == ("hand_car_wash", 1)

    # The same visit, but someone working looks under 18: high whatever the score.
    flagged = score(car_wash(), {**answers, "child": "yes"}, date(2026, 4, 1), rates())
    assert (flagged.total, flagged.maximum, flagged.band) == (16, 30, "high")
    assert [c.id for c in flagged.red_flags] == ["child"]
    assert flagged.explanation[1] == (
        "Red flag: Does anyone working look under 18? Answered yes, so the risk is high whatever "
        "the score."
    )
