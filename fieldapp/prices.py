"""Price signals for model 2 checklists: is the price below what the work must cost?

Three checks, each worked out rather than asked (checklists/README.md, "Price signals"):

- ``price_below_labour_cost``: workers x minutes at the National Living Wage in force on the
  visit's UK date, against the price charged;
- its fallback when workers or minutes were not recorded: a fixed number of labour-minutes
  at the same rate, a weaker sign worth fewer points;
- ``price_below_median``: the price against the median price of the same question at other
  visits recorded in the app (nail bars, where one technician rarely trips a wage check).

Pure: the median arrives as an argument, worked out by the caller from the database.
Whole-number arithmetic throughout, so the phone's copy (static/js/assessment.js) agrees.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from fieldapp.checklists import MEDIAN_RULE, ComputedIndicator, WageRates, format_pence


@dataclass(frozen=True)
class Reference:
    """The median price of one question at other visits, and how many visits it rests on."""

    median_pence: int
    visits: int


@dataclass(frozen=True)
class PriceCheck:
    """One price check made: what was compared and whether it counts as a sign."""

    indicator_id: str
    rule: str
    price_pence: int
    compared_pence: int
    triggered: bool
    points: int
    explanation: str


def labour_cost_pence(workers: int, minutes: int, hourly_rate_pence: int) -> int:
    """Wages for ``workers`` for ``minutes`` at the hourly rate, rounded half up to the penny."""
    return (2 * workers * minutes * hourly_rate_pence + 60) // 120


def lower_median(prices: list[int]) -> int:
    """The median of whole pence, taking the lower middle value of an even count.

    Never a half penny, so the same prices give the same median on the server and phone.
    """
    ordered = sorted(prices)
    return ordered[(len(ordered) - 1) // 2]


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def check(
    computed: ComputedIndicator,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
    references: Mapping[str, Reference],
) -> tuple[PriceCheck | None, str]:
    """Make one computed price check; return it (None if it could not be made) and a note."""
    if computed.rule == MEDIAN_RULE:
        return _median_check(computed, answers, references)
    return _labour_check(computed, answers, visit_date, wage_rates)


def _labour_check(
    computed: ComputedIndicator,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
) -> tuple[PriceCheck | None, str]:
    price = answers.get(computed.price)
    workers, minutes = answers.get(computed.workers), answers.get(computed.minutes)
    measured = _whole(workers) and _whole(minutes)
    if not _whole(price) or not (measured or computed.fallback_minutes):
        return None, (
            "Price check not made: record the price, the number of workers and the minutes "
            "taken to compare the price with the wages."
        )
    try:
        period = wage_rates.period_on(visit_date)
    except ValueError as error:
        return None, f"Price check not made: {error}"
    rate = period.national_living_wage
    rate_words = f"{format_pence(rate)}/h (National Living Wage, {period.nlw_band})"
    if measured:
        cost = labour_cost_pence(workers, minutes, rate)
        worked = f"{_plural(workers, 'worker')} x {minutes} min at {rate_words}"
        weight, weaker = computed.weight, ""
    else:
        cost = labour_cost_pence(1, computed.fallback_minutes, rate)
        worked = f"{computed.fallback_minutes} labour-minutes at {rate_words}"
        weight = computed.fallback_weight
        weaker = " The workers or the minutes were not recorded, so this is a weaker sign."
    triggered = price < cost
    sign = ">" if triggered else "<="
    explanation = f"{worked} = {format_pence(cost)} {sign} {format_pence(price)} charged"
    verdict = (
        "the price is below the wages alone, so it counts as a sign."
        if triggered
        else "the price covers the wages."
    )
    result = PriceCheck(
        indicator_id=computed.id,
        rule=computed.rule if measured else f"{computed.rule}_fallback",
        price_pence=price,
        compared_pence=cost,
        triggered=triggered,
        points=weight if triggered else 0,
        explanation=explanation,
    )
    return result, f"Price check: {explanation}: {verdict}{weaker}"


def _median_check(
    computed: ComputedIndicator,
    answers: Mapping[str, object],
    references: Mapping[str, Reference],
) -> tuple[PriceCheck | None, str]:
    price = answers.get(computed.price)
    if not _whole(price):
        return None, "Price comparison not made: record the price to compare it with other visits."
    reference = references.get(computed.price)
    visits = reference.visits if reference else 0
    if reference is None or visits < computed.min_visits:
        return None, (
            f"Price comparison not made: it needs the price at {computed.min_visits} or more "
            f"other visits recorded in the app, and there {'is' if visits == 1 else 'are'} "
            f"{visits} so far."
        )
    # Below ``below_percent`` of the median, compared in whole numbers (no rounding).
    triggered = 100 * price < computed.below_percent * reference.median_pence
    threshold = (computed.below_percent * reference.median_pence) // 100
    explanation = (
        f"{format_pence(price)} charged; the median at {_plural(visits, 'other visit')} "
        f"recorded in the app is {format_pence(reference.median_pence)}, and "
        f"{computed.below_percent}% of it is {format_pence(threshold)}"
    )
    verdict = (
        "the price is well below what others charge, so it counts as a sign."
        if triggered
        else "the price is not far below what others charge."
    )
    result = PriceCheck(
        indicator_id=computed.id,
        rule=computed.rule,
        price_pence=price,
        compared_pence=reference.median_pence,
        triggered=triggered,
        points=computed.weight if triggered else 0,
        explanation=explanation,
    )
    return result, f"Price comparison: {explanation}: {verdict}"
