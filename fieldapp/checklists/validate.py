"""Checking a whole checklist file and building its objects: sections, bands, questions."""

from __future__ import annotations

import difflib
from typing import Any

from fieldapp.checklists._fields import FieldChecks, join, list_item_path
from fieldapp.checklists.model import (
    ANSWER_TYPES,
    BAND_NAMES,
    MEASUREMENT_TYPES,
    PRICE_RULE,
    PRICE_RULE_INPUTS,
    SECTORS,
    Band,
    Checklist,
    ComputedIndicator,
    FollowUp,
    Indicator,
    Section,
)


class Validator(FieldChecks):
    """Collects the problems in one checklist file while building its objects."""

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

    def bands(self, raw: Any, where: str = "bands") -> tuple[Band, ...]:
        if raw is None:
            return ()
        table = self.table(raw, where, "table with low, medium and high")
        if table is None:
            return ()
        self.keys(table, where, required=BAND_NAMES)
        bands = []
        for name in BAND_NAMES:
            path = f"{where}.{name}"
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
                f"{where}.low.from", f"is {bands[0].start}: the low band must start at 0 (percent)."
            )
        if bands[-1].end != 100:
            self.problem(
                f"{where}.high.to", f"is {bands[-1].end}: the high band must end at 100 (percent)."
            )
        for lower, upper in zip(bands, bands[1:], strict=False):
            path = f"{where}.{upper.name}.from"
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
            path = list_item_path("sections", raw, index)
            table = self.table(item, path, "[[sections]] block")
            if table is None:
                continue
            self.keys(table, path, required=("id", "title", "indicators"))
            section_id = self.identifier(table, "id", path)
            if section_id in section_ids:
                self.problem(
                    join(path, "id"),
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
            item_path = list_item_path(path, raw, index)
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
                join(path, "weight"),
                "is 0, but only measurements (count, money or minutes questions) have weight 0: "
                "give a yes/no question a weight from 1 to 5.",
            )
        elif answer_type in MEASUREMENT_TYPES and weight:
            self.problem(
                join(path, "weight"),
                f"is {weight}, but a {answer_type} question is a measurement and scores nothing: "
                "set weight = 0.",
            )
        if answer_type in MEASUREMENT_TYPES and red_flag:
            self.problem(
                join(path, "red_flag"),
                f"a {answer_type} question is a measurement and cannot be a red flag: "
                "set red_flag = false.",
            )
        if answer_type == "yes_no" and "sources" in table and not sources:
            self.problem(join(path, "sources"), 'is empty: name at least one source, like ["C1"].')
        elif answer_type == "yes_no" and "sources" not in table:
            self.problem(
                join(path, "sources"),
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
        follow_ups = []
        for path, table in self.blocks(raw, "follow_ups"):
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
        computed = []
        for computed_id, path, entry in self.computed_entries(raw):
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
                    self.check_input(inputs[key], wanted, join(path, key), indicators)
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
