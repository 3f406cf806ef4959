"""What the map, list and exports show about each premises, kept with it.

Red flags and the top indicators of the latest visit, its location mismatch, the date
of the last red flag (for "flagged if a red flag in the last 12 months"), and a
coordinator's manual flag or unflag with its reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlite_utils import Database

STATEMENTS = (
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
)


# Filling the new columns for premises visited before this step. A frozen copy of how the
# current risk was worked out when this step shipped: later changes to that rule must not
# change what this step did.
_LATEST = (
    "SELECT * FROM visits v WHERE premises_id = ? AND v.revision = "
    "(SELECT max(w.revision) FROM visits w WHERE w.root_id = v.root_id) "
    "ORDER BY visited_at DESC, submitted_at DESC LIMIT 1"
)
_LAST_RED_FLAG = (
    "SELECT max(visited_at) FROM visits v WHERE premises_id = ? AND red_flag_count > 0 "
    "AND v.revision = (SELECT max(w.revision) FROM visits w WHERE w.root_id = v.root_id)"
)
_UPDATE = (
    "UPDATE premises SET risk_band = ?, risk_score = ?, red_flag_count = ?, "
    "last_visit_at = ?, red_flags = ?, red_flag_categories = ?, top_indicators = ?, "
    "last_visit_mismatch = ?, last_red_flag_at = ?, updated_at = ? WHERE id = ?"
)


def _summary(result: dict) -> tuple[str, str, str]:
    red_flags = [
        {"id": c["id"], "question": c["question"], "category": c["category"]}
        for c in result["red_flags"]
    ]
    scored = sorted(
        (c for c in result["contributions"] if c["points"]),
        key=lambda c: (-c["points"], c["id"]),
    )
    top = [{"id": c["id"], "question": c["question"], "points": c["points"]} for c in scored[:3]]
    categories = sorted({flag["category"] for flag in red_flags})
    return (
        json.dumps(red_flags),
        "".join(f",{c}" for c in categories) + ("," if categories else ""),
        json.dumps(top),
    )


def _backfill(db: Database, premises_id: int) -> None:
    cursor = db.execute(_LATEST, [premises_id])
    names = [d[0] for d in cursor.description]
    latest = dict(zip(names, row, strict=True)) if (row := cursor.fetchone()) else None
    last_red_flag = db.execute(_LAST_RED_FLAG, [premises_id]).fetchone()[0]
    red_flags, categories, top = (
        _summary(json.loads(latest["result"])) if latest else ("[]", "", "[]")
    )
    db.execute(
        _UPDATE,
        [
            latest["band"] if latest else None,
            latest["score_percentage"] if latest else None,
            latest["red_flag_count"] if latest else 0,
            latest["visited_at"] if latest else None,
            red_flags,
            categories,
            top,
            latest["location_mismatch"] if latest else 0,
            last_red_flag,
            datetime.now(UTC).replace(microsecond=0).isoformat(),
            premises_id,
        ],
    )


def apply(db: Database) -> None:
    """Add the columns, then fill them for premises visited before this step."""
    for sql in STATEMENTS:
        db.execute(sql)
    for (premises_id,) in db.execute("SELECT DISTINCT premises_id FROM visits").fetchall():
        _backfill(db, premises_id)
