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


@migrations()
def m004_visits(db: Database) -> None:
    """Visits, their answers, photos and safeguarding referrals, and checklist snapshots."""
    # Each checklist version a visit was answered against, kept whole so an old visit always
    # renders with its own questions after the checklist file has moved on.
    db.execute(
        """
        CREATE TABLE checklist_versions (
            hash TEXT PRIMARY KEY,
            checklist_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            content TEXT NOT NULL,
            first_used_at TEXT NOT NULL,
            UNIQUE (checklist_id, version)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE visits (
            -- A UUID minted by the officer's page, so a re-sent visit is recognised.
            id TEXT PRIMARY KEY,
            premises_id INTEGER NOT NULL REFERENCES premises(id),
            inspector_id INTEGER NOT NULL REFERENCES users(id),
            -- An amendment is a new row; every version of one visit shares root_id.
            root_id TEXT NOT NULL,
            revision INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
            amends TEXT REFERENCES visits(id),
            amendment_reason TEXT,
            visited_at TEXT NOT NULL,
            submitted_at TEXT NOT NULL,
            checklist_hash TEXT NOT NULL REFERENCES checklist_versions(hash),
            checklist_id TEXT NOT NULL,
            checklist_version INTEGER NOT NULL,
            location_method TEXT NOT NULL CHECK (location_method IN ('gps', 'map', 'none')),
            latitude REAL,
            longitude REAL,
            accuracy_m REAL,
            fix_at TEXT,
            location_reason TEXT,
            distance_m REAL,
            location_mismatch INTEGER NOT NULL DEFAULT 0 CHECK (location_mismatch IN (0, 1)),
            score_total INTEGER NOT NULL,
            score_maximum INTEGER NOT NULL,
            score_percentage REAL,
            band TEXT CHECK (band IS NULL OR band IN ('low', 'medium', 'high')),
            red_flag_count INTEGER NOT NULL DEFAULT 0,
            result TEXT NOT NULL,
            notes TEXT,
            content_hash TEXT NOT NULL,
            UNIQUE (root_id, revision),
            CHECK ((revision = 1) = (amends IS NULL)),
            CHECK (amends IS NULL OR length(trim(amendment_reason)) > 0)
        )
        """
    )
    db.execute("CREATE INDEX visits_premises ON visits (premises_id, visited_at)")
    db.execute("CREATE INDEX visits_root ON visits (root_id, revision)")
    # The newest revision of every visit: what lists, maps and scores use.
    db.execute(
        """
        CREATE VIEW current_visits AS
        SELECT v.* FROM visits v
        WHERE v.revision = (SELECT max(w.revision) FROM visits w WHERE w.root_id = v.root_id)
        """
    )
    db.execute("CREATE INDEX visits_inspector ON visits (inspector_id, submitted_at)")
    db.execute(
        """
        CREATE TABLE answers (
            visit_id TEXT NOT NULL REFERENCES visits(id),
            question_id TEXT NOT NULL,
            value TEXT NOT NULL,
            note TEXT,
            PRIMARY KEY (visit_id, question_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE photos (
            id TEXT PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visits(id),
            content_type TEXT NOT NULL,
            size_bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            -- A copy with location and camera metadata removed, for anyone outside the council.
            stripped_sha256 TEXT NOT NULL,
            width INTEGER,
            height INTEGER,
            created_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX photos_visit ON photos (visit_id)")
    db.execute(
        """
        CREATE TABLE referrals (
            id INTEGER PRIMARY KEY,
            visit_id TEXT NOT NULL REFERENCES visits(id),
            premises_id INTEGER NOT NULL REFERENCES premises(id),
            route TEXT NOT NULL,
            reference TEXT,
            made_at TEXT NOT NULL,
            recorded_by INTEGER NOT NULL REFERENCES users(id),
            recorded_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX referrals_premises ON referrals (premises_id, made_at)")
    # Submitted visits are evidence: the database refuses to change them; a correction is
    # a new revision.
    for table in ("visits", "answers", "photos"):
        db.execute(
            f"""
            CREATE TRIGGER {table}_locked BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
            """
        )


@migrations()
def m005_search_index_follows_only_searched_columns(db: Database) -> None:
    """Re-index a premises for search only when its name, address or postcode change.

    The trigger sqlite-utils made re-indexes on any update, and every visit updates the
    premises' current risk: that was three index writes per visit for nothing.
    """
    db.execute("DROP TRIGGER premises_au")
    db.execute(
        """
        CREATE TRIGGER premises_au AFTER UPDATE OF name, address, postcode ON premises
        BEGIN
          INSERT INTO premises_fts (premises_fts, rowid, name, address, postcode)
          VALUES ('delete', old.rowid, old.name, old.address, old.postcode);
          INSERT INTO premises_fts (rowid, name, address, postcode)
          VALUES (new.rowid, new.name, new.address, new.postcode);
        END
        """
    )


@migrations()
def m006_premises_current_risk_detail(db: Database) -> None:
    """What the map, list and exports show about each premises, kept with it.

    Red flags and the top indicators of the latest visit, its location mismatch, the date
    of the last red flag (for "flagged if a red flag in the last 12 months"), and a
    coordinator's manual flag or unflag with its reason.
    """
    for sql in (
        "ALTER TABLE premises ADD COLUMN red_flags TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE premises ADD COLUMN red_flag_categories TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE premises ADD COLUMN top_indicators TEXT NOT NULL DEFAULT '[]'",
        "ALTER TABLE premises ADD COLUMN last_visit_mismatch INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE premises ADD COLUMN last_red_flag_at TEXT",
        "ALTER TABLE premises ADD COLUMN flag_override TEXT "
        "CHECK (flag_override IS NULL OR flag_override IN ('flag', 'unflag'))",
        "ALTER TABLE premises ADD COLUMN flag_reason TEXT",
        "ALTER TABLE premises ADD COLUMN flag_changed_at TEXT",
        "ALTER TABLE premises ADD COLUMN flag_changed_by INTEGER REFERENCES users(id)",
        "CREATE INDEX premises_band ON premises (risk_band)",
        "CREATE INDEX premises_red_flag ON premises (last_red_flag_at)",
        "CREATE INDEX premises_last_visit ON premises (last_visit_at)",
        "CREATE INDEX premises_authority ON premises (local_authority COLLATE NOCASE)",
    ):
        db.execute(sql)
    # Fill the new columns for premises visited before this step.
    from fieldapp.queries.premises import refresh_risk

    for (premises_id,) in db.execute("SELECT DISTINCT premises_id FROM visits").fetchall():
        refresh_risk(db, premises_id)


@migrations()
def m007_exports_tokens_and_audit_chain(db: Database) -> None:
    """Partner exports on the record, API tokens, and a tamper-evident audit trail.

    Each audit row will carry a hash over its own content and the previous row's hash, so
    an edited or removed row breaks the chain at that point.
    """
    db.execute("ALTER TABLE audit ADD COLUMN prev_hash TEXT")
    db.execute("ALTER TABLE audit ADD COLUMN row_hash TEXT")
    db.execute(
        """
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            agency TEXT NOT NULL,
            name TEXT NOT NULL,
            -- Only a SHA-256 of the token is kept; the token itself is shown once.
            token_hash TEXT NOT NULL UNIQUE,
            token_hint TEXT NOT NULL,
            created_at TEXT NOT NULL,
            created_by INTEGER NOT NULL REFERENCES users(id),
            revoked_at TEXT,
            revoked_by INTEGER REFERENCES users(id),
            last_used_at TEXT
        )
        """
    )
    db.execute(
        """
        CREATE TABLE export_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            user_id INTEGER REFERENCES users(id),
            token_id INTEGER REFERENCES api_tokens(id),
            agency TEXT,
            format TEXT NOT NULL,
            filter TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            byte_count INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            CHECK (user_id IS NOT NULL OR token_id IS NOT NULL)
        )
        """
    )
    db.execute("CREATE INDEX export_log_sha256 ON export_log (sha256)")
    for table in ("export_log",):
        db.execute(
            f"""
            CREATE TRIGGER {table}_append_only_update BEFORE UPDATE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the export log is append-only'); END
            """
        )
        db.execute(
            f"""
            CREATE TRIGGER {table}_append_only_delete BEFORE DELETE ON {table}
            BEGIN SELECT RAISE(ABORT, 'the export log is append-only'); END
            """
        )


@migrations()
def m008_operations(db: Database) -> None:
    """Joint operations: the sites in visiting order, partners invited, and outcomes."""
    db.execute(
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
        """
    )
    db.execute(
        """
        CREATE TABLE operation_sites (
            operation_id INTEGER NOT NULL REFERENCES operations(id),
            premises_id INTEGER NOT NULL REFERENCES premises(id),
            position INTEGER NOT NULL,
            PRIMARY KEY (operation_id, premises_id)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE operation_partners (
            operation_id INTEGER NOT NULL REFERENCES operations(id),
            agency TEXT NOT NULL,
            PRIMARY KEY (operation_id, agency)
        )
        """
    )
    db.execute(
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
        """
    )
    db.execute("CREATE INDEX operation_outcomes_recorded ON operation_outcomes (recorded_at)")
