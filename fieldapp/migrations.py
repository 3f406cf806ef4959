"""The database schema, as append-only named steps.

Never edit or reorder a step that has shipped: add a new one. Raw SQL is used where a CHECK
constraint or trigger matters, because sqlite-utils' create() cannot express them.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("fieldapp")


@migrations()
def m001_users_and_audit(db: Database) -> None:
    """Accounts, sign-in attempts and the append-only audit trail."""
    db.execute(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE COLLATE NOCASE,
            display_name TEXT NOT NULL,
            role TEXT NOT NULL
                CHECK (role IN ('inspector', 'coordinator', 'partner', 'admin')),
            agency TEXT,
            password_hash TEXT NOT NULL,
            active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
            -- Bumped when an account is disabled or its password reset, which ends every
            -- session signed in under the old value.
            session_version INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            CHECK (role <> 'partner' OR agency IS NOT NULL)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            username TEXT,
            action TEXT NOT NULL,
            table_name TEXT,
            record_id TEXT,
            detail TEXT,
            ip TEXT
        )
        """
    )
    db.execute("CREATE INDEX audit_record ON audit (table_name, record_id)")
    # The audit trail is evidence: the database itself refuses to change or remove a row.
    db.execute(
        """
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
        """
    )
    db.execute(
        """
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END
        """
    )
    db.execute(
        """
        CREATE TABLE login_attempts (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL COLLATE NOCASE,
            ip TEXT,
            at TEXT NOT NULL,
            succeeded INTEGER NOT NULL CHECK (succeeded IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX login_attempts_username ON login_attempts (username, at)")
    db.execute("CREATE INDEX login_attempts_ip ON login_attempts (ip, at)")


@migrations()
def m002_premises(db: Database) -> None:
    """The premises register, with search over names and addresses."""
    db.execute(
        """
        CREATE TABLE premises (
            id INTEGER PRIMARY KEY,
            -- Minted by the page that created it, so a premises added offline keeps its id.
            uuid TEXT NOT NULL UNIQUE,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            sector TEXT NOT NULL CHECK (sector IN ('hand_car_wash', 'nail_bar')),
            address TEXT NOT NULL DEFAULT '',
            postcode TEXT NOT NULL DEFAULT '',
            local_authority TEXT NOT NULL DEFAULT '',
            external_ref TEXT,
            latitude REAL CHECK (latitude IS NULL OR latitude BETWEEN -90 AND 90),
            longitude REAL CHECK (longitude IS NULL OR longitude BETWEEN -180 AND 180),
            location_source TEXT,
            created_at TEXT NOT NULL,
            created_by INTEGER REFERENCES users(id),
            updated_at TEXT NOT NULL,
            -- Current risk, kept up to date as visits arrive so maps never recompute it.
            risk_band TEXT CHECK (risk_band IS NULL OR risk_band IN ('low', 'medium', 'high')),
            risk_score REAL,
            red_flag_count INTEGER NOT NULL DEFAULT 0,
            last_visit_at TEXT,
            flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1))
        )
        """
    )
    db.execute("CREATE INDEX premises_location ON premises (latitude, longitude)")
    db.execute("CREATE INDEX premises_sector ON premises (sector)")
    db.execute("CREATE INDEX premises_risk ON premises (flagged, risk_band)")
    db.execute("CREATE INDEX premises_external_ref ON premises (external_ref)")
    db["premises"].enable_fts(
        ["name", "address", "postcode"], create_triggers=True, tokenize="porter"
    )


@migrations()
def m003_geocode_cache(db: Database) -> None:
    """Answers from the geocoder, kept so the same address is never looked up twice."""
    db.execute(
        """
        CREATE TABLE geocode_cache (
            query TEXT PRIMARY KEY,  -- normalised: lower case, single spaces
            latitude REAL,           -- NULL when the geocoder found nothing
            longitude REAL,
            display_name TEXT,
            fetched_at TEXT NOT NULL
        )
        """
    )
