"""``flask --app fieldapp retention report``: what the retention schedule would remove today.

Read-only: it counts, it never deletes (``flask retention apply`` comes later).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp.checklists import RECORD_TYPES, RETENTION_FILE, ChecklistError, load_retention
from fieldapp.db import get_db
from fieldapp.queries import retention as retention_q
from fieldapp.timeutil import now_iso

retention_group = AppGroup("retention", help="The retention schedule (retention.toml).")


@retention_group.command("report")
@click.option("--now", "now", default=None, help="Count as at this ISO time (default: now).")
def report_command(now: str | None) -> None:
    """Count what the schedule would remove today, by record type and age. Removes nothing."""
    path = Path(current_app.config["CHECKLIST_DIR"]) / RETENTION_FILE
    try:
        schedule = load_retention(path)
    except ChecklistError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1) from error
    rows = retention_q.due(get_db(), now or now_iso(), {t: r.months for t, r in schedule.items()})
    click.echo(f"Past their retention period under {path} (nothing has been removed):")
    for record_type, rule in schedule.items():
        mine = [row for row in rows if row["record_type"] == record_type]
        total = sum(row["count"] for row in mine)
        click.echo(
            f"\n{record_type} ({RECORD_TYPES[record_type]}): kept {rule.period} after "
            f"{rule.after}. {total} past it."
        )
        for row in mine:
            years = row["years"]
            click.echo(f"  {row['table']}: {row['count']} {years} to {years + 1} years old")
