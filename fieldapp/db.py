"""One SQLite connection per request, through sqlite-utils."""

from __future__ import annotations

import sqlite3
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


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at once (BEGIN IMMEDIATE).

    A deferred transaction that reads first and writes later can fail with "database is
    locked" without waiting, when another process wrote in between; taking the lock up
    front lets the busy timeout do its job under concurrent submissions.
    """
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")


def get_db() -> Database:
    """Return this request's connection, opening it on first use."""
    if "db" not in g:
        g.db = connect(current_app.config["DATABASE"], current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    """Close the request's connection, if one was opened."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


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
