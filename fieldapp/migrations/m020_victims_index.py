"""An index of the visits that found potential victims, by time.

The figures by area add up each premises' potential victims for a period. Only a few
visits find any, so a partial index of just those lets the count skip the million visits
that found none instead of reading every visit's row (13 s at a million visits a year;
``bench.reports``).
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "CREATE INDEX visits_victims ON visits (visited_at, premises_id, potential_victims) "
    "WHERE potential_victims > 0",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
