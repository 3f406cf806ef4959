"""Joint operations: the sites in visiting order, partners invited, and outcomes."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE operations (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            operation_date TEXT NOT NULL,
            lead_agency TEXT NOT NULL,
            briefing TEXT NOT NULL DEFAULT '',
            start_address TEXT NOT NULL DEFAULT '',
            start_latitude REAL,
            start_longitude REAL,
            -- The filter the sites were first taken from, for the record.
            source_filter TEXT NOT NULL DEFAULT '',
            order_is_manual INTEGER NOT NULL DEFAULT 0 CHECK (order_is_manual IN (0, 1)),
            created_at TEXT NOT NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            updated_at TEXT NOT NULL
        )
    """,
    """
        CREATE TABLE operation_sites (
            operation_id INTEGER NOT NULL REFERENCES operations(id),
            premises_id INTEGER NOT NULL REFERENCES premises(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (operation_id, premises_id)
        )
    """,
    """
        CREATE TABLE operation_partners (
            operation_id INTEGER NOT NULL REFERENCES operations(id),
            agency TEXT NOT NULL,
            PRIMARY KEY (operation_id, agency)
        )
    """,
    """
        CREATE TABLE operation_outcomes (
            operation_id INTEGER NOT NULL REFERENCES operations(id),
            premises_id INTEGER NOT NULL REFERENCES premises(id),
            visited INTEGER NOT NULL CHECK (visited IN (0, 1)),
            not_visited_reason TEXT,
            workers_spoken_to INTEGER NOT NULL DEFAULT 0 CHECK (workers_spoken_to >= 0),
            potential_victims INTEGER NOT NULL DEFAULT 0 CHECK (potential_victims >= 0),
            referrals_nrm INTEGER NOT NULL DEFAULT 0 CHECK (referrals_nrm >= 0),
            referrals_duty_to_notify INTEGER NOT NULL DEFAULT 0
                CHECK (referrals_duty_to_notify >= 0),
            referrals_childrens_services INTEGER NOT NULL DEFAULT 0
                CHECK (referrals_childrens_services >= 0),
            -- JSON list of enforcement action ids (prohibition_notice, arrest, ...).
            enforcement_actions TEXT NOT NULL DEFAULT '[]',
            note TEXT NOT NULL DEFAULT '',
            recorded_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            PRIMARY KEY (operation_id, premises_id)
        )
    """,
    "CREATE INDEX operation_outcomes_recorded ON operation_outcomes (recorded_at)",
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
