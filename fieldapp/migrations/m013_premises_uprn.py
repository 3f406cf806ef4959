"""The Unique Property Reference Number, as text and indexed: an import matches on it first."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE premises ADD COLUMN uprn TEXT",
    "CREATE INDEX premises_uprn ON premises (uprn) WHERE uprn IS NOT NULL",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
