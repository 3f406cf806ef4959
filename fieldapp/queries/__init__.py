"""All SQL lives in this package, one module per table family. Rows are plain dicts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from fieldapp.db import one


class NotFoundError(LookupError):
    """The record asked for does not exist (views turn this into a 404)."""


def one_or_missing(db: Database, sql: str, params: Sequence, missing: str) -> dict:
    """The first row as a dict, or NotFoundError(missing) (views turn it into a 404)."""
    row = one(db, sql, params)
    if row is None:
        raise NotFoundError(missing)
    return row
