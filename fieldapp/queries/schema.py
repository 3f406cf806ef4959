"""The live schema: every table and its columns, for the data map."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query


def tables(db: Database) -> dict[str, list[str]]:
    """Every table (virtual tables and SQLite's own included) by name, with its columns in
    order. Views are left out: they show what tables hold."""
    names = [
        row["name"]
        for row in query(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    return {
        name: [row["name"] for row in query(db, "SELECT name FROM pragma_table_info(?)", [name])]
        for name in names
    }
