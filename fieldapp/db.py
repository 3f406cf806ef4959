"""One SQLite connection per request (the SQL itself lives in fieldapp.queries)."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from flask import Flask, current_app, g
from sqlite_utils import Database

from fieldapp.queries import connect

# Connections are kept open and reused by later requests on the same thread (each request
# still has exactly one, on ``g``). Opening one costs a millisecond of schema parsing, and
# when the last connection to a database closes SQLite checkpoints and removes the
# write-ahead log: with a fresh connection per request that was ~8 ms on most requests.
_local = threading.local()
_MAX_KEPT = 8  # per thread; tests open many databases in one thread


def _kept(path: str, busy_timeout_ms: int) -> Database:
    kept: OrderedDict[str, Database] = getattr(_local, "kept", None) or OrderedDict()
    _local.kept = kept
    key = f"{os.getpid()}:{path}"  # never reuse a connection across a fork
    db = kept.pop(key, None)
    if db is None:
        db = connect(path, busy_timeout_ms)
    kept[key] = db
    while len(kept) > _MAX_KEPT:
        kept.popitem(last=False)[1].conn.close()
    return db


def get_db() -> Database:
    """Return this request's connection (one per request, reused across requests)."""
    if "db" not in g:
        g.db = _kept(current_app.config["DATABASE"], current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    return g.db


def open_db() -> Database:
    """A connection of its own (for a response that streams after the request ends)."""
    return connect(current_app.config["DATABASE"], current_app.config["SQLITE_BUSY_TIMEOUT_MS"])


def close_db(_exc: BaseException | None = None) -> None:
    """End the request's use of its connection, rolling back anything left uncommitted."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


def init_app(app: Flask) -> None:
    """Tidy each request's connection away when the request ends."""
    app.teardown_appcontext(close_db)
