"""The indicator guide: every question of a checklist, grouped by concern, in officers' words.

Built from the checklist itself, so the guide cannot drift from what the form asks and how
the assessment counts it (checklists/README.md sets out the rules these words explain).

Pure: a checklist and the guidance in, the groups a page shows out.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.checklists import (
    CONCERNS,
    MEDIAN_RULE,
    Checklist,
    Combination,
    ComputedIndicator,
    Guidance,
    Indicator,
)
from fieldapp.checklists.guidance import SOURCE_KEY

# The order the guide takes the concerns in: the most serious first, vulnerability last.
GROUP_ORDER = ("slavery", "labour", "safety", "environment", "trading", "vulnerability")
# What each concern means on the ground, and who acts on it.
GROUP_INTROS = {
    "slavery": (
        "Modern slavery and forced labour need signs of both involuntariness (work not freely "
        "taken on, or not free to leave) and coercion (a threat or penalty) together. A red "
        "flag, or signs of both with one of them strong, makes this concern high. Medium or "
        "high concern shows the first-responder routes: 999, children's services, the NRM and "
        "Duty to Notify."
    ),
    "labour": (
        "Wages, contracts and hours. The signs found add up against every labour question on "
        "the checklist. Medium or high concern goes to the Fair Work Agency: it is labour "
        "non-compliance, never an NRM referral on its own."
    ),
    "safety": (
        "Hazards for the enforcing authority: HSE or the council's health and safety team, and "
        "the fire and rescue service where people sleep. A red flag is an immediate risk. A "
        "hazard alone is never a sign of modern slavery."
    ),
    "environment": (
        "Pollution, for the Environment Agency (Natural Resources Wales in Wales) and the "
        "water company."
    ),
    "trading": (
        "Trading standards, planning and licensing, for the council's own teams. Signs of "
        "other crime go to the police as intelligence."
    ),
    "vulnerability": (
        "Vulnerabilities, such as little English or someone young. Never a concern on their "
        "own and never a reason to suspect the worker: they count only together with a sign "
        "of control (see Signs that count together)."
    ),
}
ELEMENT_WORDS = {
    "involuntariness": "involuntariness (work not freely taken on, or not free to leave)",
    "coercion": "coercion (a threat or penalty that keeps someone working)",
}
WEIGHT_WORDS = {
    1: "a weak sign",
    2: "a light sign",
    3: "a clear sign",
    4: "a strong sign",
    5: "a very strong sign",
}
CONCERN_WORDS = {
    "labour": "labour non-compliance",
    "safety": "a health and safety breach",
    "environment": "pollution",
    "trading": "a trading standards, planning or licensing problem",
}
LEVEL_WORDS = {"medium": "at least medium", "high": "high"}


@dataclass(frozen=True)
class Source:
    """One source as the guide shows it: a key of the source key, or a document named."""

    label: str
    title: str
    is_key: bool


@dataclass(frozen=True)
class Entry:
    """One indicator in the guide."""

    id: str
    question: str
    hint: str
    why: str
    red_flag: bool
    kind: str  # "question", "measurement" or "worked out"
    sources: tuple[Source, ...]
    follow_ups: tuple[str, ...] = ()
    concern: str = ""

    @property
    def red_flag_kind(self) -> str:
        """What a red flag here is, in a few words."""
        return "modern slavery" if self.concern == "slavery" else "immediate risk"


@dataclass(frozen=True)
class Group:
    """The indicators of one concern."""

    concern: str
    title: str
    intro: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Together:
    """A combination rule, in words."""

    reason: str
    concern: str
    level: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]


def groups_for(checklist: Checklist, guidance: Guidance) -> list[Group]:
    """Every question and worked-out check of ``checklist``, grouped by concern."""
    entries: dict[str, list[Entry]] = {concern: [] for concern in GROUP_ORDER}
    for indicator in checklist.indicators:
        entries[indicator.concern].append(_entry(checklist, indicator, guidance))
    for computed in checklist.computed:
        entries[computed.concern].append(_computed_entry(computed, guidance))
    return [
        Group(concern, CONCERNS[concern], GROUP_INTROS[concern], tuple(entries[concern]))
        for concern in GROUP_ORDER
        if entries[concern]
    ]


def red_flags(groups: list[Group]) -> list[Entry]:
    """The red flags, in the order the groups show them."""
    return [entry for group in groups for entry in group.entries if entry.red_flag]


def together(checklist: Checklist) -> list[Together]:
    """The combination rules, with question ids turned into the questions."""

    def questions(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(checklist.find(i).question for i in ids if checklist.find(i) is not None)

    return [_together(rule, questions) for rule in checklist.combinations]


def _together(rule: Combination, questions) -> Together:
    return Together(
        rule.reason,
        rule.concern,
        LEVEL_WORDS[rule.level],
        questions(rule.all_of),
        questions(rule.any_of),
    )


def sources_of(guidance: Guidance, cited: tuple[str, ...]) -> tuple[Source, ...]:
    """Sources as the guide shows them, each key with what it stands for."""
    return tuple(
        Source(source, guidance.source_title(source), bool(SOURCE_KEY.match(source)))
        for source in cited
    )


def page_sources(groups: list[Group], guidance: Guidance) -> list[tuple[str, str]]:
    """The source key entries a page cites (its indicators' and the advice's), in key order."""
    cited = {s.label for g in groups for e in g.entries for s in e.sources if s.is_key}
    cited |= {s for advice in guidance.advice for s in advice.sources}
    return [(key, guidance.source_title(key)) for key in guidance.keys_in(cited)]


def _entry(checklist: Checklist, indicator: Indicator, guidance: Guidance) -> Entry:
    follow_ups = tuple(f.question for f in checklist.follow_ups_for(indicator.id))
    return Entry(
        id=indicator.id,
        question=indicator.question,
        hint=indicator.hint,
        why=why_it_matters(checklist, indicator),
        red_flag=indicator.red_flag,
        kind="measurement" if indicator.is_measurement else "question",
        sources=sources_of(guidance, indicator.sources),
        follow_ups=follow_ups,
        concern=indicator.concern,
    )


def why_it_matters(checklist: Checklist, indicator: Indicator) -> str:
    """What a yes to ``indicator`` is evidence of, and how the assessment counts it."""
    if indicator.is_measurement:
        checks = [c.question for c in checklist.computed if indicator.id in _inputs(c)]
        used = f" It feeds the price check: {checks[0]}" if checks else ""
        return f"A measurement: recorded, not scored itself.{used}"
    if indicator.concern == "vulnerability":
        return (
            "A vulnerability, not a sign of wrongdoing: it never raises concern on its own, "
            "only together with a sign of control."
        )
    if indicator.concern == "slavery":
        text = f"A {indicator.strength} sign of {ELEMENT_WORDS[indicator.element]}."
        if indicator.red_flag:
            text += (
                " Red flag: strong evidence of modern slavery on its own, so a yes makes "
                "modern slavery concern high."
            )
        return text
    text = (
        f"{WEIGHT_WORDS[indicator.weight].capitalize()} of {CONCERN_WORDS[indicator.concern]} "
        f"(weight {indicator.weight} of 5)."
    )
    if indicator.red_flag:
        text += (
            " Red flag: an immediate risk, so a yes makes health and safety concern high. "
            "Tell the enforcing authority now. On its own it is not a sign of modern slavery."
        )
    return text


def _inputs(computed: ComputedIndicator) -> tuple[str, ...]:
    return (computed.price, computed.workers, computed.minutes)


def _computed_entry(computed: ComputedIndicator, guidance: Guidance) -> Entry:
    weight = WEIGHT_WORDS[computed.weight]
    if computed.rule == MEDIAN_RULE:
        how = (
            f"Worked out by the app, never asked: it counts when the price is below "
            f"{computed.below_percent}% of the median price recorded at other visits in the "
            f"app, once at least {computed.min_visits} of them have recorded one."
        )
    else:
        how = (
            "Worked out by the app, never asked: the workers, times the minutes, at the "
            "National Living Wage on the day of the visit, against the price charged."
        )
        if computed.fallback_minutes:
            how += (
                f" When workers or minutes were not recorded, the price is compared with "
                f"{computed.fallback_minutes} minutes of labour instead, a weaker sign "
                f"(weight {computed.fallback_weight})."
            )
    return Entry(
        id=computed.id,
        question=computed.question,
        hint=computed.hint,
        why=f"{how} {weight.capitalize()} of {CONCERN_WORDS[computed.concern]} "
        f"(weight {computed.weight} of 5).",
        red_flag=computed.red_flag,
        kind="worked out",
        sources=sources_of(guidance, computed.sources),
        concern=computed.concern,
    )
