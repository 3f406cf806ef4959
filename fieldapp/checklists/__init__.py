"""The inspection checklists kept as TOML in ``checklists/``: model, checks, lock, wages.

Lead officers edit those files by hand, so every mistake is reported with the file, the key
path and what to do, and all mistakes are reported at once rather than one per run.

Pure: no Flask here, so the app, the commands and the tests share one loader.

- ``model``: sectors, categories, bands, questions and a version's snapshot
- ``_fields`` and ``validate``: checking a file and building its objects
- ``files``: reading files, content hashes and the lock of released versions
- ``wages``: minimum wage rates over time
- ``answers``: what an officer typed, as a stored answer
- ``safeguarding_file``: the routes and contacts, and which numbers are placeholders
- ``guidance``: how to speak to workers, and what each source key means
- ``scenarios``: the practice scenarios and the answers each implies
- ``folder``: everything the app reads from the folder at start-up
"""

from fieldapp.checklists.answers import MAX_COUNT, MAX_MINUTES, format_pence, parse_answer
from fieldapp.checklists.files import (
    LOCK_COMMAND,
    LOCK_FILE,
    WAGE_RATES_FILE,
    content_hash,
    load_checklists,
    lock_checklists,
    read_lock,
    skipped_files,
    write_lock,
)
from fieldapp.checklists.folder import SAFEGUARDING_FILE, ChecklistFolder, load_folder, load_guide
from fieldapp.checklists.guidance import GUIDANCE_FILE, Advice, Guidance, load_guidance
from fieldapp.checklists.model import (
    ANSWER_TYPES,
    BAND_LABELS,
    BAND_NAMES,
    BAND_RANK,
    BANDED_CONCERNS,
    CATEGORIES,
    CONCERNS,
    ELEMENTS,
    LEVELLED_CONCERNS,
    MEASUREMENT_TYPES,
    MEDIAN_RULE,
    NOT_JUDGED,
    PRICE_RULE,
    SECTORS,
    SNAPSHOT_FORMAT,
    STRENGTHS,
    YES_NO_ANSWERS,
    Band,
    Checklist,
    ChecklistError,
    Combination,
    ComputedIndicator,
    FollowUp,
    Indicator,
    Problem,
    Section,
)
from fieldapp.checklists.retention import (
    RECORD_TYPES,
    RETENTION_FILE,
    Retention,
    load_retention,
)
from fieldapp.checklists.safeguarding_file import placeholder_problems, read_safeguarding
from fieldapp.checklists.scenarios import SCENARIO_DIR, Scenario, load_scenarios
from fieldapp.checklists.wages import AGE_BANDS, MAX_PENCE, WagePeriod, WageRates, load_wage_rates

__all__ = [
    "AGE_BANDS",
    "ANSWER_TYPES",
    "BAND_LABELS",
    "BANDED_CONCERNS",
    "CONCERNS",
    "ELEMENTS",
    "LEVELLED_CONCERNS",
    "MEDIAN_RULE",
    "NOT_JUDGED",
    "STRENGTHS",
    "Combination",
    "BAND_NAMES",
    "BAND_RANK",
    "CATEGORIES",
    "GUIDANCE_FILE",
    "SCENARIO_DIR",
    "Advice",
    "Guidance",
    "Scenario",
    "load_guidance",
    "load_guide",
    "load_scenarios",
    "LOCK_COMMAND",
    "LOCK_FILE",
    "MAX_COUNT",
    "MAX_MINUTES",
    "MAX_PENCE",
    "MEASUREMENT_TYPES",
    "PRICE_RULE",
    "SAFEGUARDING_FILE",
    "SECTORS",
    "SNAPSHOT_FORMAT",
    "WAGE_RATES_FILE",
    "YES_NO_ANSWERS",
    "Band",
    "Checklist",
    "ChecklistError",
    "ChecklistFolder",
    "ComputedIndicator",
    "FollowUp",
    "Indicator",
    "Problem",
    "Section",
    "WagePeriod",
    "WageRates",
    "content_hash",
    "format_pence",
    "load_checklists",
    "load_folder",
    "load_retention",
    "RECORD_TYPES",
    "RETENTION_FILE",
    "Retention",
    "load_wage_rates",
    "lock_checklists",
    "parse_answer",
    "placeholder_problems",
    "read_safeguarding",
    "read_lock",
    "skipped_files",
    "write_lock",
]
