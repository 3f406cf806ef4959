"""Minimum wage rates over time, read from ``wage_rates.toml``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fieldapp.checklists._fields import FieldChecks, describe
from fieldapp.checklists.files import WAGE_RATES_FILE, read_toml
from fieldapp.checklists.model import ChecklistError

MAX_PENCE = 100_000_00  # £100,000: far above any real price, low enough to catch a slipped key

# The rates a period may give, by the name callers use. "nlw" is the National Living Wage,
# whose age band moved (25+ to March 2021, 23+ to March 2024, then 21+); "21+" is kept as the
# name model 1 checklists used for it.
AGE_BANDS = {
    "nlw": "national_living_wage",
    "21+": "national_living_wage",
    "21-nlw": "age_21_to_nlw",
    "18-20": "age_18_to_20",
    "16-17": "age_16_to_17",
    "apprentice": "apprentice",
}
REQUIRED = ("national_living_wage", "national_living_wage_age", "age_18_to_20", "age_16_to_17")
OPTIONAL = ("age_21_to_nlw", "apprentice", "accommodation_offset_per_day")


@dataclass(frozen=True)
class WagePeriod:
    """The hourly rates (pence) in force from ``start`` until the next period begins."""

    start: date
    national_living_wage: int
    national_living_wage_age: int
    age_18_to_20: int
    age_16_to_17: int
    age_21_to_nlw: int | None = None
    apprentice: int | None = None
    accommodation_offset_per_day: int | None = None

    @property
    def nlw_band(self) -> str:
        """The National Living Wage's age band in words, e.g. "25 and over"."""
        return f"{self.national_living_wage_age} and over"


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

    def to_list(self) -> list[dict]:
        """The periods as JSON-ready data, for the phone's copy of the price checks."""
        return [
            {**vars(period), "start": period.start.isoformat(), "nlw_band": period.nlw_band}
            for period in self.periods
        ]

    def rate_on(self, day: date, age_band: str = "nlw") -> int:
        """Hourly rate in pence for ``age_band`` (a key of AGE_BANDS) on ``day``.

        ValueError when the band had no rate then (the 21-24 rate ended in April 2024).
        """
        if age_band not in AGE_BANDS:
            raise ValueError(f"unknown age band {age_band!r}: use one of {', '.join(AGE_BANDS)}")
        rate = getattr(self.period_on(day), AGE_BANDS[age_band])
        if rate is None:
            raise ValueError(f"no {age_band} rate is recorded for {day.isoformat()}.")
        return rate


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
    amounts = (*REQUIRED, *OPTIONAL)
    for index, item in enumerate(rates or []):
        item_path = f"rates[{index}]"
        table = validator.table(item, item_path, "[[rates]] block")
        if table is None:
            continue
        before = len(validator.problems)
        validator.keys(table, item_path, required=("from", *REQUIRED), optional=OPTIONAL)
        start = table.get("from")
        if "from" in table and (isinstance(start, datetime) or not isinstance(start, date)):
            validator.problem(
                f"{item_path}.from",
                f"{describe(start)} is not a date: write it like 2026-04-01, without quotes.",
            )
        pence = {
            key: validator.whole_number(
                table, key, item_path, *((16, 30) if key.endswith("_age") else (1, MAX_PENCE))
            )
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
