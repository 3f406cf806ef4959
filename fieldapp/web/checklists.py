"""The checklist folder as the running app holds it: loaded once when the app starts.

A broken or unreleased checklist stops the app starting (the officer fixing it runs
``flask --app fieldapp checklists check``, which still works, to see every problem). So
does a safeguarding route that would show a placeholder number, unless the
SAFEGUARDING_PLACEHOLDERS_ALLOWED setting says this is a demo or a test. The partner
agencies and their export profiles come from the same folder (CHECKLIST_DIR), read then too.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, current_app

from fieldapp import agencies, assessment, recording, submission
from fieldapp.checklists import (
    BANDED_CONCERNS,
    CONCERNS,
    LEVELLED_CONCERNS,
    MEASUREMENT_TYPES,
    MEDIAN_RULE,
    NOT_JUDGED,
    SECTORS,
    WAGE_RATES_FILE,
    YES_NO_ANSWERS,
    Checklist,
    ChecklistError,
    ChecklistFolder,
    Guidance,
    load_folder,
)
from fieldapp.exports import profiles
from fieldapp.exports import tokens as api_tokens
from fieldapp.exports.profiles import Profile

KEY = "fieldapp.checklists"
AGENCIES_KEY = "fieldapp.agencies"
PROFILES_KEY = "fieldapp.export_profiles"


def _running_checklist_command() -> bool:
    # `flask checklists check|lock` must run while a checklist is broken, to report it.
    return Path(sys.argv[0]).name == "flask" and "checklists" in sys.argv[1:]


def init_app(app: Flask) -> None:
    """Load the checklist folder into the app, refusing to start if it is broken."""
    try:
        folder = load_folder(Path(app.config["CHECKLIST_DIR"]))
        if folder.placeholders and not app.config["SAFEGUARDING_PLACEHOLDERS_ALLOWED"]:
            raise ChecklistError(folder.placeholders)
        app.extensions[KEY] = folder
    except ChecklistError:
        if not _running_checklist_command():
            raise
    _load_partners(app, Path(app.config["CHECKLIST_DIR"]))
    app.add_template_global(SECTORS, "SECTORS")
    app.add_template_global(worker_guidance)
    app.add_template_filter(agency_name, "agency_name")
    app.add_template_filter(agency_short_name, "agency_short_name")


def _load_partners(app: Flask, directory: Path) -> None:
    """Read agencies.toml and export_profiles.toml: a broken one stops the app starting,
    not an export (the checklist commands still run, to check the rest)."""
    try:
        app.extensions[AGENCIES_KEY] = agencies.load(directory)
        app.extensions[PROFILES_KEY] = profiles.load(directory)
    except (OSError, ValueError, KeyError):  # TOML and profile errors are ValueErrors
        if not _running_checklist_command():
            raise


def current() -> ChecklistFolder:
    """The current app's checklists, wage rates and safeguarding routes."""
    return current_app.extensions[KEY]


def worker_guidance() -> Guidance:
    """How to speak to workers (guidance.toml), for the pages that show it."""
    return current().guidance


def checklist_dir() -> Path:
    """The current app's checklist folder (CHECKLIST_DIR)."""
    return Path(current_app.config["CHECKLIST_DIR"])


def partner_agencies() -> dict[str, dict]:
    """The current app's partner agencies (agencies.toml), keyed by id in file order."""
    return current_app.extensions[AGENCIES_KEY]


def export_profiles() -> dict[str, Profile]:
    """What each partner agency receives (export_profiles.toml), keyed by agency id."""
    return current_app.extensions[PROFILES_KEY]


def agency_name(agency_id: str | None) -> str:
    """An agency's display name in the current app (the id itself if unknown); a
    regional partnership's figures token names that."""
    if agency_id == api_tokens.PARTNERSHIP:
        return api_tokens.PARTNERSHIP_NAME
    return agencies.name(agency_id, partner_agencies())


def agency_short_name(agency_id: str | None) -> str:
    """An agency's short name in the current app (its full name if it has none)."""
    return agencies.short_name(agency_id, partner_agencies())


def checklist_for(sector: str) -> Checklist:
    """The current checklist for a sector."""
    return current().by_sector[sector]


# The words and names the phone's copy of the assessment (static/js/assessment.js) shares
# with fieldapp.assessment, so each has one home.
PHONE_ASSESSMENT = {
    "concerns": CONCERNS,
    "banded_concerns": list(BANDED_CONCERNS),
    "levelled_concerns": list(LEVELLED_CONCERNS),
    "level_words": assessment.LEVEL_WORDS,
    "not_judged": NOT_JUDGED,
    "not_judged_summary": assessment.NOT_JUDGED_SUMMARY,
    "measurement_types": list(MEASUREMENT_TYPES),
    "yes_no_answers": list(YES_NO_ANSWERS),
    "median_rule": MEDIAN_RULE,
    "wage_rates_file": WAGE_RATES_FILE,
}


def for_phone(folder: ChecklistFolder, db=None) -> dict:
    """What the phone downloads to work offline, and the one source of the constants its
    scripts share with the server (sector names, the assessment's words, the accuracy and
    mismatch distances, the message for a visit with too little checked).

    With a database, it also carries the median prices the price comparisons use, as
    they stand now (the server's result, worked out on arrival, is the one stored).
    """
    references = {}
    if db is not None:
        for sector, checklist in folder.by_sector.items():
            found = recording.references_for(db, checklist)
            references[sector] = {q: vars(ref) for q, ref in found.items()}
    return {
        "checklists": {sector: c.to_dict() for sector, c in folder.by_sector.items()},
        "wage_rates": folder.wage_rates.to_list(),
        "references": references,
        "outcome_reasons": submission.NOT_INSPECTED_REASONS,
        "too_little_message": submission.TOO_LITTLE_MESSAGE,
        "assessment": PHONE_ASSESSMENT,
        "safeguarding": folder.safeguarding,
        "sectors": SECTORS,
        "accuracy_limit_m": submission.ACCURACY_LIMIT_M,
        "mismatch_distance_m": submission.MISMATCH_DISTANCE_M,
    }
