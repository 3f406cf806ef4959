"""Practice scenarios (``checklists/scenarios/*.toml``): a story and the answers it implies.

Each file is one scenario, named by its file name. Its answers are checked against the
current checklist of its sector when the app starts: a question that no longer exists, or
an answer the question cannot take, stops the start with the file and the question named,
so a scenario never teaches against a checklist officers no longer use.

Pure: no Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fieldapp.checklists._fields import ID, FieldChecks, describe
from fieldapp.checklists.answers import parse_answer
from fieldapp.checklists.files import read_toml
from fieldapp.checklists.model import (
    SECTORS,
    Checklist,
    ChecklistError,
    ComputedIndicator,
    FollowUp,
    Problem,
)

SCENARIO_DIR = "scenarios"


@dataclass(frozen=True)
class Scenario:
    """A worked example: what the officer sees, and the answers that story implies."""

    id: str
    title: str
    sector: str
    story: tuple[str, ...]  # paragraphs
    answers: tuple[tuple[str, str | int], ...]  # question id -> stored answer, in file order
    lesson: str = ""

    @property
    def answer_map(self) -> dict[str, str | int]:
        return dict(self.answers)


def load_scenarios(directory: Path, by_sector: Mapping[str, Checklist]) -> dict[str, Scenario]:
    """Every scenario in ``directory``, keyed by id, checked against ``by_sector``'s checklists.

    A missing folder means no scenarios. Raises ChecklistError with every problem found.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return {}
    scenarios: dict[str, Scenario] = {}
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.toml")):
        raw, file_problems = read_toml(path)
        if raw is not None:
            checks = FieldChecks(str(path))
            scenario = _scenario(checks, path, raw, by_sector)
            file_problems = checks.problems
            if scenario is not None and not file_problems:
                scenarios[scenario.id] = scenario
        problems += file_problems
    if problems:
        raise ChecklistError(problems)
    return scenarios


def _scenario(
    checks: FieldChecks, path: Path, raw: dict[str, Any], by_sector: Mapping[str, Checklist]
) -> Scenario | None:
    checks.keys(raw, "", required=("title", "sector", "story", "answers"), optional=("lesson",))
    if not ID.match(path.stem):
        checks.problem(
            "",
            f'"{path.name}" is not a valid scenario file name: use lower-case letters, digits '
            "and underscores, like car_wash_hazard.toml.",
        )
    sector = checks.choice(raw, "sector", "", tuple(SECTORS))
    story = checks.text(raw, "story", "")
    answers_raw = checks.table(raw.get("answers", {}), "answers", "table of answers")
    checklist = by_sector.get(sector)
    if not sector or checklist is None or answers_raw is None:
        return None
    answers = _answers(checks, checklist, answers_raw)
    return Scenario(
        id=path.stem,
        title=checks.text(raw, "title", ""),
        sector=sector,
        story=tuple(" ".join(p.split()) for p in story.split("\n\n") if p.strip()),
        answers=answers,
        lesson=checks.text(raw, "lesson", ""),
    )


def _answers(
    checks: FieldChecks, checklist: Checklist, raw: dict[str, Any]
) -> tuple[tuple[str, str | int], ...]:
    """Each answer checked against the question it names, as the visit form would store it."""
    found: list[tuple[str, str | int]] = []
    where_version = f"the current {checklist.id} checklist (version {checklist.version})"
    for question_id, value in raw.items():
        path = f"answers.{question_id}"
        item = checklist.find(question_id)
        if item is None:
            checks.problem(
                path,
                f'"{question_id}" is not a question on {where_version}: use one of its question '
                "ids, or remove the answer.",
            )
            continue
        if isinstance(item, ComputedIndicator):
            checks.problem(path, f'"{question_id}" is worked out by the app, not answered.')
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            checks.problem(path, f"{describe(value)} is not an answer: see {where_version}.")
            continue
        try:
            answer = parse_answer(item, str(value))
        except ValueError as error:
            checks.problem(path, f"{error} ({where_version})")
            continue
        if isinstance(item, FollowUp) and raw.get(item.parent) != "yes":
            checks.problem(
                path,
                f'is asked only when "{item.parent}" is answered yes: answer that yes, or '
                "remove this answer.",
            )
            continue
        found.append((question_id, answer))
    return tuple(found)
