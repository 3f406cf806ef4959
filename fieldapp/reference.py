"""Checklists, wage rates and safeguarding routes, loaded once when the app starts.

A broken or unreleased checklist stops the app starting (the officer fixing it runs
``flask --app fieldapp checklists check``, which still works, to see every problem).
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app

from fieldapp.checklists import (
    WAGE_RATES_FILE,
    Checklist,
    ChecklistError,
    WageRates,
    load_checklists,
    load_wage_rates,
)

SAFEGUARDING_FILE = "safeguarding.toml"
SECTORS = {"hand_car_wash": "Hand car wash", "nail_bar": "Nail bar"}


@dataclass(frozen=True)
class Reference:
    """What the app reads from ``checklists/`` at start-up."""

    checklists: dict[str, Checklist]
    by_sector: dict[str, Checklist]
    wage_rates: WageRates
    safeguarding: dict


def load(directory: Path) -> Reference:
    """Read and validate everything in the checklist folder."""
    checklists = load_checklists(directory)
    wage_rates = load_wage_rates(directory / WAGE_RATES_FILE)
    with open(directory / SAFEGUARDING_FILE, "rb") as fh:
        safeguarding = tomllib.load(fh)
    by_sector = {c.sector: c for c in checklists.values()}
    missing = set(SECTORS) - set(by_sector)
    if missing:
        raise RuntimeError(f"No checklist for sector(s): {', '.join(sorted(missing))}")
    return Reference(checklists, by_sector, wage_rates, safeguarding)


def _running_checklist_command() -> bool:
    # `flask checklists check|lock` must run while a checklist is broken, to report it.
    return Path(sys.argv[0]).name == "flask" and "checklists" in sys.argv[1:]


def init_app(app: Flask) -> None:
    """Load the reference data into the app, refusing to start if it is broken."""
    try:
        app.extensions["fieldapp.reference"] = load(Path(app.config["CHECKLIST_DIR"]))
    except ChecklistError:
        if not _running_checklist_command():
            raise
    app.add_template_global(SECTORS, "SECTORS")


def get() -> Reference:
    """The current app's reference data."""
    return current_app.extensions["fieldapp.reference"]


def checklist_for(sector: str) -> Checklist:
    """The current checklist for a sector."""
    return get().by_sector[sector]
