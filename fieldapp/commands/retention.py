"""``flask --app fieldapp retention report``: what the retention schedule would remove today
(read-only); ``flask retention apply``: remove it, leaving tombstones (fieldapp.retention).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import retention, retention_records
from fieldapp.checklists import RECORD_TYPES, RETENTION_FILE, ChecklistError, load_retention
from fieldapp.db import get_db
from fieldapp.queries import retention as retention_q
from fieldapp.timeutil import now_iso

retention_group = AppGroup("retention", help="The retention schedule (retention.toml).")


def _schedule() -> tuple[Path, dict]:
    path = Path(current_app.config["CHECKLIST_DIR"]) / RETENTION_FILE
    try:
        return path, load_retention(path)
    except ChecklistError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.exceptions.Exit(1) from error


def _echo_held(record_type: str, held: dict[tuple[str, str], int], when: str = "") -> None:
    for (held_type, why), count in held.items():
        if held_type == record_type:
            click.echo(f"{record_type}: {count} past their period held back{when} ({why})")


@retention_group.command("report")
@click.option("--now", "now", default=None, help="Count as at this ISO time (default: now).")
def report_command(now: str | None) -> None:
    """Count what the schedule would remove today, by record type and age. Removes nothing."""
    path, schedule = _schedule()
    now = now or now_iso()
    rows = retention_q.due(get_db(), now, {t: r.months for t, r in schedule.items()})
    held = retention_records.held_back(get_db(), schedule, now)
    click.echo(f"Past their retention period under {path} (nothing has been removed):")
    click.echo(
        "Held back: past their period but still referred to by a record that is kept "
        "(apply removes referrals first, so a visit one held may then go too)."
    )
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
        _echo_held(record_type, held, " as things stand")


@retention_group.command("apply")
@click.option("--now", "now", default=None, help="Remove as at this ISO time (default: now).")
@click.option("--yes", is_flag=True, help="Remove without asking (for the daily timer).")
@click.option("--batch", default=500, show_default=True, help="Rows removed per transaction.")
def apply_command(now: str | None, yes: bool, batch: int) -> None:
    """Remove what is past its retention period, leaving a tombstone for each record."""
    path, schedule = _schedule()
    if batch < 1:
        raise click.BadParameter("must be 1 or more", param_hint="--batch")
    if not yes and not click.confirm(
        f"Remove every record past its period under {path}? This cannot be undone.",
        default=False,
    ):
        raise click.ClickException("Nothing removed.")
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    applied = retention.apply(get_db(), schedule, now or now_iso(), batch, upload_dir)
    for (record_type, table), count in applied.removed.items():
        click.echo(f"{record_type}: {count} removed from {table}")
    for record_type in schedule:
        _echo_held(record_type, applied.held)
    click.echo(f"{applied.files} photo files deleted, after their rows were removed.")
    click.echo("Each removal left a tombstone (type, id, dates, rule; no content).")
    click.echo(
        "The audit trail, export log and read log lose their oldest rows in sealed id "
        "ranges, one tombstone a range; `flask audit verify` checks what remains."
    )
