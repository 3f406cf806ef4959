"""Saved import mappings (the ``import_presets`` table)."""

from __future__ import annotations

import json

from sqlite_utils import Database

from fieldapp.queries import query


def all_saved(db: Database) -> list[dict]:
    """Every saved mapping, newest first, with its mapping decoded."""
    rows = query(
        db,
        "SELECT p.id, p.name, p.mapping, p.created_at, p.updated_at, u.display_name AS created_by "
        "FROM import_presets p LEFT JOIN users u ON u.id = p.created_by "
        "ORDER BY p.updated_at DESC, p.id DESC",
    )
    for row in rows:
        row["mapping"] = json.loads(row["mapping"])
    return rows


def save(db: Database, name: str, mapping: dict, user_id: int | None, now: str) -> None:
    """Save a mapping under ``name``, replacing one of the same name (any case)."""
    db.conn.execute(
        "INSERT INTO import_presets (name, mapping, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET mapping = excluded.mapping, "
        "updated_at = excluded.updated_at",
        [name, json.dumps(mapping, sort_keys=True), user_id, now, now],
    )
