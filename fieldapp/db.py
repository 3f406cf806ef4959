"""One SQLite connection per request, through sqlite-utils."""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask, current_app, g
from sqlite_utils import Database


def connect(path: str, busy_timeout_ms: int = 5000) -> Database:
    """Open the database with foreign keys enforced and a busy timeout.

    Used by requests, the CLI and scripts alike so every connection behaves the same.
    """
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    return Database(conn)


def query(db: Database, sql: str, params=()) -> list[dict]:
    """Rows as dicts. Cheaper than ``db.query``, which wraps every read in a savepoint and
    inspects the schema; used on paths that run on every request."""
    cursor = db.conn.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def one(db: Database, sql: str, params=()) -> dict | None:
    """The first row as a dict, or None."""
    rows = query(db, sql, params)
    return rows[0] if rows else None


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at once (BEGIN IMMEDIATE).

    A deferred transaction that reads first and writes later can fail with "database is
    locked" without waiting, when another process wrote in between; taking the lock up
    front lets the busy timeout do its job under concurrent submissions.
    """
    _begin_immediate(db.conn)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def _begin_immediate(conn: sqlite3.Connection, timeout_s: float = 10.0) -> None:
    """Take the write lock, retrying every millisecond or two until ``timeout_s``.

    SQLite's own busy handler backs off to 100 ms sleeps, so under a burst of submissions
    a waiting writer slept long after the lock was free; short randomised waits keep the
    slowest submissions close to the typical ones.
    """
    previous = conn.execute("PRAGMA busy_timeout").fetchone()[0]
    conn.execute("PRAGMA busy_timeout = 0")
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(random.uniform(0.0002, 0.001))  # noqa: S311 - jitter, not secrets
    finally:
        conn.execute(f"PRAGMA busy_timeout = {int(previous)}")


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


def close_db(_exc: BaseException | None = None) -> None:
    """End the request's use of its connection, rolling back anything left uncommitted."""
    db = g.pop("db", None)
    if db is not None and db.conn.in_transaction:
        db.conn.rollback()


def migrate(db: Database) -> list[str]:
    """Apply pending migrations and switch on WAL; return the names applied."""
    from fieldapp.migrations import migrations

    pending = [m.name for m in migrations.pending(db)]
    migrations.apply(db)
    # WAL lets readers carry on while a visit is written; it cannot change inside a
    # transaction, so it is set here rather than in a migration.
    db.enable_wal()
    return pending


def init_app(app: Flask) -> None:
    """Register teardown and the ``db`` command group."""
    app.teardown_appcontext(close_db)

    @app.cli.group("db")
    def db_group() -> None:
        """Manage the database."""

    @db_group.command("migrate")
    def migrate_command() -> None:
        """Create the database or bring it up to date."""
        applied = migrate(get_db())
        if applied:
            click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
        else:
            click.echo("Database is up to date.")
