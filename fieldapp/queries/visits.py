"""Visits, their answers, photos, revisions and referrals.

The writes are plain executes rather than sqlite-utils' table helpers: they are the hot
path of every submission, and the helpers inspect the schema on each call.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from fieldapp.checklists import Checklist
from fieldapp.queries import one, one_or_missing, query


def get(db: Database, visit_id: str) -> dict:
    """One visit (any revision) with its premises and inspector names, or NotFoundError."""
    row = one_or_missing(
        db,
        "SELECT v.*, p.name AS premises_name, p.sector, p.address, p.postcode, "
        "u.display_name AS inspector_name, "
        "(SELECT max(revision) FROM visits w WHERE w.root_id = v.root_id) AS latest_revision "
        "FROM visits v JOIN premises p ON p.id = v.premises_id "
        "JOIN users u ON u.id = v.inspector_id WHERE v.id = ?",
        [visit_id],
        f"No visit {visit_id}",
    )
    row["result"] = json.loads(row["result"])
    return row


def answers(db: Database, visit_id: str) -> dict[str, dict]:
    """A visit's answers keyed by question id: {"value": ..., "note": ...}."""
    return {
        r["question_id"]: {"value": r["value"], "note": r["note"]}
        for r in query(db, "SELECT * FROM answers WHERE visit_id = ?", [visit_id])
    }


def photos(db: Database, visit_id: str) -> list[dict]:
    """A visit's photos, oldest first."""
    return query(db, "SELECT * FROM photos WHERE visit_id = ? ORDER BY rowid", [visit_id])


def photo(db: Database, photo_id: str) -> dict:
    """One photo, or NotFoundError."""
    return one_or_missing(
        db, "SELECT * FROM photos WHERE id = ?", [photo_id], f"No photo {photo_id}"
    )


def checklist_for(db: Database, checklist_hash: str) -> Checklist:
    """The exact checklist version a visit was answered against."""
    row = one(db, "SELECT content FROM checklist_versions WHERE hash = ?", [checklist_hash])
    return Checklist.from_dict(json.loads(row["content"]))


def revisions(db: Database, root_id: str) -> list[dict]:
    """Every revision of one visit, newest first, with who made each."""
    return query(
        db,
        "SELECT v.id, v.revision, v.submitted_at, v.amendment_reason, v.band, "
        "v.score_percentage, u.display_name AS inspector_name FROM visits v "
        "JOIN users u ON u.id = v.inspector_id WHERE v.root_id = ? ORDER BY v.revision DESC",
        [root_id],
    )


def for_premises(db: Database, premises_id: int) -> list[dict]:
    """A premises' visits (newest revision of each), newest first."""
    return query(
        db,
        "SELECT v.*, u.display_name AS inspector_name FROM current_visits v "
        "JOIN users u ON u.id = v.inspector_id WHERE v.premises_id = ? "
        "ORDER BY v.visited_at DESC",
        [premises_id],
    )


def recent(db: Database, inspector_id: int | None = None, limit: int = 50) -> list[dict]:
    """The latest visits (newest revisions), optionally one inspector's."""
    return query(
        db,
        "SELECT v.*, p.name AS premises_name, p.sector FROM current_visits v "
        "JOIN premises p ON p.id = v.premises_id "
        "WHERE (:inspector IS NULL OR v.inspector_id = :inspector) "
        "ORDER BY v.submitted_at DESC LIMIT :limit",
        {"inspector": inspector_id, "limit": limit},
    )


def price_references(
    db: Database, checklist_id: str, question_ids: tuple[str, ...], exclude_root: str = ""
) -> dict[str, list[int]]:
    """Every price recorded for these questions at judged visits of a checklist, by question.

    The newest revision of each visit only, and never the visit being corrected itself.
    """
    found: dict[str, list[int]] = {question_id: [] for question_id in question_ids}
    for question_id in question_ids:
        rows = db.execute(
            "SELECT o.pence FROM price_observations o JOIN current_visits v ON v.id = o.visit_id "
            "WHERE o.checklist_id = ? AND o.question_id = ? AND v.outcome = 'assessed' "
            "AND v.root_id != ?",
            [checklist_id, question_id, exclude_root],
        ).fetchall()
        found[question_id] = [pence for (pence,) in rows]
    return found


def insert_price_observations(db: Database, rows: list[tuple]) -> None:
    """Prices later visits are compared with, as (visit_id, checklist_id, question_id, pence)."""
    db.conn.executemany(
        "INSERT INTO price_observations (visit_id, checklist_id, question_id, pence) "
        "VALUES (?, ?, ?, ?)",
        rows,
    )


def existing(db: Database, visit_id: str) -> dict | None:
    """A stored visit by id, or None."""
    return one(db, "SELECT * FROM visits WHERE id = ?", [visit_id])


def add_checklist_version(
    db: Database, checklist_hash: str, checklist_id: str, version: int, content: str, now: str
) -> None:
    """Keep a checklist version's snapshot the first time a visit uses it."""
    db.conn.execute(
        "INSERT INTO checklist_versions (hash, checklist_id, version, content, first_used_at) "
        "SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
        "(SELECT 1 FROM checklist_versions WHERE hash = ?)",
        [checklist_hash, checklist_id, version, content, now, checklist_hash],
    )


def date_checklist_versions_from_visits(db: Database) -> None:
    """Date each checklist version from the earliest visit that used it, where that is
    earlier than when it was stored (for demo visits, dated in the past but stored today)."""
    db.conn.execute(
        "UPDATE checklist_versions SET first_used_at = (SELECT min(v.visited_at) FROM visits v "
        "WHERE v.checklist_hash = checklist_versions.hash) WHERE (SELECT min(v.visited_at) "
        "FROM visits v WHERE v.checklist_hash = checklist_versions.hash) < first_used_at"
    )


VISIT_COLUMNS = (
    "id",
    "premises_id",
    "inspector_id",
    "root_id",
    "revision",
    "amends",
    "amendment_reason",
    "visited_at",
    "submitted_at",
    "checklist_hash",
    "checklist_id",
    "checklist_version",
    "location_method",
    "latitude",
    "longitude",
    "accuracy_m",
    "fix_at",
    "location_reason",
    "distance_m",
    "location_mismatch",
    "score_total",
    "score_maximum",
    "score_percentage",
    "band",
    "red_flag_count",
    "potential_victims",
    "conversation_language",
    "interpreter",
    "outcome",
    "outcome_reason",
    "result",
    "notes",
    "content_hash",
)
_INSERT_VISIT = (
    f"INSERT INTO visits ({', '.join(VISIT_COLUMNS)}) "  # noqa: S608 - fixed column names
    f"VALUES ({', '.join('?' for _ in VISIT_COLUMNS)})"
)


def insert_visit(db: Database, values: dict) -> None:
    """One visit row; ``values`` has every one of VISIT_COLUMNS."""
    db.conn.execute(_INSERT_VISIT, [values[column] for column in VISIT_COLUMNS])


def insert_answers(db: Database, rows: list[tuple]) -> None:
    """A visit's answers as (visit_id, question_id, value, note)."""
    db.conn.executemany(
        "INSERT INTO answers (visit_id, question_id, value, note) VALUES (?, ?, ?, ?)", rows
    )


def insert_photos(db: Database, visit_id: str, photos: list, now: str) -> None:
    """A visit's photos (fieldapp.photos.Photo records)."""
    db.conn.executemany(
        "INSERT INTO photos (id, visit_id, content_type, size_bytes, sha256, stripped_sha256, "
        "width, height, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                p.id,
                visit_id,
                p.content_type,
                p.size_bytes,
                p.sha256,
                p.stripped_sha256,
                p.width,
                p.height,
                now,
            )
            for p in photos
        ],
    )


def photo_stored(db: Database, photo_id: str) -> bool:
    """Whether a committed visit holds this photo (the photo sweeper asks, file by file)."""
    return db.execute("SELECT 1 FROM photos WHERE id = ?", [photo_id]).fetchone() is not None
