"""The periods scrutiny figures cover, in UK calendar days, and the one before each.

A council's year is the financial year, 1 April to 31 March; its quarters are April to
June, July to September, October to December and January to March. Each period is
compared with the previous equivalent one: the previous financial year, quarter or month,
or for dates a coordinator chooses, the same number of days immediately before. Chosen
dates that are exactly a financial year, quarter or month are treated as one.

Dates are typed GOV.UK style, as day, month and year boxes, and every mistake is reported
with the box to correct. Pure: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from fieldapp.timeutil import DATE_PARTS, MONTHS, long_date, typed_date

PRESETS = {
    "this_fy": "This financial year",
    "last_fy": "Last financial year",
    "this_quarter": "This quarter",
    "last_quarter": "Last quarter",
    "this_month": "This month",
    "last_month": "Last month",
    "custom": "Dates you choose",
}
DEFAULT = "this_fy"
# The two dates a coordinator can type, by the name of their boxes.
DATES = {"from": "Start date", "to": "End date"}
# Every argument a period is read from (links that keep the period keep these alone).
ARGUMENTS = ("period", *(f"{name}-{part}" for name in DATES for part in DATE_PARTS))


@dataclass(frozen=True)
class Period:
    """UK calendar days ``start`` to ``end``, both included. ``kind`` is "fy", "quarter",
    "month" or "days" (any other run of days)."""

    start: date
    end: date
    kind: str = "days"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bucket(self) -> str | None:
        """The name the running totals keep whole years, quarters and months under."""
        if self.kind == "fy":
            return f"fy{self.start.year}"
        if self.kind == "quarter":
            return f"q{self.start.year}-{(self.start.month + 2) // 3}"
        if self.kind == "month":
            return f"m{self.start.year}-{self.start.month:02d}"
        return None

    def previous(self) -> Period:
        """The previous equivalent period, ending the day before this one starts."""
        before = self.start - timedelta(days=1)
        if self.kind == "fy":
            return financial_year(before)
        if self.kind == "quarter":
            return quarter(before)
        if self.kind == "month":
            return month(before)
        return Period(self.start - timedelta(days=self.days), before)

    @property
    def name(self) -> str:
        """``Financial year 2026 to 2027``, ``April to June 2026``, ``April 2026`` or the dates."""
        if self.kind == "fy":
            return f"Financial year {self.start.year} to {self.end.year}"
        if self.kind == "quarter":
            first, last = MONTHS[self.start.month - 1], MONTHS[self.end.month - 1]
            return f"{first} to {last} {self.start.year}"
        if self.kind == "month":
            return f"{MONTHS[self.start.month - 1]} {self.start.year}"
        return self.dates

    @property
    def dates(self) -> str:
        """``1 April 2026 to 31 March 2027`` (one date for a single day)."""
        if self.start == self.end:
            return long_date(self.start)
        return f"{long_date(self.start)} to {long_date(self.end)}"

    @property
    def short(self) -> str:
        """A column heading's few words: the year, quarter or month, or the dates."""
        if self.kind == "fy":
            return f"{self.start.year} to {self.end.year}"
        return self.name


def financial_year(day: date) -> Period:
    """The financial year ``day`` falls in (1 April to 31 March)."""
    year = day.year if day.month >= 4 else day.year - 1
    return Period(date(year, 4, 1), date(year + 1, 3, 31), "fy")


def quarter(day: date) -> Period:
    """The quarter ``day`` falls in (January to March, April to June, ...)."""
    first = (day.month - 1) // 3 * 3 + 1
    return Period(date(day.year, first, 1), _last_day(day.year, first + 2), "quarter")


def month(day: date) -> Period:
    """The calendar month ``day`` falls in."""
    return Period(date(day.year, day.month, 1), _last_day(day.year, day.month), "month")


def _last_day(year: int, month_number: int) -> date:
    following = date(year + month_number // 12, month_number % 12 + 1, 1)
    return following - timedelta(days=1)


def classify(start: date, end: date) -> Period:
    """Chosen dates as a period: a financial year, quarter or month when they are exactly
    one (so it is compared with the previous one), otherwise a run of days."""
    for whole in (financial_year(start), quarter(start), month(start)):
        if (whole.start, whole.end) == (start, end):
            return whole
    return Period(start, end)


def preset(name: str, today: date) -> Period:
    """The period a preset names, as of ``today`` (a UK date)."""
    if name == "this_fy":
        return financial_year(today)
    if name == "last_fy":
        return financial_year(financial_year(today).start - timedelta(days=1))
    if name == "this_quarter":
        return quarter(today)
    if name == "last_quarter":
        return quarter(quarter(today).start - timedelta(days=1))
    if name == "this_month":
        return month(today)
    if name == "last_month":
        return month(month(today).start - timedelta(days=1))
    raise ValueError(f"unknown period {name!r}")


@dataclass
class Choice:
    """What was asked for: the preset, the period (None when there is a problem), the
    problems by field ("period", "from" or "to"), the boxes in error for each date, and
    what was typed, to show again."""

    preset: str = DEFAULT
    period: Period | None = None
    errors: dict[str, str] = field(default_factory=dict)
    wrong: dict[str, tuple[str, ...]] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)

    def first_box(self, name: str) -> str:
        """The id of the first box to correct for a date (the error summary links to it)."""
        return f"{name}-{(self.wrong.get(name) or DATE_PARTS)[0]}"


def choose(args: Mapping, today: date) -> Choice:
    """The period a request's arguments ask for: ``period`` (a preset, this financial year
    if none), and for ``custom`` the boxes ``from-day``, ``from-month``, ``from-year``,
    ``to-day``, ``to-month`` and ``to-year``."""
    choice = Choice()
    for name in DATES:
        for part in DATE_PARTS:
            choice.typed[f"{name}-{part}"] = str(args.get(f"{name}-{part}") or "").strip()[:20]
    asked = str(args.get("period") or DEFAULT).strip()
    if asked not in PRESETS:
        choice.errors["period"] = "Select a period from the list"
        return choice
    choice.preset = asked
    if asked != "custom":
        choice.period = preset(asked, today)
        return choice
    dates = {name: _read_date(choice, name) for name in DATES}
    if dates["from"] and dates["to"]:
        if dates["to"] < dates["from"]:
            choice.errors["to"] = "End date must be the same as or after the start date"
            choice.wrong["to"] = DATE_PARTS
        else:
            choice.period = classify(dates["from"], dates["to"])
    return choice


def _read_date(choice: Choice, name: str) -> date | None:
    """One typed date, or None with the problem recorded GOV.UK style."""
    parts = {part: choice.typed[f"{name}-{part}"] for part in DATE_PARTS}
    typed, problem, wrong = typed_date(parts, DATES[name])
    if problem:
        choice.errors[name] = problem
        choice.wrong[name] = wrong
    return typed
