"""Minimum wage rates over time, read from ``wage_rates.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fieldapp.checklists._fields import FieldChecks, describe
from fieldapp.checklists.files import WAGE_RATES_FILE, read_toml
from fieldapp.checklists.model import ChecklistError

MAX_PENCE = 100_000_00  # £100,000: far above any real price, low enough to catch a slipped key

AGE_BANDS = {"21+": "age_21_and_over", "18-20": "age_18_to_20", "16-17": "age_16_to_17"}


@dataclass(frozen=True)
class WagePeriod:
    """The hourly rates (pence) in force from ``start`` until the next period begins."""

    start: date
    age_21_and_over: int
    age_18_to_20: int
    age_16_to_17: int
    accommodation_offset_per_day: int | None = None


@dataclass(frozen=True)
class WageRates:
    """Minimum wage rates over time, oldest first."""

    periods: tuple[WagePeriod, ...]

    def period_on(self, day: date) -> WagePeriod:
        """The rates in force on ``day``; ValueError if ``day`` is before the first period."""
        if isinstance(day, datetime):
            day = day.date()  # a datetime cannot be compared with the dates in the file
        in_force = [period for period in self.periods if period.start <= day]
        if not in_force:
            first = self.periods[0].start.isoformat() if self.periods else "none"
            raise ValueError(
                f"no wage rate is recorded for {day.isoformat()}: the earliest in "
                f"{WAGE_RATES_FILE} is from {first}."
            )
        return in_force[-1]

    def rate_on(self, day: date, age_band: str = "21+") -> int:
        """Hourly rate in pence for ``age_band`` ("21+", "18-20" or "16-17") on ``day``."""
        if age_band not in AGE_BANDS:
            raise ValueError(f"unknown age band {age_band!r}: use one of {', '.join(AGE_BANDS)}")
        return getattr(self.period_on(day), AGE_BANDS[age_band])


def load_wage_rates(path: Path) -> WageRates:
    """Load and validate ``wage_rates.toml``; raises ChecklistError listing every problem."""
    path = Path(path)
    raw, problems = read_toml(path)
    if raw is None:
        raise ChecklistError(problems)
    validator = FieldChecks(str(path))
    validator.keys(raw, "", required=("rates",))
    rates = raw.get("rates")
    if "rates" in raw and (not isinstance(rates, list) or not rates):
        validator.problem("rates", "must be one or more [[rates]] blocks.")
        rates = []
    periods: list[tuple[int, WagePeriod]] = []
    amounts = (*AGE_BANDS.values(), "accommodation_offset_per_day")
    for index, item in enumerate(rates or []):
        item_path = f"rates[{index}]"
        table = validator.table(item, item_path, "[[rates]] block")
        if table is None:
            continue
        before = len(validator.problems)
        validator.keys(table, item_path, required=("from", *AGE_BANDS.values()), optional=amounts)
        start = table.get("from")
        if "from" in table and (isinstance(start, datetime) or not isinstance(start, date)):
            validator.problem(
                f"{item_path}.from",
                f"{describe(start)} is not a date: write it like 2026-04-01, without quotes.",
            )
        pence = {
            key: validator.whole_number(table, key, item_path, 1, MAX_PENCE)
            for key in amounts
            if key in table
        }
        if len(validator.problems) == before:
            periods.append((index, WagePeriod(start=start, **pence)))
    for (_, earlier), (index, later) in zip(periods, periods[1:], strict=False):
        if later.start <= earlier.start:
            validator.problem(
                f"rates[{index}].from",
                f"{later.start.isoformat()} is not after {earlier.start.isoformat()}: "
                "keep the [[rates]] blocks in date order, oldest first, one per date.",
            )
    if validator.problems:
        raise ChecklistError(validator.problems)
    return WageRates(tuple(period for _, period in periods))
