"""Score a visit's answers against a model 1 checklist (version 1 of both sectors).

Model 2 checklists are assessed by fieldapp.assessment instead; visits recorded under
model 1 keep this result and render as they always have.

The score is the share of checkable warning signs that were present: "not seen" means the officer
could not check, so it neither adds points nor counts as a "no". A red flag answered yes makes the
visit high risk whatever the score, because one such sign is enough to act on.

Pure: no Flask, no database. The same answers, checklist and date always give the same result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp.checklists import (
    YES_NO_ANSWERS,
    Checklist,
    ComputedIndicator,
    WageRates,
    format_pence,
)

NO_SCORE_MESSAGE = "No indicators could be checked, so there is no score."


@dataclass(frozen=True)
class Contribution:
    """One indicator that was checked (answered yes or no) and so counts towards the maximum."""

    id: str
    question: str
    category: str
    weight: int
    answer: str
    red_flag: bool
    points: int


@dataclass(frozen=True)
class PriceCheck:
    """The price charged against the wages the work alone costs at the rate on the visit date."""

    indicator_id: str
    price_pence: int
    workers: int
    minutes: int
    hourly_rate_pence: int
    labour_cost_pence: int
    triggered: bool
    explanation: str


@dataclass(frozen=True)
class ScoreResult:
    """Everything needed to show, store and explain a visit's score."""

    checklist_id: str
    checklist_version: int
    checklist_hash: str
    visit_date: date
    contributions: tuple[Contribution, ...]
    total: int
    maximum: int
    percentage: float | None
    band: str | None
    red_flags: tuple[Contribution, ...]
    not_checked: tuple[str, ...]
    price_checks: tuple[PriceCheck, ...]
    explanation: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly copy (dates as ISO text, tuples as lists).

        Written out by hand: dataclasses.asdict deep-copies every value and was the
        largest single cost of storing a visit.
        """
        return {
            "checklist_id": self.checklist_id,
            "checklist_version": self.checklist_version,
            "checklist_hash": self.checklist_hash,
            "visit_date": self.visit_date.isoformat(),
            "contributions": [dict(c.__dict__) for c in self.contributions],
            "total": self.total,
            "maximum": self.maximum,
            "percentage": self.percentage,
            "band": self.band,
            "red_flags": [dict(c.__dict__) for c in self.red_flags],
            "not_checked": list(self.not_checked),
            "price_checks": [dict(p.__dict__) for p in self.price_checks],
            "explanation": list(self.explanation),
        }


def labour_cost_pence(workers: int, minutes: int, hourly_rate_pence: int) -> int:
    """Wages for ``workers`` for ``minutes`` at the hourly rate, rounded half up to the penny.

    Integer arithmetic, so 953.25p is always 953p and 953.5p always 954p, with no float drift.
    """
    return (2 * workers * minutes * hourly_rate_pence + 60) // 120


def score(
    checklist: Checklist,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
) -> ScoreResult:
    """Score ``answers`` (question id -> "yes"/"no"/"not_seen", or pence/whole number).

    A missing answer counts as not seen. Raises ValueError for an id the checklist does not have
    or an answer of the wrong kind, since either means the form and checklist disagree.
    """
    check_answers(checklist, answers)
    contributions, not_checked = _answered_indicators(checklist, answers)
    price_checks, price_notes, priced, unpriced = _price_contributions(
        checklist, answers, visit_date, wage_rates
    )
    contributions += priced
    not_checked += unpriced
    total = sum(c.points for c in contributions)
    maximum = sum(c.weight for c in contributions)
    red_flags = tuple(c for c in contributions if c.red_flag and c.answer == "yes")
    band = _band(checklist, total, maximum, red_flags)
    percentage = percent_one_decimal(total, maximum) if maximum else None
    summary = _summary(total, maximum, percentage, band, len(contributions), red_flags)
    explanation = _explanation(summary, red_flags, price_notes, not_checked, maximum)
    return ScoreResult(
        checklist_id=checklist.id,
        checklist_version=checklist.version,
        checklist_hash=checklist.hash,
        visit_date=visit_date,
        contributions=tuple(contributions),
        total=total,
        maximum=maximum,
        percentage=percentage,
        band=band,
        red_flags=red_flags,
        not_checked=tuple(not_checked),
        price_checks=tuple(price_checks),
        explanation=tuple(explanation),
    )


def _answered_indicators(
    checklist: Checklist, answers: Mapping[str, object]
) -> tuple[list[Contribution], list[str]]:
    """The yes/no indicators answered yes or no, and the ids of those not seen or not answered."""
    contributions: list[Contribution] = []
    not_checked: list[str] = []
    for indicator in checklist.indicators:
        if indicator.is_measurement:
            continue
        answer = answers.get(indicator.id)
        if answer in ("yes", "no"):
            contributions.append(
                Contribution(
                    id=indicator.id,
                    question=indicator.question,
                    category=indicator.category,
                    weight=indicator.weight,
                    answer=str(answer),
                    red_flag=indicator.red_flag,
                    points=indicator.weight if answer == "yes" else 0,
                )
            )
        else:
            not_checked.append(indicator.id)
    return contributions, not_checked


def _price_contributions(
    checklist: Checklist,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
) -> tuple[list[PriceCheck], list[str], list[Contribution], list[str]]:
    """Make each price check the answers allow.

    Returns the checks made, one note per computed indicator (made or not), a contribution per
    check made and the ids of the computed indicators that could not be checked.
    """
    price_checks: list[PriceCheck] = []
    price_notes: list[str] = []
    contributions: list[Contribution] = []
    not_checked: list[str] = []
    for computed in checklist.computed:
        check, note = _price_check(computed, answers, visit_date, wage_rates)
        price_notes.append(note)
        if check is None:
            not_checked.append(computed.id)
            continue
        price_checks.append(check)
        contributions.append(
            Contribution(
                id=computed.id,
                question=computed.question,
                category=computed.category,
                weight=computed.weight,
                answer="yes" if check.triggered else "no",
                red_flag=computed.red_flag,
                points=computed.weight if check.triggered else 0,
            )
        )
    return price_checks, price_notes, contributions, not_checked


def _explanation(
    summary: str,
    red_flags: tuple[Contribution, ...],
    price_notes: list[str],
    not_checked: list[str],
    maximum: int,
) -> list[str]:
    """The summary line, then each red flag, each price note and what was left out."""
    explanation = [summary]
    explanation += [
        f"Red flag: {flag.question} Answered yes, so the risk is high whatever the score."
        for flag in red_flags
    ]
    explanation += price_notes
    if not_checked and maximum:
        explanation.append(
            f"{_plural(len(not_checked), 'indicator')} not seen or not answered "
            f"{'is' if len(not_checked) == 1 else 'are'} left out of the score."
        )
    return explanation


def check_answers(checklist: Checklist, answers: Mapping[str, object]) -> None:
    """Raise ValueError for an answer the checklist cannot hold (the form and file disagree)."""
    for item_id, answer in answers.items():
        item = checklist.find(item_id)
        if item is None or isinstance(item, ComputedIndicator):
            raise ValueError(
                f'"{item_id}" is not a question in {checklist.id} version {checklist.version}.'
            )
        if answer is None or answer == "not_seen":
            continue
        if item.answer_type == "yes_no":
            if answer not in YES_NO_ANSWERS:
                raise ValueError(f'"{item_id}" needs yes, no or not_seen, not {answer!r}.')
        elif isinstance(answer, bool) or not isinstance(answer, int) or answer < 0:
            raise ValueError(f'"{item_id}" needs a whole number of 0 or more, not {answer!r}.')


def _price_check(
    computed: ComputedIndicator,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
) -> tuple[PriceCheck | None, str]:
    """Compare the price with the wages for the work; return the check (or None) and a note."""
    inputs = {key: answers.get(getattr(computed, key)) for key in ("price", "workers", "minutes")}
    if any(not isinstance(value, int) or isinstance(value, bool) for value in inputs.values()):
        return None, (
            "Price check not made: record the price, the number of workers and the minutes "
            "taken to compare the price with the wages."
        )
    try:
        rate = wage_rates.rate_on(visit_date, "21+")
    except ValueError as error:
        return None, f"Price check not made: {error}"
    price, workers, minutes = inputs["price"], inputs["workers"], inputs["minutes"]
    cost = labour_cost_pence(workers, minutes, rate)
    triggered = price < cost
    people = _plural(workers, "worker")
    explanation = (
        f"{people} x {minutes} min at {format_pence(rate)}/h = {format_pence(cost)} "
        f"{'>' if triggered else '<='} {format_pence(price)} charged"
    )
    check = PriceCheck(
        indicator_id=computed.id,
        price_pence=price,
        workers=workers,
        minutes=minutes,
        hourly_rate_pence=rate,
        labour_cost_pence=cost,
        triggered=triggered,
        explanation=explanation,
    )
    verdict = (
        "the price is below the wages alone, so it counts as an indicator."
        if triggered
        else "the price covers the wages."
    )
    return check, f"Price check: {explanation}: {verdict}"


def percent_one_decimal(total: int, maximum: int) -> float:
    """total / maximum as a percentage to one decimal place, halves rounded up.

    Whole-number arithmetic, so the phone (static/js/assessment.js) gets the very same figure:
    float rounding differs between Python and JavaScript on exact halves (1.25%).
    """
    return ((2000 * total + maximum) // (2 * maximum)) / 10


def _band(
    checklist: Checklist, total: int, maximum: int, red_flags: tuple[Contribution, ...]
) -> str | None:
    if red_flags:
        return "high"
    if not maximum:
        return None
    # Compare in whole numbers (100 x total against start x maximum) so a score exactly on a
    # boundary never slips into the lower band through float rounding.
    for band in checklist.bands:
        top = band is checklist.bands[-1]
        if band.start * maximum <= 100 * total and (top or 100 * total < band.end * maximum):
            return band.name
    return checklist.bands[-1].name  # unreachable for validated bands, which cover 0-100


def _summary(
    total: int,
    maximum: int,
    percentage: float | None,
    band: str | None,
    checked: int,
    red_flags: tuple[Contribution, ...],
) -> str:
    if not maximum:
        return NO_SCORE_MESSAGE
    reason = " because of a red flag" if red_flags else ""
    return (
        f"Score {total} out of a possible {maximum} ({percentage:g}%) from "
        f"{_plural(checked, 'indicator')} checked: {band} risk{reason}."
    )


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
