"""Commands to check and release the checklists.

``flask --app fieldapp checklists check`` validates every file in CHECKLIST_DIR, and lists
each enabled safeguarding route that shows a placeholder number (a problem, unless the app's
SAFEGUARDING_PLACEHOLDERS_ALLOWED is set: then each is listed as a note);
``flask --app fieldapp checklists lock`` records new checklist versions in ``versions.lock``.

The same commands run without the app as
``python -m fieldapp.commands.checklists [--dir DIR] check``, because the app refuses to
start while a checklist is broken or unreleased, and the officer fixing it still needs them.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp.checklists import (
    LOCK_FILE,
    RETENTION_FILE,
    SAFEGUARDING_FILE,
    WAGE_RATES_FILE,
    ChecklistError,
    load_checklists,
    load_guide,
    load_retention,
    load_wage_rates,
    lock_checklists,
    placeholder_problems,
    read_safeguarding,
    skipped_files,
)
from fieldapp.config import SHIPPED_CHECKLISTS

DEFAULT_DIR = SHIPPED_CHECKLISTS

group = AppGroup("checklists", help="Check and release the inspection checklists.")


def run_check(directory: Path, placeholders_allowed: bool = False) -> bool:
    """Print OK for each checklist, the wage rates and the safeguarding routes, or every
    problem. True when all is well.

    A route showing a placeholder number is a problem, as it stops the app starting; with
    ``placeholders_allowed`` (a demo) each is printed as a note instead.
    """
    directory = Path(directory)
    problems = []
    checklists = {}
    try:
        checklists = load_checklists(directory)
    except ChecklistError as error:
        problems.extend(error.problems)
    rates = None
    try:
        rates = load_wage_rates(directory / WAGE_RATES_FILE)
    except ChecklistError as error:
        problems.extend(error.problems)
    safeguarding, placeholders = _read_safeguarding(directory, problems)
    if not placeholders_allowed:
        problems.extend(placeholders)
    guide = None
    if checklists:
        try:
            guide = load_guide(directory, {c.sector: c for c in checklists.values()})
        except ChecklistError as error:
            problems.extend(error.problems)
    retention = _read_retention(directory, problems)
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        click.echo(
            f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found. Fix them, then "
            "run `flask --app fieldapp checklists check` again.",
            err=True,
        )
        return False
    for checklist in checklists.values():
        scored = sum(1 for i in checklist.indicators if not i.is_measurement)
        measured = len(checklist.indicators) - scored
        click.echo(
            f"OK: {checklist.id} v{checklist.version} ({scored} indicators, {measured} "
            f"measurements, {len(checklist.follow_ups)} follow-ups, "
            f"{len(checklist.computed)} computed)"
        )
    latest = rates.periods[-1].start.isoformat()
    click.echo(f"OK: wage rates ({len(rates.periods)} periods, the latest from {latest})")
    _say_safeguarding(safeguarding, placeholders)
    if guide is not None:
        guidance, scenarios = guide
        click.echo(
            f"OK: guidance ({len(guidance.advice)} pieces of advice, {len(guidance.sources)} "
            f"sources in the source key) and {len(scenarios)} practice scenarios"
        )
    _say_retention(retention)
    for path in skipped_files(directory):
        click.echo(f"Skipped {path.name}: not a checklist (no `sector` or `sections`).")
    return True


def _read_safeguarding(directory: Path, problems: list) -> tuple[dict | None, list]:
    """The routes and contacts and the placeholders among them; mistakes join ``problems``."""
    try:
        safeguarding = read_safeguarding(directory / SAFEGUARDING_FILE)
    except ChecklistError as error:
        problems.extend(error.problems)
        return None, []
    return safeguarding, placeholder_problems(directory / SAFEGUARDING_FILE, safeguarding)


def _read_retention(directory: Path, problems: list) -> dict | None:
    """The retention schedule; mistakes join ``problems``."""
    try:
        return load_retention(directory / RETENTION_FILE)
    except ChecklistError as error:
        problems.extend(error.problems)
        return None


def _say_retention(retention: dict) -> None:
    kept = ", ".join(f"{r.record_type} {r.period}" for r in retention.values())
    click.echo(f"OK: retention schedule ({kept})")


def _say_safeguarding(safeguarding: dict, placeholders: list) -> None:
    routes, contacts = safeguarding["route"], safeguarding["contact"]
    off = [r["id"] for r in routes if not r["enabled"]] + [
        c["id"] for c in contacts if not c["enabled"]
    ]
    click.echo(
        f"OK: safeguarding ({len(routes)} routes, {len(contacts)} contacts"
        + (f"; switched off: {', '.join(off)}" if off else "")
        + ")"
    )
    for problem in placeholders:
        click.echo(f"Placeholder, allowed by SAFEGUARDING_PLACEHOLDERS_ALLOWED: {problem}")


def run_lock(directory: Path) -> bool:
    """Add new checklist versions to the lock file and say what was added. True on success."""
    directory = Path(directory)
    try:
        added = lock_checklists(directory)
    except ChecklistError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo(f"Nothing was written to {LOCK_FILE}. Fix the problems above first.", err=True)
        return False
    if not added:
        click.echo(f"Nothing to lock: every checklist version is already in {LOCK_FILE}.")
    for checklist in added:
        click.echo(f"Locked {checklist.id} v{checklist.version} ({checklist.hash[:12]}).")
    return True


@group.command("check")
def check_command() -> None:
    """Validate every checklist, the wage rates and the safeguarding routes in CHECKLIST_DIR."""
    allowed = bool(current_app.config.get("SAFEGUARDING_PLACEHOLDERS_ALLOWED"))
    if not run_check(Path(current_app.config["CHECKLIST_DIR"]), allowed):
        raise click.exceptions.Exit(1)


@group.command("lock")
def lock_command() -> None:
    """Release new checklist versions by adding their hashes to versions.lock."""
    if not run_lock(Path(current_app.config["CHECKLIST_DIR"])):
        raise click.exceptions.Exit(1)


@click.group("checklists")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DIR,
    show_default=True,
    help="The checklists folder.",
)
@click.pass_context
def main(ctx: click.Context, directory: Path) -> None:
    """Check and release the checklists without starting the app."""
    ctx.obj = directory


@main.command("check")
@click.option(
    "--placeholders-allowed",
    is_flag=True,
    help="Note safeguarding contacts with placeholder numbers instead of failing (a demo).",
)
@click.pass_obj
def standalone_check(directory: Path, placeholders_allowed: bool) -> None:
    """Validate every checklist, the wage rates and the safeguarding routes."""
    if not run_check(directory, placeholders_allowed):
        raise click.exceptions.Exit(1)


@main.command("lock")
@click.pass_obj
def standalone_lock(directory: Path) -> None:
    """Release new checklist versions by adding their hashes to versions.lock."""
    if not run_lock(directory):
        raise click.exceptions.Exit(1)


if __name__ == "__main__":
    main()
