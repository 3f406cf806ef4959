"""Load, validate and version the inspection checklists kept as TOML in ``checklists/``.

Lead officers edit those files by hand, so every mistake is reported with the file, the key path
and what to do, and all mistakes are reported at once rather than one per run. Each released
(id, version) is pinned to a content hash in ``versions.lock`` so that a version, once used on a
visit, always means the same questions and weights.

Pure: no Flask here, so the app, the CLI and the tests share one loader.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

ANSWER_TYPES = ("yes_no", "count", "money", "minutes")
# Measurements are recorded, not scored: they feed computed indicators such as the price check.
MEASUREMENT_TYPES = ("count", "money", "minutes")
YES_NO_ANSWERS = ("yes", "no", "not_seen")
CATEGORIES = {
    "LAB": "labour exploitation",
    "CTL": "control and coercion",
    "WEL": "welfare and accommodation",
    "HS": "health and safety",
    "ENV": "environmental",
    "TSP": "trading standards, planning and licensing",
}
SECTORS = ("hand_car_wash", "nail_bar")
BAND_NAMES = ("low", "medium", "high")
PRICE_RULE = "price_below_labour_cost"
# What each input of the price rule must be, so a typo pointing at the wrong question is caught.
PRICE_RULE_INPUTS = {"price": "money", "workers": "count", "minutes": "minutes"}
LOCK_FILE = "versions.lock"
WAGE_RATES_FILE = "wage_rates.toml"
LOCK_COMMAND = "flask --app fieldapp checklists lock"
# Bumped if the shape of Checklist.to_dict() ever changes, so old snapshots can still be read.
SNAPSHOT_FORMAT = 1
MAX_COUNT = 999
MAX_MINUTES = 24 * 60
MAX_PENCE = 100_000_00  # £100,000: far above any real price, low enough to catch a slipped key

_ID = re.compile(r"[a-z][a-z0-9_]*\Z")
_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


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


# --- Validation ----------------------------------------------------------------------------------


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _item_path(path: str, items: list[Any], index: int) -> str:
    """Name a list item by its id when that is unambiguous (``sections.workers``), else by index.

    Ids read better than positions for someone editing the file, but a duplicated or missing id
    cannot identify the item, so the position is used then.
    """
    item = items[index]
    item_id = item.get("id") if isinstance(item, dict) else None
    siblings = [other.get("id") for other in items if isinstance(other, dict)]
    if isinstance(item_id, str) and _ID.match(item_id) and siblings.count(item_id) == 1:
        return f"{path}.{item_id}"
    return f"{path}[{index}]"


class _Validator:
    """Collects the problems in one checklist file while building its objects."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        # Every id a visit answer can be stored under, so a clash anywhere in the file is caught.
        self.ids: dict[str, str] = {}

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message))

    def keys(
        self, table: dict[str, Any], path: str, required: tuple[str, ...], optional=()
    ) -> None:
        """Report unknown keys (usually typos) and missing required ones."""
        allowed = (*required, *optional)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                advice = (
                    f'did you mean "{close[0]}"?'
                    if close
                    else f"the keys allowed here are: {', '.join(allowed)}."
                )
                self.problem(
                    _join(path, key), f'unknown key "{key}": {advice} Rename or remove it.'
                )
        for key in required:
            if key not in table:
                self.problem(_join(path, key), f'"{key}" is missing: add it.')

    def table(self, value: Any, path: str, what: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.problem(path, f"must be a {what}, not {_describe(value)}.")
        return None

    def text(self, table: dict[str, Any], key: str, path: str) -> str:
        if key not in table:
            return ""
        value = table[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(
                _join(path, key), f'must be some text in double quotes, like {key} = "...".'
            )
            return ""
        return value.strip()

    def identifier(self, table: dict[str, Any], key: str, path: str) -> str:
        if key not in table:
            return ""
        value = table[key]
        if not isinstance(value, str) or not _ID.match(value):
            self.problem(
                _join(path, key),
                f"{_describe(value)} is not a valid id: use lower-case letters, digits and "
                'underscores, starting with a letter, in double quotes, like "cash_only".',
            )
            return ""
        return value

    def claim_id(self, item_id: str, path: str, what: str) -> None:
        """Record an answer id, reporting it if an earlier question already uses it."""
        if not item_id:
            return
        if item_id in self.ids:
            self.problem(
                _join(path, "id"),
                f'the id "{item_id}" is already used at {self.ids[item_id]}: '
                f"give this {what} its own id.",
            )
        else:
            self.ids[item_id] = path

    def whole_number(self, table: dict[str, Any], key: str, path: str, low: int, high: int) -> int:
        if key not in table:
            return 0
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(
                _join(path, key),
                f"{_describe(value)} is not allowed: use a whole number from {low} to {high}, "
                "without quotes.",
            )
            return 0
        if not low <= value <= high:
            self.problem(_join(path, key), f"is {value}: use a whole number from {low} to {high}.")
            return 0
        return value

    def true_false(self, table: dict[str, Any], key: str, path: str) -> bool:
        if key not in table:
            return False
        value = table[key]
        if not isinstance(value, bool):
            self.problem(
                _join(path, key),
                f"{_describe(value)} is not allowed: use true or false, no quotes.",
            )
            return False
        return value

    def choice(self, table: dict[str, Any], key: str, path: str, choices: tuple[str, ...]) -> str:
        if key not in table:
            return ""
        value = table[key]
        if isinstance(value, str) and value in choices:
            return value
        close = (
            difflib.get_close_matches(str(value), choices, n=1) if isinstance(value, str) else []
        )
        advice = f' Did you mean "{close[0]}"?' if close else ""
        listed = ", ".join(f'"{choice}"' for choice in choices)
        self.problem(
            _join(path, key), f"{_describe(value)} is not allowed: use one of {listed}.{advice}"
        )
        return ""

    def category(self, table: dict[str, Any], path: str) -> str:
        return self.choice(table, "category", path, tuple(CATEGORIES))

    def text_list(self, table: dict[str, Any], key: str, path: str) -> tuple[str, ...]:
        if key not in table:
            return ()
        value = table[key]
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self.problem(
                _join(path, key), f'must be a list of text in double quotes, like {key} = ["C1"].'
            )
            return ()
        return tuple(item.strip() for item in value)

    def other_categories(self, table: dict[str, Any], path: str, main: str) -> tuple[str, ...]:
        others = self.text_list(table, "other_categories", path)
        for index, code in enumerate(others):
            if code not in CATEGORIES:
                self.problem(
                    f"{path}.other_categories[{index}]",
                    f'"{code}" is not a category: use one of {", ".join(CATEGORIES)}.',
                )
            elif code == main:
                self.problem(
                    f"{path}.other_categories[{index}]",
                    f'"{code}" is already the main category: remove it from this list.',
                )
        return others

    # --- the parts of a checklist ---

    def checklist(self, raw: dict[str, Any], content_hash: str) -> Checklist | None:
        self.keys(
            raw,
            "",
            required=("id", "sector", "version", "title", "bands", "sections"),
            optional=("follow_ups", "computed"),
        )
        checklist_id = self.identifier(raw, "id", "")
        sector = self.choice(raw, "sector", "", SECTORS)
        version = self.whole_number(raw, "version", "", 1, 1_000_000)
        title = self.text(raw, "title", "")
        bands = self.bands(raw.get("bands"))
        sections = self.sections(raw.get("sections"))
        indicators = {i.id: i for section in sections for i in section.indicators}
        follow_ups = self.follow_ups(raw.get("follow_ups", []), indicators)
        computed = self.computed(raw.get("computed", {}), indicators)
        if self.problems:
            return None
        return Checklist(
            id=checklist_id,
            sector=sector,
            version=version,
            title=title,
            bands=bands,
            sections=sections,
            follow_ups=follow_ups,
            computed=computed,
            hash=content_hash,
        )

    def bands(self, raw: Any) -> tuple[Band, ...]:
        if raw is None:
            return ()
        table = self.table(raw, "bands", "table with low, medium and high")
        if table is None:
            return ()
        self.keys(table, "bands", required=BAND_NAMES)
        bands = []
        for name in BAND_NAMES:
            path = f"bands.{name}"
            if name not in table:
                continue  # reported by keys() above
            band = self.table(table[name], path, "table like { from = 0, to = 20 }")
            if band is None:
                continue
            before = len(self.problems)
            self.keys(band, path, required=("from", "to"))
            start = self.whole_number(band, "from", path, 0, 100)
            end = self.whole_number(band, "to", path, 0, 100)
            if len(self.problems) > before:
                continue
            if start >= end:
                self.problem(path, f"runs from {start}% to {end}%: `from` must be below `to`.")
                continue
            bands.append(Band(name, start, end))
        if len(bands) != len(BAND_NAMES):
            return tuple(bands)  # the problems are reported already; the edges need all three
        if bands[0].start != 0:
            self.problem(
                "bands.low.from", f"is {bands[0].start}: the low band must start at 0 (percent)."
            )
        if bands[-1].end != 100:
            self.problem(
                "bands.high.to", f"is {bands[-1].end}: the high band must end at 100 (percent)."
            )
        for lower, upper in zip(bands, bands[1:], strict=False):
            path = f"bands.{upper.name}.from"
            if upper.start < lower.end:
                self.problem(
                    path,
                    f"{upper.name} starts at {upper.start}% but {lower.name} runs to {lower.end}%, "
                    f"so they overlap: make {upper.name} start at {lower.end}.",
                )
            elif upper.start > lower.end:
                self.problem(
                    path,
                    f"scores from {lower.end}% up to {upper.start}% fall in no band: "
                    f"make {upper.name} start at {lower.end}.",
                )
        return tuple(bands)

    def sections(self, raw: Any) -> tuple[Section, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem("sections", "must be one or more [[sections]] blocks.")
            return ()
        sections = []
        section_ids: set[str] = set()
        for index, item in enumerate(raw):
            path = _item_path("sections", raw, index)
            table = self.table(item, path, "[[sections]] block")
            if table is None:
                continue
            self.keys(table, path, required=("id", "title", "indicators"))
            section_id = self.identifier(table, "id", path)
            if section_id in section_ids:
                self.problem(
                    _join(path, "id"),
                    f'another section already has the id "{section_id}": give each its own id.',
                )
            section_ids.add(section_id)
            title = self.text(table, "title", path)
            indicators = self.indicators(table.get("indicators"), f"{path}.indicators")
            sections.append(Section(section_id, title, indicators))
        return tuple(sections)

    def indicators(self, raw: Any, path: str) -> tuple[Indicator, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.problem(path, "must be one or more [[sections.indicators]] blocks.")
            return ()
        indicators = []
        for index, item in enumerate(raw):
            item_path = _item_path(path, raw, index)
            table = self.table(item, item_path, "[[sections.indicators]] block")
            if table is not None:
                indicators.append(self.indicator(table, item_path))
        return tuple(indicators)

    def indicator(self, table: dict[str, Any], path: str) -> Indicator:
        self.keys(
            table,
            path,
            required=("id", "question", "category", "weight", "red_flag", "answer_type"),
            optional=("hint", "other_categories", "sources"),
        )
        indicator_id = self.identifier(table, "id", path)
        self.claim_id(indicator_id, path, "question")
        category = self.category(table, path)
        answer_type = self.choice(table, "answer_type", path, ANSWER_TYPES)
        weight = self.whole_number(table, "weight", path, 0, 5)
        red_flag = self.true_false(table, "red_flag", path)
        sources = self.text_list(table, "sources", path)
        # A weight only means something for yes/no questions: measurements feed the price check.
        if "weight" in table and answer_type == "yes_no" and table["weight"] == 0:
            self.problem(
                _join(path, "weight"),
                "is 0, but only measurements (count, money or minutes questions) have weight 0: "
                "give a yes/no question a weight from 1 to 5.",
            )
        elif answer_type in MEASUREMENT_TYPES and weight:
            self.problem(
                _join(path, "weight"),
                f"is {weight}, but a {answer_type} question is a measurement and scores nothing: "
                "set weight = 0.",
            )
        if answer_type in MEASUREMENT_TYPES and red_flag:
            self.problem(
                _join(path, "red_flag"),
                f"a {answer_type} question is a measurement and cannot be a red flag: "
                "set red_flag = false.",
            )
        if answer_type == "yes_no" and "sources" in table and not sources:
            self.problem(_join(path, "sources"), 'is empty: name at least one source, like ["C1"].')
        elif answer_type == "yes_no" and "sources" not in table:
            self.problem(
                _join(path, "sources"),
                'is missing: every yes/no question needs its sources, like sources = ["C1"].',
            )
        return Indicator(
            id=indicator_id,
            question=self.text(table, "question", path),
            category=category,
            weight=weight,
            red_flag=red_flag,
            answer_type=answer_type,
            hint=self.text(table, "hint", path),
            other_categories=self.other_categories(table, path, category),
            sources=sources,
        )

    def follow_ups(self, raw: Any, indicators: dict[str, Indicator]) -> tuple[FollowUp, ...]:
        if not isinstance(raw, list):
            self.problem("follow_ups", "must be [[follow_ups]] blocks.")
            return ()
        follow_ups = []
        for index, item in enumerate(raw):
            path = _item_path("follow_ups", raw, index)
            table = self.table(item, path, "[[follow_ups]] block")
            if table is None:
                continue
            self.keys(
                table,
                path,
                required=("id", "parent", "question", "answer_type"),
                optional=("hint",),
            )
            follow_up_id = self.identifier(table, "id", path)
            self.claim_id(follow_up_id, path, "follow-up")
            parent = self.identifier(table, "parent", path)
            if parent:
                self.check_parent(parent, f"{path}.parent", indicators)
            follow_ups.append(
                FollowUp(
                    id=follow_up_id,
                    parent=parent,
                    question=self.text(table, "question", path),
                    answer_type=self.choice(table, "answer_type", path, ANSWER_TYPES),
                    hint=self.text(table, "hint", path),
                )
            )
        return tuple(follow_ups)

    def check_parent(self, parent: str, path: str, indicators: dict[str, Indicator]) -> None:
        indicator = indicators.get(parent)
        if indicator is None:
            close = difflib.get_close_matches(parent, list(indicators), n=1)
            advice = f' Did you mean "{close[0]}"?' if close else ""
            self.problem(
                path,
                f'names "{parent}", but no question in this file has that id: '
                f"use the id of the question this follows.{advice}",
            )
        elif indicator.answer_type and indicator.answer_type != "yes_no":
            self.problem(
                path,
                f'names "{parent}", a {indicator.answer_type} question: a follow-up is shown '
                "when its parent is answered yes, so the parent must be a yes_no question.",
            )

    def computed(self, raw: Any, indicators: dict[str, Indicator]) -> tuple[ComputedIndicator, ...]:
        table = self.table(raw, "computed", "table like [computed.price_low]")
        if table is None:
            return ()
        computed = []
        for computed_id, item in table.items():
            path = f"computed.{computed_id}"
            entry = self.table(item, path, "table")
            if entry is None:
                continue
            if not _ID.match(computed_id):
                self.problem(
                    path,
                    f'"{computed_id}" is not a valid id: use lower-case letters, digits and '
                    "underscores, starting with a letter.",
                )
            self.claim_id(computed_id, path, "computed indicator")
            self.keys(
                entry,
                path,
                required=("rule", "question", "category", "weight", "red_flag", *PRICE_RULE_INPUTS),
                optional=("hint", "other_categories", "sources"),
            )
            self.choice(entry, "rule", path, (PRICE_RULE,))
            inputs = {}
            for key, wanted in PRICE_RULE_INPUTS.items():
                inputs[key] = self.identifier(entry, key, path)
                if inputs[key]:
                    self.check_input(inputs[key], wanted, _join(path, key), indicators)
            category = self.category(entry, path)
            computed.append(
                ComputedIndicator(
                    id=computed_id,
                    rule=PRICE_RULE,
                    question=self.text(entry, "question", path),
                    category=category,
                    weight=self.whole_number(entry, "weight", path, 1, 5),
                    red_flag=self.true_false(entry, "red_flag", path),
                    hint=self.text(entry, "hint", path),
                    other_categories=self.other_categories(entry, path, category),
                    sources=self.text_list(entry, "sources", path),
                    **inputs,
                )
            )
        return tuple(computed)

    def check_input(
        self, input_id: str, wanted: str, path: str, indicators: dict[str, Indicator]
    ) -> None:
        indicator = indicators.get(input_id)
        if indicator is None:
            self.problem(
                path,
                f'names "{input_id}", but no question in this file has that id: '
                f"name the {wanted} question to use.",
            )
        elif indicator.answer_type and indicator.answer_type != wanted:
            # An empty answer_type was invalid and is reported already; one message is enough.
            self.problem(
                path,
                f'names "{input_id}", a {indicator.answer_type} question: '
                f"it must name a {wanted} question.",
            )


def _describe(value: Any) -> str:
    """How a wrong value looks to someone reading the file, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)


# --- Files, hashes and the lock ------------------------------------------------------------------


def content_hash(raw: Mapping[str, Any]) -> str:
    """sha256 of the parsed content, so comments, spacing and key order do not change it."""
    canonical = json.dumps(
        raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_default(value: Any) -> str:
    if isinstance(value, date):  # TOML dates and times; datetime is a date too
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def _read_toml(path: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse one TOML file, turning read and syntax errors into problems with the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(str(path), "", "is not UTF-8 text: save it as UTF-8 and try again.")]
    except OSError as error:
        return None, [Problem(str(path), "", f"cannot be read ({error.strerror}).")]
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_POSITION.search(message)
        where = f"line {found.group(1)}" if found else ""
        reason = _TOML_POSITION.sub("", message).strip()
        return None, [
            Problem(
                str(path),
                where,
                f"TOML syntax error: {reason} (column {found.group(2) if found else '?'}). "
                "Check the quotes, brackets and = signs on that line.",
            )
        ]


def _is_checklist(raw: Mapping[str, Any]) -> bool:
    """Whether a parsed TOML file is a checklist.

    ``checklists/`` also holds other data (wage rates, partner agencies), so files are told
    apart by content: a checklist always has ``sector`` or ``sections`` at the top, even when
    other parts of it are wrong, and the other data files have neither.
    """
    return "sector" in raw or "sections" in raw


@dataclass(frozen=True)
class _Loaded:
    """What reading a folder found: valid checklists (with their file), skips and problems."""

    checklists: dict[str, tuple[Checklist, Path]]
    skipped: tuple[Path, ...]
    problems: list[Problem]


def _load_files(directory: Path) -> _Loaded:
    """Validate every checklist file in ``directory``, ignoring the lock."""
    directory = Path(directory)
    if not directory.is_dir():
        problem = Problem(
            str(directory), "", "folder not found: point CHECKLIST_DIR at checklists/."
        )
        return _Loaded({}, (), [problem])
    loaded: dict[str, tuple[Checklist, Path]] = {}
    skipped: list[Path] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.toml")):
        if path.name == WAGE_RATES_FILE:
            continue
        raw, file_problems = _read_toml(path)
        if raw is not None and not _is_checklist(raw):
            skipped.append(path)
            continue
        if raw is not None:
            validator = _Validator(str(path))
            checklist = validator.checklist(raw, content_hash(raw))
            file_problems = validator.problems
            if checklist is not None and checklist.id in loaded:
                other = loaded[checklist.id][1].name
                file_problems.append(
                    Problem(
                        str(path),
                        "id",
                        f'the checklist id "{checklist.id}" is already used by {other}: '
                        "give each checklist file its own id.",
                    )
                )
            elif checklist is not None:
                loaded[checklist.id] = (checklist, path)
        problems.extend(file_problems)
    if not loaded and not problems:
        problems.append(Problem(str(directory), "", "has no checklist files (*.toml) in it."))
    return _Loaded(loaded, tuple(skipped), problems)


def skipped_files(directory: Path) -> tuple[Path, ...]:
    """TOML files in ``directory`` that are not checklists (shown by the check command)."""
    return _load_files(directory).skipped


def _lock_problems(
    loaded: dict[str, tuple[Checklist, Path]],
    lock: dict[str, dict[int, str]],
    *,
    allow_unlocked: bool,
) -> list[Problem]:
    """Compare each checklist with the lock: a released version must never change."""
    problems = []
    for checklist, path in loaded.values():
        released = lock.get(checklist.id, {})
        newest = max(released, default=0)
        if checklist.version in released:
            if released[checklist.version] != checklist.hash:
                problems.append(
                    Problem(
                        str(path),
                        "version",
                        "content changed without a version bump: bump `version` in "
                        f"{path.name} (to {newest + 1}) and run `{LOCK_COMMAND}`.",
                    )
                )
        elif checklist.version < newest:
            problems.append(
                Problem(
                    str(path),
                    "version",
                    f"is {checklist.version}, but version {newest} is already released: "
                    f"use version {newest + 1} and run `{LOCK_COMMAND}`.",
                )
            )
        elif not allow_unlocked:
            problems.append(
                Problem(
                    str(path),
                    "version",
                    f"version {checklist.version} of {checklist.id} is not released yet: "
                    f"run `{LOCK_COMMAND}` to release it.",
                )
            )
    return problems


def load_checklists(
    directory: Path, *, lock_path: Path | None = None, allow_unlocked: bool = False
) -> dict[str, Checklist]:
    """Load and validate every checklist in ``directory``, keyed by checklist id.

    Raises ChecklistError listing every problem in every file. A checklist whose version is in the
    lock with a different hash is refused (edited without a version bump); so is a version not in
    the lock yet, unless ``allow_unlocked`` (used by the lock command itself).
    """
    directory = Path(directory)
    found = _load_files(directory)
    loaded, problems = found.checklists, found.problems
    try:
        lock = read_lock(lock_path or directory / LOCK_FILE)
    except ChecklistError as error:
        problems.extend(error.problems)
        lock = {}
    problems.extend(_lock_problems(loaded, lock, allow_unlocked=allow_unlocked))
    if problems:
        raise ChecklistError(problems)
    return {checklist_id: checklist for checklist_id, (checklist, _) in loaded.items()}


def read_lock(path: Path) -> dict[str, dict[int, str]]:
    """Read ``versions.lock``: checklist id -> version -> content hash. Missing file = empty."""
    path = Path(path)
    if not path.exists():
        return {}
    raw, problems = _read_toml(path)
    if raw is None:
        raise ChecklistError(problems)
    lock: dict[str, dict[int, str]] = {}
    for checklist_id, versions in raw.items():
        if not isinstance(versions, dict):
            problems.append(Problem(str(path), checklist_id, "must be a [table] of versions."))
            continue
        lock[checklist_id] = {}
        for version, digest in versions.items():
            if not version.isdigit() or not isinstance(digest, str):
                problems.append(
                    Problem(
                        str(path),
                        f"{checklist_id}.{version}",
                        f"is not a version number and hash: restore the file from git and run "
                        f"`{LOCK_COMMAND}`.",
                    )
                )
                continue
            lock[checklist_id][int(version)] = digest
    if problems:
        raise ChecklistError(problems)
    return lock


def write_lock(path: Path, lock: Mapping[str, Mapping[int, str]]) -> None:
    """Write the lock file, replacing it in one step so a crash cannot leave half a file."""
    lines = [
        "# Released checklist versions and the content hash (sha256) of each.",
        f"# Written by `{LOCK_COMMAND}`: do not edit by hand.",
        "# A version listed here must never change. To change a checklist, raise its `version`",
        "# and lock again; visits keep the version they were recorded with.",
    ]
    for checklist_id in sorted(lock):
        lines += ["", f"[{checklist_id}]"]
        lines += [
            f'{version} = "{digest}"' for version, digest in sorted(lock[checklist_id].items())
        ]
    path = Path(path)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def lock_checklists(directory: Path, *, lock_path: Path | None = None) -> list[Checklist]:
    """Add every valid checklist version missing from the lock; return the ones added.

    Never rewrites an existing entry: a released version whose content changed is refused, as is
    any other problem in any file, and then nothing is written.
    """
    directory = Path(directory)
    lock_path = Path(lock_path or directory / LOCK_FILE)
    found = _load_files(directory)
    loaded, problems = found.checklists, found.problems
    lock = read_lock(lock_path)
    problems.extend(_lock_problems(loaded, lock, allow_unlocked=True))
    if problems:
        raise ChecklistError(problems)
    added = [
        checklist
        for checklist, _ in sorted(loaded.values(), key=lambda pair: pair[0].id)
        if checklist.version not in lock.get(checklist.id, {})
    ]
    if added:
        for checklist in added:
            lock.setdefault(checklist.id, {})[checklist.version] = checklist.hash
        write_lock(lock_path, lock)
    return added


# --- Wage rates ----------------------------------------------------------------------------------

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

    def offset_on(self, day: date) -> int | None:
        """Accommodation offset in pence per day on ``day``, or None if not recorded."""
        return self.period_on(day).accommodation_offset_per_day


def load_wage_rates(path: Path) -> WageRates:
    """Load and validate ``wage_rates.toml``; raises ChecklistError listing every problem."""
    path = Path(path)
    raw, problems = _read_toml(path)
    if raw is None:
        raise ChecklistError(problems)
    validator = _Validator(str(path))
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
                f"{_describe(start)} is not a date: write it like 2026-04-01, without quotes.",
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


# --- Answers -------------------------------------------------------------------------------------

_MONEY = re.compile(r"£?\s*([0-9]+)(?:\.([0-9]+))?\Z", re.ASCII)
_WHOLE = re.compile(r"[0-9]+\Z", re.ASCII)


def parse_answer(question: Indicator | FollowUp, raw: str) -> str | int:
    """Turn what an officer typed into a stored answer, or raise ValueError saying what to fix.

    yes_no gives "yes", "no" or "not_seen"; money gives pence ("£6.50" -> 650); count and minutes
    give whole numbers.
    """
    text = (raw or "").strip()
    name = f'"{question.question}"'
    if question.answer_type == "yes_no":
        answer = text.lower()
        if answer not in YES_NO_ANSWERS:
            raise ValueError(f"{name}: choose yes, no or not seen.")
        return answer
    if question.answer_type == "money":
        return _parse_money(name, text)
    if question.answer_type in ("count", "minutes"):
        highest = MAX_MINUTES if question.answer_type == "minutes" else MAX_COUNT
        unit = "minutes" if question.answer_type == "minutes" else "a whole number"
        if text.startswith("-"):
            raise ValueError(f"{name}: cannot be negative. Enter {unit} from 0 to {highest}.")
        if not _WHOLE.match(text):
            raise ValueError(f"{name}: enter {unit} from 0 to {highest}, in figures, like 3.")
        if int(text) > highest:
            raise ValueError(f"{name}: {int(text)} is too many. Enter {unit} from 0 to {highest}.")
        return int(text)
    raise ValueError(f"{name}: unknown answer type {question.answer_type!r}.")


def _parse_money(name: str, text: str) -> int:
    if text.lstrip("£ ").startswith("-"):
        raise ValueError(f"{name}: a price cannot be negative. Enter pounds and pence, like 6.50.")
    found = _MONEY.match(text)
    if not found:
        raise ValueError(f"{name}: enter pounds and pence in figures, like 6.50.")
    pounds, pence = found.group(1), found.group(2)
    if pence is not None and len(pence) > 2:
        raise ValueError(f"{name}: use at most 2 figures after the point, like 6.50.")
    total = int(pounds) * 100 + int((pence or "0").ljust(2, "0"))
    if total > MAX_PENCE:
        raise ValueError(f"{name}: {format_pence(total)} is too high. Check the amount.")
    return total


def format_pence(pence: int) -> str:
    """Pence as pounds for people: 650 -> "£6.50", 123456 -> "£1,234.56"."""
    return f"£{pence // 100:,}.{pence % 100:02d}"
