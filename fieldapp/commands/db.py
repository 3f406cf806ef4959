"""``flask --app fieldapp db migrate``: create the database or bring it up to date."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fieldapp.db import get_db
from fieldapp.migrations import migrate

db_group = AppGroup("db", help="Manage the database.")


@db_group.command("migrate")
def migrate_command() -> None:
    """Create the database or bring it up to date."""
    applied = migrate(get_db())
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database is up to date.")
