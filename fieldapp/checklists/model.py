"""The checklist model: sectors, categories, bands, questions, and a version's snapshot.

Pure: no Flask and no files here, so scoring, the app and the tests share one model. The
labels here are the one home of each word the pages, exports and the phone show.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

# Sector ids as stored, with the name people read.
SECTORS = {"hand_car_wash": "Hand car wash", "nail_bar": "Nail bar"}
# Indicator categories: the code stored with each indicator, and its name.
CATEGORIES = {
    "LAB": "Labour exploitation",
    "CTL": "Control and coercion",
    "WEL": "Welfare and accommodation",
    "HS": "Health and safety",
    "ENV": "Environmental",
    "TSP": "Trading standards, planning and licensing",
}
# What an indicator is evidence of (checklist model 2; checklists/README.md explains each).
# Modern slavery signs also name the ILO element they show and how strongly; vulnerability
# never raises concern on its own, only through a combination rule.
CONCERNS = {
    "slavery": "Modern slavery and forced labour",
    "labour": "Labour non-compliance: wages, contracts and hours",
    "safety": "Health and safety",
    "environment": "Environmental",
    "trading": "Trading standards, planning and licensing",
    "vulnerability": "Vulnerability",
}
# The concerns that get a level of their own (vulnerability is context for the others).
LEVELLED_CONCERNS = ("slavery", "labour", "safety", "environment", "trading")
# The concerns whose levels share the weighted score bands (modern slavery has ILO rules).
BANDED_CONCERNS = ("labour", "safety", "environment", "trading")
ELEMENTS = {
    "involuntariness": "involuntariness (work not freely taken or free to leave)",
    "coercion": "coercion or menace of a penalty",
}
STRENGTHS = ("strong", "medium")
# A concern that could not be judged because too little of it was checked.
NOT_JUDGED = "not_judged"
MODELS = (1, 2)
BAND_NAMES = ("low", "medium", "high")
# Bands in order, for comparing two visits: no score < low < medium < high.
BAND_RANK = {None: 0, "low": 1, "medium": 2, "high": 3}
BAND_LABELS = {
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    None: "No score",
    "none": "No score",
}
ANSWER_TYPES = ("yes_no", "count", "money", "minutes")
# Measurements are recorded, not scored: they feed computed indicators such as the price check.
MEASUREMENT_TYPES = ("count", "money", "minutes")
YES_NO_ANSWERS = ("yes", "no", "not_seen")
PRICE_RULE = "price_below_labour_cost"
MEDIAN_RULE = "price_below_median"
COMPUTED_RULES = (PRICE_RULE, MEDIAN_RULE)
# What each input of the price rule must be, so a typo pointing at the wrong question is caught.
PRICE_RULE_INPUTS = {"price": "money", "workers": "count", "minutes": "minutes"}
# Bumped if the shape of Checklist.to_dict() ever changes, so old snapshots can still be read.
# Format 2 added the assessment model's fields; a format 1 snapshot reads with their defaults.
SNAPSHOT_FORMAT = 2
READABLE_FORMATS = (1, 2)


# --- Problems ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a checklist file: where it is and what to do about it."""

    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}: {self.path}: {self.message}"
            if self.path
            else f"{self.file}: {self.message}"
        )


class ChecklistError(Exception):
    """Raised with every problem found, so an editor can fix them all in one pass."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


# --- The checklist model -------------------------------------------------------------------------


@dataclass(frozen=True)
class Band:
    """A score band: percentages from ``start`` up to (not including) ``end``; 100 is in the top."""

    name: str
    start: int
    end: int


@dataclass(frozen=True)
class Indicator:
    """One question asked on site. Yes/no questions score; measurements (weight 0) do not."""

    id: str
    question: str
    category: str
    weight: int
    red_flag: bool
    answer_type: str
    hint: str = ""
    other_categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    # Model 2 only: the concern it evidences and, for modern slavery, the ILO element and
    # strength. Empty in model 1 checklists.
    concern: str = ""
    element: str = ""
    strength: str = ""

    @property
    def is_measurement(self) -> bool:
        """True for count, money and minutes questions, which are recorded but not scored."""
        return self.answer_type in MEASUREMENT_TYPES


@dataclass(frozen=True)
class FollowUp:
    """An extra question shown only when its parent indicator is answered yes. Never scored."""

    id: str
    parent: str
    question: str
    answer_type: str
    hint: str = ""


@dataclass(frozen=True)
class ComputedIndicator:
    """An indicator worked out from measurements rather than asked (the price check)."""

    id: str
    rule: str
    question: str
    category: str
    weight: int
    red_flag: bool
    price: str
    workers: str = ""
    minutes: str = ""
    hint: str = ""
    other_categories: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    concern: str = ""
    # price_below_labour_cost in model 2: when workers or minutes were not recorded, compare
    # the price with this many labour-minutes at the National Living Wage instead, a weaker
    # signal worth ``fallback_weight`` points. 0 = no fallback.
    fallback_minutes: int = 0
    fallback_weight: int = 0
    # price_below_median: counts when the price is below this share (percent) of the median
    # price of the same question at other visits, given at least ``min_visits`` of them.
    below_percent: int = 0
    min_visits: int = 0


@dataclass(frozen=True)
class Combination:
    """A rule that raises a concern when signs appear together (model 2).

    Fires when every indicator in ``all_of`` and at least one in ``any_of`` were answered yes.
    """

    id: str
    concern: str
    level: str
    all_of: tuple[str, ...]
    any_of: tuple[str, ...]
    reason: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Section:
    """A part of the visit, holding its questions in the order they are asked."""

    id: str
    title: str
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Checklist:
    """One version of a sector's checklist, with the hash that pins its content."""

    id: str
    sector: str
    version: int
    title: str
    bands: tuple[Band, ...]
    sections: tuple[Section, ...]
    follow_ups: tuple[FollowUp, ...]
    computed: tuple[ComputedIndicator, ...]
    hash: str
    # Model 2: the concern-based assessment (fieldapp/assessment.py). Model 1: one score.
    model: int = 1
    # Model 2: the share of a concern's indicators (percent) that must be checked to judge it.
    min_checked_percent: int = 0
    # Model 2: signs of both ILO elements together make modern slavery concern high when
    # one of them is strong, or when at least this many signs are present in all.
    slavery_high_signs: int = 0
    # Model 2: score bands per weighted concern, as (concern, bands) pairs.
    concern_bands: tuple[tuple[str, tuple[Band, ...]], ...] = ()
    combinations: tuple[Combination, ...] = ()

    # Worked out once per checklist (it never changes): scoring asks for these on every visit.
    @cached_property
    def indicators(self) -> tuple[Indicator, ...]:
        """Every question, in the order an officer meets them."""
        return tuple(indicator for section in self.sections for indicator in section.indicators)

    @cached_property
    def _by_id(self) -> dict[str, Indicator | FollowUp | ComputedIndicator]:
        items: dict[str, Indicator | FollowUp | ComputedIndicator] = {}
        for item in (*self.indicators, *self.follow_ups, *self.computed):
            items.setdefault(item.id, item)
        return items

    def find(self, item_id: str) -> Indicator | FollowUp | ComputedIndicator | None:
        """Return the question, follow-up or computed indicator with this id, or None."""
        return self._by_id.get(item_id)

    def bands_for(self, concern: str) -> tuple[Band, ...]:
        """The score bands of a weighted concern (model 2)."""
        return dict(self.concern_bands).get(concern, ())

    def follow_ups_for(self, parent_id: str) -> tuple[FollowUp, ...]:
        """Follow-ups to show when the indicator ``parent_id`` is answered yes."""
        return tuple(follow_up for follow_up in self.follow_ups if follow_up.parent == parent_id)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly snapshot, stored with visits so old visits render with their version."""
        return {
            "format": SNAPSHOT_FORMAT,
            "id": self.id,
            "sector": self.sector,
            "version": self.version,
            "title": self.title,
            "hash": self.hash,
            "bands": [{"name": b.name, "from": b.start, "to": b.end} for b in self.bands],
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "indicators": [_plain(indicator) for indicator in section.indicators],
                }
                for section in self.sections
            ],
            "follow_ups": [_plain(follow_up) for follow_up in self.follow_ups],
            "computed": [_plain(computed) for computed in self.computed],
            "model": self.model,
            "min_checked_percent": self.min_checked_percent,
            "slavery_high_signs": self.slavery_high_signs,
            "concern_bands": {
                concern: [{"name": b.name, "from": b.start, "to": b.end} for b in bands]
                for concern, bands in self.concern_bands
            },
            "combinations": [_plain(combination) for combination in self.combinations],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checklist:
        """Rebuild a checklist from :meth:`to_dict` output (for example a stored snapshot)."""
        if data.get("format") not in READABLE_FORMATS:
            raise ValueError(
                f"checklist snapshot format {data.get('format')!r} is not supported "
                f"(this version of the app reads format {SNAPSHOT_FORMAT})"
            )
        return cls(
            id=data["id"],
            sector=data["sector"],
            version=data["version"],
            title=data["title"],
            hash=data["hash"],
            bands=tuple(Band(b["name"], b["from"], b["to"]) for b in data["bands"]),
            sections=tuple(
                Section(
                    id=section["id"],
                    title=section["title"],
                    indicators=tuple(_unplain(Indicator, i) for i in section["indicators"]),
                )
                for section in data["sections"]
            ),
            follow_ups=tuple(_unplain(FollowUp, f) for f in data["follow_ups"]),
            computed=tuple(_unplain(ComputedIndicator, c) for c in data["computed"]),
            model=data.get("model", 1),
            min_checked_percent=data.get("min_checked_percent", 0),
            slavery_high_signs=data.get("slavery_high_signs", 0),
            concern_bands=tuple(
                (concern, tuple(Band(b["name"], b["from"], b["to"]) for b in bands))
                for concern, bands in data.get("concern_bands", {}).items()
            ),
            combinations=tuple(_unplain(Combination, c) for c in data.get("combinations", [])),
        )


def _plain(item: Indicator | FollowUp | ComputedIndicator | Combination) -> dict[str, Any]:
    """Dataclass fields as a dict, tuples as lists, for JSON."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in vars(item).items()
    }


def _unplain(cls: type, data: Mapping[str, Any]) -> Any:
    """The reverse of :func:`_plain`: lists back to tuples so snapshots compare equal."""
    return cls(**{key: tuple(v) if isinstance(v, list) else v for key, v in data.items()})
