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
# What each input of the price rule must be, so a typo pointing at the wrong question is caught.
PRICE_RULE_INPUTS = {"price": "money", "workers": "count", "minutes": "minutes"}
# Bumped if the shape of Checklist.to_dict() ever changes, so old snapshots can still be read.
SNAPSHOT_FORMAT = 1


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
    workers: str
    minutes: str
    hint: str = ""
    other_categories: tuple[str, ...] = ()
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
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Checklist:
        """Rebuild a checklist from :meth:`to_dict` output (for example a stored snapshot)."""
        if data.get("format") != SNAPSHOT_FORMAT:
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
        )


def _plain(item: Indicator | FollowUp | ComputedIndicator) -> dict[str, Any]:
    """Dataclass fields as a dict, tuples as lists, for JSON."""
    return {
        name: list(value) if isinstance(value, tuple) else value
        for name, value in vars(item).items()
    }


def _unplain(cls: type, data: Mapping[str, Any]) -> Any:
    """The reverse of :func:`_plain`: lists back to tuples so snapshots compare equal."""
    return cls(**{key: tuple(v) if isinstance(v, list) else v for key, v in data.items()})
