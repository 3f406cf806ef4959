"""First responder training: who was trained on which day, on which course.

Councils are first responders under the Modern Slavery Act 2015, and councillors ask how
many officers are trained. ``training`` holds one row a course someone attended;
``training_withdrawals`` says a row was wrong (the wrong person, a mistyped date) and why.
Both are append-only, like the audit trail: a record is never changed or deleted, only
withdrawn by a later row, so the history of what was claimed stays readable.

That a date is not in the future is checked in code (a CHECK cannot ask the time); here a
date must at least be a real calendar date written as ISO ``2026-04-01``.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
    CREATE TABLE training (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users (id),
        course TEXT NOT NULL CHECK (length(course) BETWEEN 1 AND 200),
        -- A UK calendar date, not a time: the day the course was done.
        trained_on TEXT NOT NULL
            CHECK (trained_on GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'
                   -- date() alone passes 2026-02-30 through; '+0 days' rolls it on.
                   AND date(trained_on, '+0 days') = trained_on),
        recorded_by INTEGER REFERENCES users (id),
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX training_user ON training (user_id, trained_on)",
    """
    CREATE TABLE training_withdrawals (
        training_id INTEGER PRIMARY KEY REFERENCES training (id),
        reason TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 500),
        withdrawn_by INTEGER REFERENCES users (id),
        withdrawn_at TEXT NOT NULL
    )
    """,
    """
    CREATE TRIGGER training_no_update BEFORE UPDATE ON training
    BEGIN SELECT RAISE(ABORT, 'training records are append-only: withdraw one instead'); END
    """,
    """
    CREATE TRIGGER training_no_delete BEFORE DELETE ON training
    BEGIN SELECT RAISE(ABORT, 'training records are append-only: withdraw one instead'); END
    """,
    """
    CREATE TRIGGER training_withdrawals_no_update BEFORE UPDATE ON training_withdrawals
    BEGIN SELECT RAISE(ABORT, 'training withdrawals are append-only'); END
    """,
    """
    CREATE TRIGGER training_withdrawals_no_delete BEFORE DELETE ON training_withdrawals
    BEGIN SELECT RAISE(ABORT, 'training withdrawals are append-only'); END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
