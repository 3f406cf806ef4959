"""A visit either judged the risk or could not (closed, refused entry, too little checked).

A visit that could not judge the risk never replaces a premises' current risk. Visits
already stored with no band had nothing checked, so they are marked as such here. The
premises keep each concern's level from their latest judged visit, and the prices that
other visits are compared with are kept in a small table of their own (an index over every
answer would slow every visit's write by a fifth).

Recomputing every premises' current risk under the new rule is `flask premises reassess`,
which `flask db migrate` runs after this step; the step itself is plain SQL.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE visits ADD COLUMN outcome TEXT NOT NULL DEFAULT 'assessed' "
    "CHECK (outcome IN ('assessed', 'not_assessed'))",
    "ALTER TABLE visits ADD COLUMN outcome_reason TEXT",
    # Submitted visits are locked against change; this one-off classification of the rows
    # already stored lifts the lock inside the step's transaction and puts it back as it was.
    "DROP TRIGGER visits_locked",
    "UPDATE visits SET outcome = 'not_assessed', outcome_reason = 'too_little' WHERE band IS NULL",
    """
        CREATE TRIGGER visits_locked BEFORE UPDATE ON visits
        BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
    """,
    "ALTER TABLE premises ADD COLUMN concerns TEXT NOT NULL DEFAULT '{}'",
    """
        CREATE TABLE price_observations (
            visit_id TEXT NOT NULL REFERENCES visits(id),
            checklist_id TEXT NOT NULL,
            question_id TEXT NOT NULL,
            pence INTEGER NOT NULL CHECK (pence >= 0),
            PRIMARY KEY (visit_id, question_id)
        )
    """,
    "CREATE INDEX price_observations_question ON price_observations (checklist_id, question_id)",
    """
        CREATE TRIGGER price_observations_locked BEFORE UPDATE ON price_observations
        BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
