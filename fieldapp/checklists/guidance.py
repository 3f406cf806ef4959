"""``guidance.toml``: how to speak to workers, and what each source key means.

The advice is shown on the indicator guide and, on demand, at the top of every visit form.
The source key turns the keys the checklists cite ("C1", "NB13") into the documents they
stand for, so the guide never shows an officer a bare code. Every key-like source in a
checklist or in the advice must be in the key: a new one is caught when the app starts.

Pure: no Flask here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.checklists._fields import FieldChecks, join
from fieldapp.checklists.files import read_toml
from fieldapp.checklists.model import Checklist, ChecklistError, Problem

GUIDANCE_FILE = "guidance.toml"
# A source written as a key of the source key: capital letters then figures, like C1 or NB13.
SOURCE_KEY = re.compile(r"[A-Z]{1,4}[0-9]{1,3}\Z")


@dataclass(frozen=True)
class Advice:
    """One piece of advice on speaking to workers."""

    id: str
    heading: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Guidance:
    """The worker-conversation guide and the source key."""

    title: str
    intro: str
    advice: tuple[Advice, ...]
    sources: tuple[tuple[str, str], ...]

    def source_title(self, source: str) -> str:
        """What a source key stands for; a source written out in full is itself."""
        return dict(self.sources).get(source, source)

    def keys_in(self, sources: Iterable[str]) -> list[str]:
        """The source keys among ``sources``, in the order of the source key."""
        wanted = set(sources)
        return [key for key, _ in self.sources if key in wanted]


def load_guidance(path: Path) -> Guidance:
    """Read and check ``guidance.toml``, raising ChecklistError with every problem."""
    raw, problems = read_toml(Path(path))
    if raw is None:
        raise ChecklistError(problems)
    checks = FieldChecks(str(path))
    checks.keys(raw, "", required=("title", "intro", "advice", "sources"))
    sources = _sources(checks, raw.get("sources", {}))
    advice = []
    for where, table in checks.blocks(raw.get("advice", []), "advice"):
        checks.keys(table, where, required=("id", "heading", "text", "sources"))
        advice_id = checks.identifier(table, "id", where)
        checks.claim_id(advice_id, where, "piece of advice")
        cited = checks.text_list(table, "sources", where)
        if "sources" in table and not cited:
            checks.problem(join(where, "sources"), 'is empty: name at least one, like ["P1"].')
        advice.append(
            Advice(
                id=advice_id,
                heading=checks.text(table, "heading", where),
                text=checks.text(table, "text", where),
                sources=cited,
            )
        )
    guidance = Guidance(
        title=checks.text(raw, "title", ""),
        intro=checks.text(raw, "intro", ""),
        advice=tuple(advice),
        sources=sources,
    )
    for item in guidance.advice:
        checks.problems += unknown_keys(guidance, item.sources, str(path), f"advice.{item.id}")
    if checks.problems:
        raise ChecklistError(checks.problems)
    return guidance


def _sources(checks: FieldChecks, raw: Any) -> tuple[tuple[str, str], ...]:
    table = checks.table(raw, "sources", 'table like [sources] with C1 = "..."')
    found = []
    for key, title in (table or {}).items():
        if not SOURCE_KEY.match(key):
            checks.problem(
                join("sources", key),
                f'"{key}" is not a source key: use capital letters then figures, like C1.',
            )
        elif not isinstance(title, str) or not title.strip():
            checks.problem(join("sources", key), 'must say what the source is, like C1 = "...".')
        else:
            found.append((key, title.strip()))
    return tuple(found)


def unknown_keys(
    guidance: Guidance, sources: Iterable[str], file: str, where: str
) -> list[Problem]:
    """A problem for each source written as a key that the source key does not explain."""
    known = dict(guidance.sources)
    return [
        Problem(
            file,
            join(where, "sources"),
            f'the source "{source}" is not in the source key: add it under [sources] in '
            f"{GUIDANCE_FILE}, or write the source out in full.",
        )
        for source in sources
        if SOURCE_KEY.match(source) and source not in known
    ]


def checklist_source_problems(
    guidance: Guidance, checklists: Iterable[Checklist], file: str
) -> list[Problem]:
    """Every key-like source a checklist cites must be in the source key (in ``file``)."""
    known = dict(guidance.sources)
    problems = []
    for checklist in checklists:
        items = (*checklist.indicators, *checklist.computed, *checklist.combinations)
        for item in items:
            problems += [
                Problem(
                    file,
                    "sources",
                    f'the {checklist.id} checklist cites "{source}" for {item.id}, and the '
                    "source key does not say what it is: add it under [sources], or correct "
                    "the checklist.",
                )
                for source in item.sources
                if SOURCE_KEY.match(source) and source not in known
            ]
    return problems
