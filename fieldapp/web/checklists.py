"""The checklist folder as the running app holds it: loaded once when the app starts.

A broken or unreleased checklist stops the app starting (the officer fixing it runs
``flask --app fieldapp checklists check``, which still works, to see every problem). So
does a safeguarding route that would show a placeholder number, unless the
SAFEGUARDING_PLACEHOLDERS_ALLOWED setting says this is a demo or a test.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Flask, current_app

from fieldapp import assessment, recording, submission
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

KEY = "fieldapp.checklists"


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
    app.add_template_global(SECTORS, "SECTORS")
    app.add_template_global(worker_guidance)


def current() -> ChecklistFolder:
    """The current app's checklists, wage rates and safeguarding routes."""
    return current_app.extensions[KEY]


def worker_guidance() -> Guidance:
    """How to speak to workers (guidance.toml), for the pages that show it."""
    return current().guidance


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
