"""Visits, their answers, photos and safeguarding referrals, and checklist snapshots."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
    """
        CREATE TABLE checklist_versions (
            hash TEXT PRIMARY KEY,
            checklist_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            content TEXT NOT NULL,
            first_used_at TEXT NOT NULL,
            UNIQUE (checklist_id, version)
        )
    """,
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
    """,
    "CREATE INDEX visits_premises ON visits (premises_id, visited_at)",
    "CREATE INDEX visits_root ON visits (root_id, revision)",
    """
        CREATE VIEW current_visits AS
        SELECT v.* FROM visits v
        WHERE v.revision = (SELECT max(w.revision) FROM visits w WHERE w.root_id = v.root_id)
    """,
    "CREATE INDEX visits_inspector ON visits (inspector_id, submitted_at)",
    """
        CREATE TABLE answers (
            visit_id TEXT NOT NULL REFERENCES visits(id),
            question_id TEXT NOT NULL,
            value TEXT NOT NULL,
            note TEXT,
            PRIMARY KEY (visit_id, question_id)
        )
    """,
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
    """,
    "CREATE INDEX photos_visit ON photos (visit_id)",
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
    """,
    "CREATE INDEX referrals_premises ON referrals (premises_id, made_at)",
    """
        CREATE TRIGGER visits_locked BEFORE UPDATE ON visits
        BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
    """,
    """
        CREATE TRIGGER answers_locked BEFORE UPDATE ON answers
        BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
    """,
    """
        CREATE TRIGGER photos_locked BEFORE UPDATE ON photos
        BEGIN SELECT RAISE(ABORT, 'submitted visits cannot be changed: amend instead'); END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
