"""All SQL lives in this package, one module per table family. Rows are plain dicts.

Nothing here knows about Flask: the web layer, the command line and scripts open a
connection with :func:`connect` and pass it in, like sqlite-utils' own functions.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from secrets import token_hex

from sqlite_utils import Database

from fieldapp.timeutil import uk_date


class NotFoundError(LookupError):
    """The record asked for does not exist (the web layer answers 404)."""


def connect(path: str, busy_timeout_ms: int = 5000) -> Database:
    """Open the database with foreign keys enforced and a busy timeout.

    Used by requests, the CLI and scripts alike so every connection behaves the same.
    """
    conn = sqlite3.connect(path, timeout=busy_timeout_ms / 1000)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    conn.create_function("uk_date", 1, _uk_date_sql, deterministic=True)
    return Database(conn)


def uk_date_sql(column: str) -> str:
    """SQL for the UK calendar date (``2026-04-01``) of a stored UTC time in ``column``.

    UK time is UTC or an hour ahead, so only a time from 23:00 UTC can fall on the next UK
    day: those go to Python's zone rules (``uk_date()`` below), the rest keep their own date
    at SQLite's speed (an export of 50,000 sites would spend a fifth of a second in Python).
    """
    return (
        f"CASE WHEN substr({column}, 12, 2) = '23' THEN uk_date({column}) "
        f"ELSE substr({column}, 1, 10) END"
    )


def _uk_date_sql(stored: str | None) -> str | None:
    """SQL ``uk_date(time)``: the UK calendar date of a stored UTC time, which SQLite's own
    date() cannot give (it knows no time zones); NULL for no time."""
    if stored is None:
        return None
    try:
        return uk_date(stored).isoformat()
    except (TypeError, ValueError):
        return None


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


def one_or_missing(db: Database, sql: str, params: Sequence, missing: str) -> dict:
    """The first row as a dict, or NotFoundError(missing)."""
    row = one(db, sql, params)
    if row is None:
        raise NotFoundError(missing)
    return row


def ping(db: Database) -> None:
    """Ask the database something trivial (the health check)."""
    db.execute("SELECT 1").fetchone()


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """The one way to group writes: all of them land, or none do.

    Outermost, it takes the write lock at once (BEGIN IMMEDIATE): a deferred transaction
    that reads first and writes later can fail with "database is locked" without waiting,
    when another process wrote in between; taking the lock up front lets the busy timeout
    do its job under concurrent submissions. Inside another transaction it is a savepoint,
    so a failure undoes only its own part and the caller decides about the rest.
    """
    if db.conn.in_transaction:
        with _savepoint(db):
            yield db
        return
    _begin_immediate(db.conn)
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


@contextmanager
def _savepoint(db: Database) -> Iterator[None]:
    name = f"fieldapp_{token_hex(8)}"
    db.conn.execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        # A trigger's RAISE(ROLLBACK) can end the whole transaction, savepoint and all:
        # cleaning up then would hide the real error behind "no such savepoint".
        if db.conn.in_transaction:
            db.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            db.conn.execute(f"RELEASE SAVEPOINT {name}")
        raise
    else:
        db.conn.execute(f"RELEASE SAVEPOINT {name}")


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
