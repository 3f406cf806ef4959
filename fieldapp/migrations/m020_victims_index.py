"""Indexes for the figures by area.

The figures by area add up each postcode's premises and potential victims for a period.
Only a few visits find any victims, so a partial index of just those lets the count skip
the million visits that found none instead of reading every visit's row (13 s at a
million visits a year; ``bench.reports``); and the register by postcode is read from an
index of postcode and date added rather than from every premises' row.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "CREATE INDEX visits_victims ON visits (visited_at, premises_id, potential_victims) "
    "WHERE potential_victims > 0",
    "CREATE INDEX premises_register ON premises (postcode, created_at)",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
