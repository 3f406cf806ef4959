"""Indexes for the audit log page's filters.

An administrator or DPO narrows the audit trail to one person or one kind of action, and
the read log to one person, newest first, a page at a time. Without an index each such
page reads the whole log back from its newest row until it has found a page of matches:
a person who did little, or an action done rarely, means every row of years of log. An
index of the column, which ends in the row's id as every SQLite index does, gives the
newest matches first. The record filter already has one (``audit_record`` and
``reads_record`` in m001 and m011).
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "CREATE INDEX audit_username ON audit (username)",
    "CREATE INDEX audit_action ON audit (action)",
    "CREATE INDEX reads_username ON reads (username)",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
