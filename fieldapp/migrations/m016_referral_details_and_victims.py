"""What a referral says beyond its route, and the people a visit found.

A referral now records how many people it concerns (adults and children: anyone who may be
under 18 is counted as a child, Modern Slavery Act 2015 s51), the kinds of exploitation, for
an adult's NRM referral that their consent was recorded, and which agencies were told. Never
a name. Referrals are append-only: a mistake is put right by a later row that ``corrects``
it, with a reason; the next steps the officer ticks are rows of their own.

A visit records how many potential victims the officer identified (with or without a
referral: some people decline), the language workers were spoken to in, and whether an
interpreter was used.
"""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    "ALTER TABLE referrals ADD COLUMN adults INTEGER CHECK (adults BETWEEN 0 AND 500)",
    "ALTER TABLE referrals ADD COLUMN children INTEGER CHECK (children BETWEEN 0 AND 500)",
    # JSON array of labour, criminal, sexual, domestic_servitude, other. "IS NULL OR":
    # SQLite checks a new column's CHECK against every existing row, and json_valid(NULL)
    # is 0 before SQLite 3.45, so without it a database that already held referrals could
    # not upgrade (found by tests/test_upgrades.py after this step shipped). Where the step
    # did apply, the old wording and this one accept the same values the app writes.
    "ALTER TABLE referrals ADD COLUMN exploitation TEXT "
    "CHECK (exploitation IS NULL OR json_valid(exploitation))",
    "ALTER TABLE referrals ADD COLUMN consent_recorded INTEGER CHECK (consent_recorded IN (0, 1))",
    # JSON array of agency ids from checklists/agencies.toml.
    "ALTER TABLE referrals ADD COLUMN agencies_told TEXT "
    "CHECK (agencies_told IS NULL OR json_valid(agencies_told))",
    "ALTER TABLE referrals ADD COLUMN corrects INTEGER REFERENCES referrals (id)",
    "ALTER TABLE referrals ADD COLUMN correction_reason TEXT",
    "CREATE INDEX referrals_corrects ON referrals (corrects) WHERE corrects IS NOT NULL",
    """
    CREATE TRIGGER referrals_append_only BEFORE UPDATE ON referrals
    BEGIN SELECT RAISE(ABORT, 'referrals cannot be changed: record a correction'); END
    """,
    """
    CREATE TRIGGER referrals_kept BEFORE DELETE ON referrals
    BEGIN SELECT RAISE(ABORT, 'referrals cannot be deleted: record a correction'); END
    """,
    """
    CREATE TABLE referral_steps (
        id INTEGER PRIMARY KEY,
        referral_id INTEGER NOT NULL REFERENCES referrals (id),
        step TEXT NOT NULL,
        done INTEGER NOT NULL CHECK (done IN (0, 1)),
        recorded_by INTEGER NOT NULL REFERENCES users (id),
        recorded_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX referral_steps_referral ON referral_steps (referral_id, id)",
    "ALTER TABLE visits ADD COLUMN potential_victims INTEGER "
    "CHECK (potential_victims BETWEEN 0 AND 500)",
    "ALTER TABLE visits ADD COLUMN conversation_language TEXT",
    "ALTER TABLE visits ADD COLUMN interpreter TEXT CHECK (interpreter IN "
    "('professional', 'telephone', 'not_needed', 'none_available'))",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for statement in STATEMENTS:
        db.execute(statement)
