"""Checking a model 2 checklist: concerns, ILO elements, coverage and combination rules.

Model 2 files say ``model = 2`` at the top. Each question names the concern it is evidence
of; modern slavery signs also name their ILO element and strength. checklists/README.md
explains every field; the messages here say what to change.
"""

from __future__ import annotations

from typing import Any

from fieldapp.checklists._fields import join
from fieldapp.checklists.model import (
    ANSWER_TYPES,
    BANDED_CONCERNS,
    CONCERNS,
    ELEMENTS,
    LEVELLED_CONCERNS,
    MEASUREMENT_TYPES,
    MEDIAN_RULE,
    PRICE_RULE,
    PRICE_RULE_INPUTS,
    SECTORS,
    STRENGTHS,
    Checklist,
    Combination,
    ComputedIndicator,
    Indicator,
)
from fieldapp.checklists.validate import Validator

# Concerns whose red flags mean something: strong evidence of modern slavery on its own, or
# an immediate hazard. A red flag anywhere else would have no route to send it down.
RED_FLAG_CONCERNS = ("slavery", "safety")
COMBINATION_LEVELS = ("medium", "high")


def validator_for(raw: dict[str, Any], file: str) -> Validator:
    """The validator for a parsed file: model 2 when it says so, else the original model."""
    return Model2Validator(file) if raw.get("model") == 2 else Validator(file)


class Model2Validator(Validator):
    """Collects the problems in one model 2 checklist file while building its objects."""

    def checklist(self, raw: dict[str, Any], content_hash: str) -> Checklist | None:
        self.keys(
            raw,
            "",
            required=("id", "sector", "version", "model", "title", "assessment", "concerns"),
            optional=("sections", "follow_ups", "computed", "combinations"),
        )
        if "sections" not in raw:
            self.problem("sections", '"sections" is missing: add it.')
        checklist_id = self.identifier(raw, "id", "")
        sector = self.choice(raw, "sector", "", SECTORS)
        version = self.whole_number(raw, "version", "", 1, 1_000_000)
        title = self.text(raw, "title", "")
        min_checked, high_signs = self.assessment(raw.get("assessment"))
        concern_bands = self.concern_bands(raw.get("concerns"))
        sections = self.sections(raw.get("sections"))
        indicators = {i.id: i for section in sections for i in section.indicators}
        follow_ups = self.follow_ups(raw.get("follow_ups", []), indicators)
        computed = self.computed(raw.get("computed", {}), indicators)
        combinations = self.combinations(raw.get("combinations", []), indicators)
        if self.problems:
            return None
        return Checklist(
            id=checklist_id,
            sector=sector,
            version=version,
            title=title,
            bands=(),
            sections=sections,
            follow_ups=follow_ups,
            computed=computed,
            hash=content_hash,
            model=2,
            min_checked_percent=min_checked,
            slavery_high_signs=high_signs,
            concern_bands=concern_bands,
            combinations=combinations,
        )

    def assessment(self, raw: Any) -> tuple[int, int]:
        table = self.table(raw, "assessment", "table") if raw is not None else None
        if table is None:
            return 0, 0
        self.keys(table, "assessment", required=("min_checked_percent", "slavery_high_signs"))
        return (
            self.whole_number(table, "min_checked_percent", "assessment", 1, 100),
            self.whole_number(table, "slavery_high_signs", "assessment", 2, 50),
        )

    def concern_bands(self, raw: Any) -> tuple:
        table = self.table(raw, "concerns", "table") if raw is not None else None
        if table is None:
            return ()
        self.keys(table, "concerns", required=BANDED_CONCERNS)
        found = []
        for concern in BANDED_CONCERNS:
            entry = table.get(concern)
            path = f"concerns.{concern}"
            if entry is None or self.table(entry, path, "table with bands") is None:
                continue
            self.keys(entry, path, required=("bands",))
            if "bands" in entry:
                found.append((concern, self.bands(entry["bands"], f"{path}.bands")))
        return tuple(found)

    def indicator(self, table: dict[str, Any], path: str) -> Indicator:
        self.keys(
            table,
            path,
            required=("id", "question", "category", "concern", "answer_type"),
            optional=("hint", "other_categories", "sources", "weight", "red_flag", "element")
            + ("strength",),
        )
        indicator_id = self.identifier(table, "id", path)
        self.claim_id(indicator_id, path, "question")
        category = self.category(table, path)
        answer_type = self.choice(table, "answer_type", path, ANSWER_TYPES)
        concern = self.choice(table, "concern", path, tuple(CONCERNS))
        red_flag = self.true_false(table, "red_flag", path) if "red_flag" in table else False
        sources = self.text_list(table, "sources", path)
        if answer_type in MEASUREMENT_TYPES:
            weight = self._measurement(table, path, answer_type, red_flag)
        else:
            weight = self._weight(table, path, concern)
            if "sources" not in table or not sources:
                self.problem(
                    join(path, "sources"),
                    'is missing or empty: every yes/no question needs its sources, like ["C1"].',
                )
        if red_flag and concern and concern not in RED_FLAG_CONCERNS:
            self.problem(
                join(path, "red_flag"),
                f"only a modern slavery sign (strong evidence on its own) or a health and safety "
                f'hazard (an immediate risk) can be a red flag, not a "{concern}" question: '
                "remove red_flag.",
            )
        element, strength = self._element(table, path, concern)
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
            concern=concern,
            element=element,
            strength=strength,
        )

    def _measurement(self, table: dict, path: str, answer_type: str, red_flag: bool) -> int:
        if table.get("weight", 0) != 0:
            self.problem(
                join(path, "weight"),
                f"a {answer_type} question is a measurement and scores nothing: remove weight.",
            )
        if red_flag:
            self.problem(
                join(path, "red_flag"),
                f"a {answer_type} question is a measurement and cannot be a red flag: remove it.",
            )
        return 0

    def _weight(self, table: dict, path: str, concern: str) -> int:
        if concern in BANDED_CONCERNS:
            if "weight" not in table:
                self.problem(
                    join(path, "weight"),
                    f'is missing: a "{concern}" question needs a weight from 1 (weak) to 5.',
                )
                return 0
            return self.whole_number(table, "weight", path, 1, 5)
        if "weight" in table and concern:
            self.problem(
                join(path, "weight"),
                f'a "{concern}" question has no weight (its rules are in checklists/README.md): '
                "remove weight.",
            )
        return 0

    def _element(self, table: dict, path: str, concern: str) -> tuple[str, str]:
        if concern != "slavery":
            for key in ("element", "strength"):
                if key in table and concern:
                    self.problem(
                        join(path, key),
                        f"only a modern slavery sign has an ILO {key}: remove it, or set "
                        'concern = "slavery".',
                    )
            return "", ""
        for key in ("element", "strength"):
            if key not in table:
                self.problem(join(path, key), f"is missing: a modern slavery sign needs its {key}.")
        return (
            self.choice(table, "element", path, tuple(ELEMENTS)),
            self.choice(table, "strength", path, STRENGTHS),
        )

    def computed(self, raw: Any, indicators: dict[str, Indicator]) -> tuple[ComputedIndicator, ...]:
        found = []
        for computed_id, path, entry in self.computed_entries(raw):
            rule = self.choice(entry, "rule", path, (PRICE_RULE, MEDIAN_RULE))
            found.append(self._computed(computed_id, rule, entry, path, indicators))
        return tuple(found)

    def _computed(
        self, computed_id: str, rule: str, entry: dict, path: str, indicators: dict
    ) -> ComputedIndicator:
        common = ("rule", "question", "category", "concern", "weight", "price")
        if rule == MEDIAN_RULE:
            self.keys(
                entry,
                path,
                required=(*common, "below_percent", "min_visits"),
                optional=("hint", "sources"),
            )
            extra = {
                "below_percent": self.whole_number(entry, "below_percent", path, 1, 99),
                "min_visits": self.whole_number(entry, "min_visits", path, 1, 1000),
            }
            inputs = {"price": "money"}
        else:
            self.keys(
                entry,
                path,
                required=(*common, "workers", "minutes"),
                optional=("hint", "sources", "fallback_minutes", "fallback_weight"),
            )
            extra = {
                key: self.whole_number(entry, key, path, 1, 600 if "minutes" in key else 5)
                for key in ("fallback_minutes", "fallback_weight")
                if key in entry
            }
            if ("fallback_minutes" in entry) != ("fallback_weight" in entry):
                self.problem(path, "give both fallback_minutes and fallback_weight, or neither.")
            inputs = PRICE_RULE_INPUTS
        names = {}
        for key, wanted in inputs.items():
            names[key] = self.identifier(entry, key, path)
            if names[key]:
                self.check_input(names[key], wanted, join(path, key), indicators)
        concern = self.choice(entry, "concern", path, BANDED_CONCERNS)
        return ComputedIndicator(
            id=computed_id,
            rule=rule,
            question=self.text(entry, "question", path),
            category=self.category(entry, path),
            weight=self.whole_number(entry, "weight", path, 1, 5),
            red_flag=False,
            hint=self.text(entry, "hint", path),
            sources=self.text_list(entry, "sources", path),
            concern=concern,
            **names,
            **extra,
        )

    def combinations(self, raw: Any, indicators: dict[str, Indicator]) -> tuple[Combination, ...]:
        found = []
        for path, table in self.blocks(raw, "combinations"):
            self.keys(
                table,
                path,
                required=("id", "concern", "level", "all", "any", "reason"),
                optional=("sources",),
            )
            found.append(
                Combination(
                    id=self.identifier(table, "id", path),
                    concern=self.choice(table, "concern", path, LEVELLED_CONCERNS),
                    level=self.choice(table, "level", path, COMBINATION_LEVELS),
                    all_of=self._yes_no_ids(table, "all", path, indicators),
                    any_of=self._yes_no_ids(table, "any", path, indicators),
                    reason=self.text(table, "reason", path),
                    sources=self.text_list(table, "sources", path),
                )
            )
        return tuple(found)

    def _yes_no_ids(self, table: dict, key: str, path: str, indicators: dict) -> tuple[str, ...]:
        ids = self.text_list(table, key, path)
        if key in table and not ids:
            self.problem(join(path, key), "is empty: name at least one question id.")
        for position, item_id in enumerate(ids):
            indicator = indicators.get(item_id)
            if indicator is None or indicator.answer_type != "yes_no":
                self.problem(
                    f"{path}.{key}[{position}]",
                    f'"{item_id}" is not a yes/no question in this file: use the id of one.',
                )
        return ids
