"""The periods a report can cover, each beside the previous equivalent one, and the dates a
coordinator types, read GOV.UK style."""

from __future__ import annotations

from datetime import date

import pytest

from fieldapp.reports import periods

D = date


@pytest.mark.parametrize(
    ("preset", "today", "period", "previous"),
    [
        ("this_fy", "2026-03-31", "2025-04-01/2026-03-31", "2024-04-01/2025-03-31"),
        ("this_fy", "2026-04-01", "2026-04-01/2027-03-31", "2025-04-01/2026-03-31"),
        ("last_fy", "2026-04-01", "2025-04-01/2026-03-31", "2024-04-01/2025-03-31"),
        ("this_quarter", "2026-02-10", "2026-01-01/2026-03-31", "2025-10-01/2025-12-31"),
        ("last_quarter", "2026-04-01", "2026-01-01/2026-03-31", "2025-10-01/2025-12-31"),
        ("this_month", "2024-03-15", "2024-03-01/2024-03-31", "2024-02-01/2024-02-29"),
        ("last_month", "2026-01-15", "2025-12-01/2025-12-31", "2025-11-01/2025-11-30"),
    ],
)
def test_each_preset_and_the_period_before_it(preset, today, period, previous):
    chosen = periods.choose({"period": preset}, D.fromisoformat(today))
    assert chosen.errors == {}
    assert f"{chosen.period.start}/{chosen.period.end}" == period
    before = chosen.period.previous()
    assert f"{before.start}/{before.end}" == previous
    assert before.kind == chosen.period.kind


def test_this_financial_year_is_the_default():
    chosen = periods.choose({}, D(2026, 12, 1))
    assert chosen.preset == "this_fy"
    assert chosen.period.name == "Financial year 2026 to 2027"
    assert chosen.period.bucket == "fy2026"


def test_periods_are_named_as_people_say_them():
    assert periods.quarter(D(2026, 5, 1)).name == "April to June 2026"
    assert periods.quarter(D(2026, 5, 1)).bucket == "q2026-2"
    assert periods.month(D(2026, 4, 9)).name == "April 2026"
    assert periods.month(D(2026, 4, 9)).bucket == "m2026-04"
    days = periods.Period(D(2026, 4, 3), D(2026, 4, 9))
    assert days.name == "3 April 2026 to 9 April 2026" and days.bucket is None
    assert periods.Period(D(2026, 4, 3), D(2026, 4, 3)).dates == "3 April 2026"


def test_other_dates_are_compared_with_as_many_days_immediately_before():
    chosen = periods.choose(
        {"period": "custom", "from-day": "1", "from-month": "3", "from-year": "2024",
         "to-day": "10", "to-month": "3", "to-year": "2024"},
        D(2026, 1, 1),
    )  # fmt: skip
    assert chosen.period.kind == "days"
    before = chosen.period.previous()
    assert (before.start, before.end) == (D(2024, 2, 20), D(2024, 2, 29))  # a leap year


def test_typed_dates_that_are_a_whole_year_are_one():
    chosen = periods.choose(
        {"period": "custom", "from-day": " 01 ", "from-month": "4", "from-year": "2025",
         "to-day": "31", "to-month": "03", "to-year": "2026"},
        D(2026, 1, 1),
    )  # fmt: skip
    assert chosen.period.kind == "fy"
    assert chosen.period.previous().name == "Financial year 2024 to 2025"


@pytest.mark.parametrize(
    ("typed", "error", "wrong"),
    [
        ({}, "Enter the start date", ("day", "month", "year")),
        ({"from-day": "1", "from-year": "2026"}, "Start date must include a month", ("month",)),
        ({"from-year": "2026"}, "Start date must include a day and month", ("day", "month")),
        ({"from-day": "1", "from-month": "1", "from-year": "26"}, "Year must include 4 numbers",
         ("year",)),
        ({"from-day": "31", "from-month": "4", "from-year": "2026"},
         "Start date must be a real date", ("day", "month", "year")),
        ({"from-day": "1", "from-month": "1", "from-year": "2100"},
         "Start date must be between 2000 and 2099", ("year",)),
        ({"from-day": "111", "from-month": "1", "from-year": "2026"},
         "Start date must be a real date", ("day", "month", "year")),
    ],
)  # fmt: skip
def test_a_typed_date_that_is_wrong_says_which_box(typed, error, wrong):
    chosen = periods.choose({"period": "custom", **typed}, D(2026, 1, 1))
    assert chosen.period is None
    assert chosen.errors["from"] == error
    assert chosen.wrong["from"] == wrong
    assert chosen.first_box("from") == f"from-{wrong[0]}"
