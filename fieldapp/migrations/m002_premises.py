"""The premises register, with search over names and addresses."""

from __future__ import annotations

from sqlite_utils import Database

STATEMENTS = (
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
    """,
    "CREATE INDEX premises_location ON premises (latitude, longitude)",
    "CREATE INDEX premises_sector ON premises (sector)",
    "CREATE INDEX premises_risk ON premises (flagged, risk_band)",
    "CREATE INDEX premises_external_ref ON premises (external_ref)",
    """
        CREATE VIRTUAL TABLE "premises_fts" USING FTS5 (
            "name", "address", "postcode",
            tokenize='porter',
            content="premises"
        )
    """,
    """
        INSERT INTO "premises_fts" (rowid, "name", "address", "postcode")
        SELECT rowid, "name", "address", "postcode" FROM "premises"
    """,
    """
        CREATE TRIGGER "premises_ai" AFTER INSERT ON "premises" BEGIN
          INSERT INTO "premises_fts" (rowid, "name", "address", "postcode")
            VALUES (new.rowid, new."name", new."address", new."postcode");
        END
    """,
    """
        CREATE TRIGGER "premises_ad" AFTER DELETE ON "premises" BEGIN
          INSERT INTO "premises_fts" ("premises_fts", rowid, "name", "address", "postcode")
            VALUES('delete', old.rowid, old."name", old."address", old."postcode");
        END
    """,
    """
        CREATE TRIGGER "premises_au" AFTER UPDATE ON "premises" BEGIN
          INSERT INTO "premises_fts" ("premises_fts", rowid, "name", "address", "postcode")
            VALUES('delete', old.rowid, old."name", old."address", old."postcode");
          INSERT INTO "premises_fts" (rowid, "name", "address", "postcode")
            VALUES (new.rowid, new."name", new."address", new."postcode");
        END
    """,
)


def apply(db: Database) -> None:
    """Run this step's statements in order."""
    for sql in STATEMENTS:
        db.execute(sql)
