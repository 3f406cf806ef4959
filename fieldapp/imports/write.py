"""Writing a plan: the premises it adds and changes, each on the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from fieldapp.imports.plan import Plan
from fieldapp.queries import imports as imports_q
from fieldapp.timeutil import now_iso


@dataclass
class Result:
    """What an import did: ids and names of the premises created and updated."""

    created: list[tuple[int, str]]
    updated: list[tuple[int, str]]
    unchanged: int
    skipped: int
    without_location: int
    skipped_by_sector: int = 0

    def as_dict(self) -> dict:
        return {
            "created": [list(p) for p in self.created],
            "updated": [list(p) for p in self.updated],
            "unchanged": self.unchanged,
            "skipped": self.skipped,
            "without_location": self.without_location,
            "skipped_by_sector": self.skipped_by_sector,
        }


AuditRecord = Callable[..., None]  # fieldapp.audit.record


def write(
    db: Database,
    import_plan: Plan,
    *,
    record: AuditRecord,
    source: str,
    created_by: int | None = None,
    upload: str | None = None,
) -> Result:
    """Apply a plan, with one audit row per premises created or updated and one summary.

    Must run inside the caller's transaction, with the plan made inside that same
    transaction, so the whole file lands or none of it does and nobody's edit in between
    is overwritten unseen. ``record`` is ``fieldapp.audit.record``.
    """
    if not db.conn.in_transaction:
        raise RuntimeError("imports.write() must run inside a transaction")
    now = now_iso()
    created: list[tuple[int, str]] = []
    updated: list[tuple[int, str]] = []
    for entry in import_plan.to_write:
        if entry.action == "new":
            created.append(_create(db, entry, record, source, created_by, now))
        else:
            updated.append(_update(db, entry, record, source, now))
    without_location = sum(1 for e in import_plan.to_write if not e.has_location)
    result = Result(
        created=created,
        updated=updated,
        unchanged=import_plan.unchanged,
        skipped=import_plan.bad,
        without_location=without_location,
        skipped_by_sector=import_plan.parsed.skipped_count,
    )
    record(
        "premises.import",
        "premises",
        None,
        db=db,
        file=source,
        created=len(created),
        updated=len(updated),
        unchanged=result.unchanged,
        skipped=result.skipped,
        skipped_by_sector=result.skipped_by_sector,
        without_location=without_location,
        **({"upload": upload} if upload else {}),
    )
    return result


def _create(db, entry, record, source: str, created_by: int | None, now: str) -> tuple[int, str]:
    row = entry.row
    values = {column: new for column, (_old, new) in entry.changes.items()}
    premises_id = imports_q.insert(db, values, created_by, now)
    record(
        "premises.import_create",
        "premises",
        premises_id,
        db=db,
        file=source,
        line=row.line,
        name=row.name,
        sector=row.sector,
        location_source=values["location_source"],
    )
    return premises_id, row.name


def _update(db, entry, record, source: str, now: str) -> tuple[int, str]:
    row = entry.row
    premises = {**entry.premises}
    premises.update({column: new for column, (_old, new) in entry.changes.items()})
    imports_q.update(db, premises, now)
    record(
        "premises.import_update",
        "premises",
        premises["id"],
        db=db,
        file=source,
        line=row.line,
        changes={column: list(pair) for column, pair in entry.changes.items()},
    )
    return premises["id"], row.name
