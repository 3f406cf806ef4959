"""Everything the app reads from the checklist folder at start-up, checked as one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.checklists.files import WAGE_RATES_FILE, load_checklists
from fieldapp.checklists.guidance import (
    GUIDANCE_FILE,
    Guidance,
    checklist_source_problems,
    load_guidance,
)
from fieldapp.checklists.model import SECTORS, Checklist, ChecklistError, Problem
from fieldapp.checklists.retention import RETENTION_FILE, Retention, load_retention
from fieldapp.checklists.safeguarding_file import placeholder_problems, read_safeguarding
from fieldapp.checklists.scenarios import SCENARIO_DIR, Scenario, load_scenarios
from fieldapp.checklists.wages import WageRates, load_wage_rates

SAFEGUARDING_FILE = "safeguarding.toml"


@dataclass(frozen=True)
class ChecklistFolder:
    """Checklists, wage rates, safeguarding routes, the guidance on speaking to workers and
    the practice scenarios and the retention schedule, as read from ``checklists/``.

    ``placeholders`` are the enabled routes that would show a contact with a placeholder
    number: the app refuses to start with any unless SAFEGUARDING_PLACEHOLDERS_ALLOWED.
    """

    checklists: dict[str, Checklist]
    by_sector: dict[str, Checklist]
    wage_rates: WageRates
    safeguarding: dict
    guidance: Guidance
    scenarios: dict[str, Scenario]
    placeholders: tuple[Problem, ...] = field(default=())
    retention: dict[str, Retention] = field(default_factory=dict)


def load_folder(directory: Path) -> ChecklistFolder:
    """Read and validate everything in the checklist folder."""
    directory = Path(directory)
    checklists = load_checklists(directory)
    wage_rates = load_wage_rates(directory / WAGE_RATES_FILE)
    safeguarding = read_safeguarding(directory / SAFEGUARDING_FILE)
    placeholders = placeholder_problems(directory / SAFEGUARDING_FILE, safeguarding)
    by_sector = {c.sector: c for c in checklists.values()}
    missing = set(SECTORS) - set(by_sector)
    if missing:
        raise RuntimeError(f"No checklist for sector(s): {', '.join(sorted(missing))}")
    guidance, scenarios = load_guide(directory, by_sector)
    retention = load_retention(directory / RETENTION_FILE)
    return ChecklistFolder(
        checklists,
        by_sector,
        wage_rates,
        safeguarding,
        guidance,
        scenarios,
        tuple(placeholders),
        retention,
    )


def load_guide(
    directory: Path, by_sector: dict[str, Checklist]
) -> tuple[Guidance, dict[str, Scenario]]:
    """The guidance and the practice scenarios, checked against the current checklists.

    Every problem in either is reported at once, as for the checklists.
    """
    problems: list[Problem] = []
    guidance = scenarios = None
    try:
        guidance = load_guidance(directory / GUIDANCE_FILE)
        problems += checklist_source_problems(
            guidance, by_sector.values(), str(directory / GUIDANCE_FILE)
        )
    except ChecklistError as error:
        problems += error.problems
    try:
        scenarios = load_scenarios(directory / SCENARIO_DIR, by_sector)
    except ChecklistError as error:
        problems += error.problems
    if problems:
        raise ChecklistError(problems)
    return guidance, scenarios
