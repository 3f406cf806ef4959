"""Assess a visit against a model 2 checklist: a level per concern, each with its reasons.

The rules, in the order checklists/README.md sets them out:

- Every question is evidence of one concern. Modern slavery signs name their ILO element
  (involuntariness or coercion) and strength. Vulnerability never raises concern alone.
- Modern slavery concern is **high** on a red flag (a sign that is strong evidence alone),
  or on signs of both elements with one of them strong, or on both elements with
  ``slavery_high_signs`` signs in all. It is **medium** on both elements, on a strong sign
  alone, or on two or more signs of one element; **low** on one medium sign or none.
- Labour, safety, environment and trading concern are bands of points present out of the
  points possible for that concern on the whole checklist (not only the questions
  answered). A safety red flag (an immediate hazard) makes safety concern high.
- Combination rules in the checklist raise a concern to at least their level.
- Coverage: "low" needs at least ``min_checked_percent`` of the concern's questions answered
  yes or no; otherwise the concern is "not enough checked to judge". Signs found always
  count.
- The overall level follows the continuum of exploitation: high when modern slavery concern
  is high; medium when it is medium or labour concern is medium or high; low when either was
  judged; otherwise the visit is not a risk judgement at all.

Pure: no Flask, no database. The phone runs the same rules (static/js/assessment.js) and
tests/test_assessment_parity.py proves the two give the same whole result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from fieldapp import prices
from fieldapp.checklists import BANDED_CONCERNS, CONCERNS, NOT_JUDGED, Checklist, WageRates
from fieldapp.prices import Reference
from fieldapp.scoring import check_answers, percent_one_decimal, score

LEVEL_RANK = {NOT_JUDGED: 0, "low": 1, "medium": 2, "high": 3}
LEVEL_WORDS = {
    "high": "high",
    "medium": "medium",
    "low": "low",
    NOT_JUDGED: "not enough checked to judge",
}
NOT_JUDGED_SUMMARY = (
    "Not enough was checked to judge the risk of exploitation, so this visit does not change "
    "the premises' current risk."
)


@dataclass
class _Concern:
    """What was found for one concern while assessing; becomes a dict in the result."""

    id: str
    possible: int = 0
    checked: int = 0
    points: int = 0
    maximum: int = 0
    level: str = "low"

    def __post_init__(self) -> None:
        self.present: list[dict] = []
        self.unchecked: list[str] = []
        self.reasons: list[str] = []


def evaluate(
    checklist: Checklist,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
    references: Mapping[str, Reference] | None = None,
) -> dict[str, Any]:
    """The result for any checklist: model 2 assessed here, model 1 scored as it was."""
    if checklist.model == 2:
        return assess(checklist, answers, visit_date, wage_rates, references)
    result = score(checklist, answers, visit_date, wage_rates).to_dict()
    return {"model": 1, "judged": result["band"] is not None, **result}


def counted_red_flags(result: Mapping[str, Any]) -> list[dict]:
    """The red flags that make a premises flagged: modern slavery signs only in model 2.

    A hazard's red flag calls for the enforcing authority at once, not for police or
    Immigration Enforcement, so it never flags a site for partners.
    """
    if result.get("model") == 2:
        return [f for f in result["red_flags"] if f["concern"] == "slavery"]
    return list(result["red_flags"])


def assess(
    checklist: Checklist,
    answers: Mapping[str, object],
    visit_date: date,
    wage_rates: WageRates,
    references: Mapping[str, Reference] | None = None,
) -> dict[str, Any]:
    """Assess ``answers`` (question id -> "yes"/"no"/"not_seen", or whole numbers).

    ``visit_date`` is the visit's UK date. ``references`` holds the median prices the
    price comparisons use. A missing answer counts as not seen. Raises ValueError for an
    answer the checklist cannot hold. Returns the whole result as JSON-ready data.
    """
    check_answers(checklist, answers)
    concerns = {c: _Concern(c) for c in ("slavery", *BANDED_CONCERNS)}
    signs, vulnerability, not_checked = _answered(checklist, answers, concerns)
    price_checks, price_notes = _prices(
        checklist, answers, visit_date, wage_rates, references or {}, concerns, not_checked, signs
    )
    _slavery_level(checklist, concerns["slavery"])
    for concern_id in BANDED_CONCERNS:
        _banded_level(checklist, concerns[concern_id])
    fired = _combinations(checklist, answers, concerns)
    for concern in concerns.values():
        _coverage(checklist, concern)
    level = _overall(concerns["slavery"].level, concerns["labour"].level)
    kept = [c for c in concerns.values() if c.possible]
    red_flags = [s for s in signs if s["red_flag"] and s["answer"] == "yes"]
    present = [s for s in signs if s["answer"] == "yes"]
    return {
        "model": 2,
        "checklist_id": checklist.id,
        "checklist_version": checklist.version,
        "checklist_hash": checklist.hash,
        "visit_date": visit_date.isoformat(),
        "level": level,
        "band": level,
        "judged": level is not None,
        "concerns": [_concern_dict(c) for c in kept],
        "contributions": signs,
        "red_flags": red_flags,
        "vulnerability": vulnerability,
        "combinations": fired,
        "price_checks": price_checks,
        "wage_context": _wage_context(visit_date, wage_rates),
        "not_checked": not_checked,
        "total": len(present),
        "maximum": len(signs) + len(not_checked),
        "percentage": None,
        "explanation": _explanation(level, kept, vulnerability, price_notes, not_checked),
    }


def _answered(
    checklist: Checklist, answers: Mapping[str, object], concerns: dict[str, _Concern]
) -> tuple[list[dict], list[dict], list[str]]:
    """Each question answered yes or no as a sign, the vulnerabilities seen, and the rest."""
    signs: list[dict] = []
    vulnerability: list[dict] = []
    not_checked: list[str] = []
    for indicator in checklist.indicators:
        if indicator.is_measurement:
            continue
        answer = answers.get(indicator.id)
        if indicator.concern == "vulnerability":
            if answer == "yes":
                vulnerability.append({"id": indicator.id, "question": indicator.question})
            elif answer != "no":
                not_checked.append(indicator.id)
            continue
        concern = concerns[indicator.concern]
        concern.possible += 1
        concern.maximum += indicator.weight
        if answer not in ("yes", "no"):
            not_checked.append(indicator.id)
            concern.unchecked.append(indicator.question)
            continue
        concern.checked += 1
        sign = {
            "id": indicator.id,
            "question": indicator.question,
            "category": indicator.category,
            "concern": indicator.concern,
            "element": indicator.element,
            "strength": indicator.strength,
            "red_flag": indicator.red_flag,
            "weight": indicator.weight,
            "answer": answer,
            "points": indicator.weight if answer == "yes" else 0,
        }
        signs.append(sign)
        if answer == "yes":
            concern.points += indicator.weight
            concern.present.append(sign)
    return signs, vulnerability, not_checked


def _prices(  # noqa: PLR0913 - the assessment's working state, passed explicitly
    checklist, answers, visit_date, wage_rates, references, concerns, not_checked, signs
):
    """Make every price check the answers allow, counting each towards its concern."""
    made: list[dict] = []
    notes: list[str] = []
    for computed in checklist.computed:
        concern = concerns[computed.concern]
        concern.possible += 1
        concern.maximum += computed.weight
        result, note = prices.check(computed, answers, visit_date, wage_rates, references)
        notes.append(note)
        if result is None:
            not_checked.append(computed.id)
            concern.unchecked.append(computed.question)
            continue
        concern.checked += 1
        made.append(dict(result.__dict__))
        # A check that was made is a sign like any question answered, so it is listed,
        # shown and exported with them (a partner's "indicators" included).
        sign = {
            "id": computed.id,
            "question": computed.question,
            "category": computed.category,
            "concern": computed.concern,
            "element": "",
            "strength": "",
            "red_flag": False,
            "weight": computed.weight,
            "answer": "yes" if result.triggered else "no",
            "points": result.points,
        }
        signs.append(sign)
        if result.triggered:
            concern.points += result.points
            concern.present.append(sign)
    return made, notes


def _slavery_level(checklist: Checklist, concern: _Concern) -> None:
    """The ILO rules: both elements together, strong signs, and red flags."""
    present = concern.present
    elements = {s["element"] for s in present}
    strong = [s for s in present if s["strength"] == "strong"]
    both = len(elements) == 2
    reasons = concern.reasons
    for flag in (s for s in present if s["red_flag"]):
        reasons.append(f"Red flag: {flag['question']} Answered yes: strong evidence on its own.")
    if both and strong:
        reasons.append("Signs of both involuntariness and coercion, at least one of them strong.")
    elif both and len(present) >= checklist.slavery_high_signs:
        reasons.append(f"Signs of both involuntariness and coercion, {len(present)} in all.")
    elif both:
        reasons.append("Signs of both involuntariness and coercion, both of medium strength.")
    elif present:
        element = next(iter(elements))
        other = "coercion" if element == "involuntariness" else "involuntariness"
        what = f"{_count_words(len(present), 'sign')} of {element}"
        reasons.append(f"{what} and none of {other}: {_questions(present)}")
    if any(s["red_flag"] for s in present) or (
        both and (strong or len(present) >= checklist.slavery_high_signs)
    ):
        concern.level = "high"
    elif both or strong or len(present) >= 2:
        concern.level = "medium"
    else:
        concern.level = "low"


def _banded_level(checklist: Checklist, concern: _Concern) -> None:
    """Points present against the points possible on the whole checklist, in bands."""
    if not concern.possible:
        return
    flags = [s for s in concern.present if s.get("red_flag")]
    for flag in flags:
        concern.reasons.append(f"Immediate risk: {flag['question']} Answered yes.")
    if concern.present:
        percentage = percent_one_decimal(concern.points, concern.maximum)
        concern.reasons.append(
            f"{concern.points} of a possible {concern.maximum} points ({percentage:g}%) "
            f"from {_count_words(len(concern.present), 'sign')}: {_questions(concern.present)}"
        )
    if flags:
        concern.level = "high"
        return
    bands = checklist.bands_for(concern.id)
    for band in bands:
        top = band is bands[-1]
        low_enough = top or 100 * concern.points < band.end * concern.maximum
        if band.start * concern.maximum <= 100 * concern.points and low_enough:
            concern.level = band.name
            return


def _combinations(
    checklist: Checklist, answers: Mapping[str, object], concerns: dict[str, _Concern]
) -> list[dict]:
    """Raise concerns where the checklist's combination rules fire."""
    fired = []
    for rule in checklist.combinations:
        if all(answers.get(i) == "yes" for i in rule.all_of) and any(
            answers.get(i) == "yes" for i in rule.any_of
        ):
            concern = concerns[rule.concern]
            concern.reasons.append(rule.reason)
            if LEVEL_RANK[rule.level] > LEVEL_RANK[concern.level]:
                concern.level = rule.level
            fired.append(
                {"id": rule.id, "concern": rule.concern, "level": rule.level, "reason": rule.reason}
            )
    return fired


def _coverage(checklist: Checklist, concern: _Concern) -> None:
    """A "low" needs enough checked; signs found stand whatever the coverage."""
    enough = 100 * concern.checked >= checklist.min_checked_percent * concern.possible
    if concern.level == "low" and not enough:
        concern.level = NOT_JUDGED
        concern.reasons.append(
            f"{concern.checked} of {concern.possible} questions answered yes or no, and at "
            f"least {checklist.min_checked_percent}% are needed."
        )
    elif concern.level == "low" and not concern.present:
        concern.reasons.append(
            f"No signs found; {concern.checked} of {concern.possible} questions checked."
        )


def _overall(slavery: str, labour: str) -> str | None:
    if slavery == "high":
        return "high"
    if slavery == "medium" or labour in ("medium", "high"):
        return "medium"
    if "low" in (slavery, labour):
        return "low"
    return None


def _concern_dict(concern: _Concern) -> dict[str, Any]:
    banded = concern.id in BANDED_CONCERNS
    return {
        "id": concern.id,
        "label": CONCERNS[concern.id],
        "level": concern.level,
        "checked": concern.checked,
        "possible": concern.possible,
        "points": concern.points if banded else None,
        "maximum": concern.maximum if banded else None,
        "present": [s["id"] for s in concern.present],
        "reasons": list(concern.reasons),
        "not_checked": list(concern.unchecked),
    }


def _wage_context(visit_date: date, wage_rates: WageRates) -> dict | None:
    try:
        period = wage_rates.period_on(visit_date)
    except ValueError:
        return None
    return {
        "national_living_wage": period.national_living_wage,
        "age_band": period.nlw_band,
        "accommodation_offset_per_day": period.accommodation_offset_per_day,
    }


def _explanation(level, concerns, vulnerability, price_notes, not_checked) -> list[str]:
    """The lines an officer reads: overall, each concern, prices, vulnerability, gaps."""
    lines = [_summary(level, concerns)]
    for concern in concerns:
        reasons = " ".join(concern.reasons)
        lines.append(f"{CONCERNS[concern.id]}: {LEVEL_WORDS[concern.level]}. {reasons}".rstrip())
    lines += price_notes
    if vulnerability:
        lines.append(
            "Vulnerability noted, which is not a concern on its own: " + _questions(vulnerability)
        )
    if not_checked:
        lines.append(f"{_count_words(len(not_checked), 'question')} not seen or not answered.")
    return lines


def _summary(level: str | None, concerns: list[_Concern]) -> str:
    if level is None:
        return NOT_JUDGED_SUMMARY
    by_id = {c.id: c for c in concerns}
    if level == "high":
        return "High concern: the signs point to modern slavery or forced labour."
    if by_id["slavery"].level == "medium":
        return "Medium concern: signs of exploitation that need following up."
    if level == "medium":
        return "Medium concern: signs of labour non-compliance (wages, contracts or hours)."
    return "Low concern: few or no signs of exploitation were found."


def _questions(items: list[dict]) -> str:
    return "; ".join(item["question"] for item in items)


def _count_words(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
