"""``flask --app fieldapp db migrate``: create the database or bring it up to date."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp.db import get_db
from fieldapp.migrations import migrate
from fieldapp.queries import premises as premises_q

db_group = AppGroup("db", help="Manage the database.")
# The step that brought in visits that cannot judge the risk: once it is applied, every
# premises' current risk is recomputed so those visits stop counting.
REASSESS_AFTER = "m009_visit_outcomes_and_concerns"


@db_group.command("migrate")
def migrate_command() -> None:
    """Create the database or bring it up to date."""
    applied = migrate(get_db())
    if applied:
        click.echo(f"Applied {len(applied)} migration(s): {', '.join(applied)}")
    else:
        click.echo("Database is up to date.")
    # A new, empty database has nothing to re-assess.
    if REASSESS_AFTER in applied and premises_q.count(get_db()):
        from fieldapp.commands.premises import reassess

        click.echo(reassess(get_db(), current_app.config))
