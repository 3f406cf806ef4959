"""Removals under the retention schedule: deletes that leave a tombstone first, and report
totals that follow a deleted visit, referral or premises.

Referrals and training records are append-only: a trigger refused every DELETE so nobody
could remove one by hand. ``flask retention apply`` must now remove them once they are
past their period, so each trigger is replaced by one that still refuses a DELETE unless
the row's tombstone (m022) is already written: a removal records itself first, in the same
transaction, or it does not happen. A training withdrawal goes only with its training
record (the tombstone of the training row it withdraws).

The running report totals (m018, m021) were kept as rows arrived and changed; nothing took
a deleted row out. These triggers do, with m018's and m021's own SQL (imported: they are
shipped steps and never change, and the totals must be taken out exactly as they were put
in):

- a current visit deleted (nothing amends it) leaves the day totals, the premises totals
  (which move the postcode totals) and the postcode victims; the visit it amended, if still
  stored, becomes current again and is counted back. Deleting every revision of a visit,
  newest or oldest first, so takes it out once.
- a current referral deleted leaves the referral and exploitation totals; the referral it
  corrected becomes current again and is counted back.
- a premises deleted leaves the register totals. Its rows of premises totals are all zero
  by then (a premises cannot go while a visit of it is stored) and are left: they count
  nothing (readers take ``visits > 0``), and clearing them would read the whole table
  for each premises, as it has no index by premises.

So after a removal the totals are still what counting the stored records afresh gives;
figures for periods older than the retention period count only records still held.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.migrations.m018_report_figures import (
    _sector_of,
    exploitation_days,
    premises_buckets,
    red_flag_days,
    referral_days,
    register_days,
    visit_days,
)
from fieldapp.migrations.m021_report_postcodes import victims

_VISIT_SECTOR = _sector_of("v.premises_id")
_PREMISES_SECTOR = _sector_of("x.premises_id")
_REFERRAL_SECTOR = _sector_of("r.premises_id")


def _tombstoned(table: str, key: str) -> str:
    return (
        "NOT EXISTS (SELECT 1 FROM tombstones WHERE table_name = "  # noqa: S608 - fixed fragments
        f"'{table}' AND record_id = CAST({key} AS TEXT))"
    )


def _guard(name: str, table: str, tombstone_table: str, key: str, message: str) -> str:
    return (
        f"CREATE TRIGGER {name} BEFORE DELETE ON {table} "
        f"WHEN {_tombstoned(tombstone_table, key)} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
    )


def _trigger(name: str, event: str, statements: list[str]) -> str:
    body = ";\n".join(statements)
    return f"CREATE TRIGGER {name} {event} BEGIN\n{body};\nEND"


def _visit_figures(where: str, sign: int) -> list[str]:
    return [
        visit_days(where, _VISIT_SECTOR, sign),
        red_flag_days(where, _VISIT_SECTOR, sign),
        premises_buckets(where, _PREMISES_SECTOR, sign),
        victims(where, "p.postcode", sign),
    ]


def _referral_figures(where: str, sign: int) -> list[str]:
    return [
        referral_days(where, _REFERRAL_SECTOR, sign),
        exploitation_days(where, _REFERRAL_SECTOR, sign),
    ]


GUARDS = (
    "DROP TRIGGER referrals_kept",
    _guard(
        "referrals_kept",
        "referrals",
        "referrals",
        "OLD.id",
        "referrals cannot be deleted: record a correction "
        "(only the retention schedule removes them)",
    ),
    "DROP TRIGGER training_no_delete",
    _guard(
        "training_no_delete",
        "training",
        "training",
        "OLD.id",
        "training records are append-only: withdraw one instead "
        "(only the retention schedule removes them)",
    ),
    "DROP TRIGGER training_withdrawals_no_delete",
    _guard(
        "training_withdrawals_no_delete",
        "training_withdrawals",
        "training",
        "OLD.training_id",
        "training withdrawals are append-only "
        "(they go only with their training record, under the retention schedule)",
    ),
)
TOTALS = (
    _trigger(
        "report_visit_removed",
        "BEFORE DELETE ON visits WHEN NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = OLD.id)",
        [*_visit_figures("v.id = OLD.id", -1), *_visit_figures("v.id = OLD.amends", 1)],
    ),
    _trigger(
        "report_referral_removed",
        "BEFORE DELETE ON referrals "
        "WHEN NOT EXISTS (SELECT 1 FROM referrals o WHERE o.corrects = OLD.id)",
        [*_referral_figures("r.id = OLD.id", -1), *_referral_figures("r.id = OLD.corrects", 1)],
    ),
    _trigger(
        "report_premises_removed",
        "BEFORE DELETE ON premises",
        [register_days("p.id = OLD.id", "OLD.sector", -1)],
    ),
)
STATEMENTS = (*GUARDS, *TOTALS)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
