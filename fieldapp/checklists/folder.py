"""Everything the app reads from the checklist folder at start-up, checked as one."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fieldapp.checklists.files import WAGE_RATES_FILE, load_checklists
from fieldapp.checklists.model import SECTORS, Checklist, Problem
from fieldapp.checklists.safeguarding_file import placeholder_problems, read_safeguarding
from fieldapp.checklists.wages import WageRates, load_wage_rates

SAFEGUARDING_FILE = "safeguarding.toml"


@dataclass(frozen=True)
class ChecklistFolder:
    """Checklists, wage rates and safeguarding routes, as read from ``checklists/``.

    ``placeholders`` are the enabled routes that would show a contact with a placeholder
    number: the app refuses to start with any unless SAFEGUARDING_PLACEHOLDERS_ALLOWED.
    """

    checklists: dict[str, Checklist]
    by_sector: dict[str, Checklist]
    wage_rates: WageRates
    safeguarding: dict
    placeholders: tuple[Problem, ...] = field(default=())


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
    return ChecklistFolder(checklists, by_sector, wage_rates, safeguarding, tuple(placeholders))
