"""Indexes on the columns that point at a visit or a premises from a referral or an
operation, so removing a visit or a premises does not read those tables whole.

With foreign keys on, SQLite checks every row that could refer to a row being deleted;
without an index on the referring column that is a scan of the whole table for each row
removed, and retention removes visits and premises in their thousands. The same indexes
serve a premises' operations and a visit's referrals, which are otherwise scans too.
(``operation_sites`` has one on (operation, premises) already, which cannot be used to
find a premises' rows.)
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "CREATE INDEX referrals_visit ON referrals (visit_id)",
    "CREATE INDEX operation_sites_premises ON operation_sites (premises_id)",
    "CREATE INDEX operation_outcomes_premises ON operation_outcomes (premises_id)",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
