"""The retention schedule, read from ``retention.toml``: how long each record type is kept."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fieldapp.checklists._fields import FieldChecks, describe
from fieldapp.checklists.files import read_toml
from fieldapp.checklists.model import ChecklistError

RETENTION_FILE = "retention.toml"
MAX_MONTHS = 100 * 12

# Every record type the schedule must cover, with what it holds.
RECORD_TYPES = {
    "visits": "visits, their answers and price checks",
    "photos": "photos taken on visits",
    "referrals": "referrals and their steps",
    "operations": "operations, their sites, partners and outcomes",
    "premises": "premises with no activity",
    "imports": "loads of postcode and UPRN files, and saved import mappings",
    "export_log": "the export log",
    "audit": "the audit trail",
    "read_audit": "the read audit",
    "sessions": "sign-in sessions and sign-in attempts",
    "training": "training records",
    "geocode_cache": "the geocoder cache",
}


@dataclass(frozen=True)
class Retention:
    """How long one record type is kept, counted from ``after``, and why."""

    record_type: str
    months: int
    after: str
    basis: str

    @property
    def period(self) -> str:
        """The period in words: "6 years", "18 months"."""
        if self.months % 12 == 0:
            years = self.months // 12
            return f"{years} year{'s' if years != 1 else ''}"
        return f"{self.months} month{'s' if self.months != 1 else ''}"


def load_retention(path: Path) -> dict[str, Retention]:
    """Load and validate ``retention.toml``; raises ChecklistError listing every problem."""
    path = Path(path)
    raw, problems = read_toml(path)
    if raw is None:
        raise ChecklistError(problems)
    checks = FieldChecks(str(path))
    schedule: dict[str, Retention] = {}
    for record_type, table in raw.items():
        if record_type not in RECORD_TYPES:
            checks.problem(
                record_type,
                f'unknown record type "{record_type}": the record types are '
                f"{', '.join(RECORD_TYPES)}. Rename or remove it.",
            )
            continue
        entry = _entry(checks, record_type, table)
        if entry is not None:
            schedule[record_type] = entry
    for record_type in RECORD_TYPES:
        if record_type not in raw:
            checks.problem(
                record_type,
                f"is missing: add a [{record_type}] table with years (or months), after and basis.",
            )
    if checks.problems:
        raise ChecklistError(checks.problems)
    return {record_type: schedule[record_type] for record_type in RECORD_TYPES}


def _entry(checks: FieldChecks, record_type: str, table) -> Retention | None:
    table = checks.table(table, record_type, f"table like [{record_type}]")
    if table is None:
        return None
    before = len(checks.problems)
    checks.keys(table, record_type, required=("after", "basis"), optional=("years", "months"))
    units = [unit for unit in ("years", "months") if unit in table]
    if len(units) != 1:
        checks.problem(
            record_type, "give the period as one of years = 6 or months = 18, not both or neither."
        )
    months = 0
    for unit in units:
        value = table[unit]
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            checks.problem(
                f"{record_type}.{unit}",
                f"{describe(value)} is not a period: write a whole number above 0, like "
                f"{unit} = {6 if unit == 'years' else 18}.",
            )
            continue
        months = value * 12 if unit == "years" else value
        if months > MAX_MONTHS:
            checks.problem(f"{record_type}.{unit}", f"{value} {unit} is over 100 years.")
    after = checks.text(table, "after", record_type)
    basis = checks.text(table, "basis", record_type)
    if len(checks.problems) != before:
        return None
    return Retention(record_type, months, after, basis)
