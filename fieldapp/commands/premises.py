"""``flask --app fieldapp premises import FILE [--yes]``: check a CSV file, then import it."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import geo, imports
from fieldapp.db import get_db
from fieldapp.imports import run_import
from fieldapp.queries import premises as premises_q
from fieldapp.sitefilter import FlagRules

# Give up looking addresses up after this many failures in a row: the server is down. A
# later run of the same file looks up whatever is still missing.
MAX_FAILURES_IN_A_ROW = 3


premises_group = AppGroup("premises", help="The premises register.")


@premises_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Import the good rows. Without it, only check.")
def import_command(file: Path, yes: bool) -> None:
    """Check a CSV file of premises and, with --yes, import it.

    Columns: name, sector, address, postcode, and optionally latitude, longitude (or
    British National Grid easting, northing),
    external_ref and local_authority. Rows already on the register are updated.
    """
    with file.open("rb") as fh:
        data = fh.read(imports.MAX_BYTES + 1)
    try:
        parsed = imports.parse(data)
    except imports.ImportFileError as error:
        raise click.ClickException(error.message) from None
    db = get_db()
    plan = imports.plan(db, parsed)
    click.echo(f"Checked {file.name} (read as {parsed.encoding}).")
    for note in parsed.notes:
        click.echo(f"Note: {note}")
    _echo_report(plan)
    geocoder = geo.from_config(current_app.config)
    pending = plan.lookup_queries()
    if not yes:
        if pending and geocoder.enabled:
            click.echo(f"{len(pending)} addresses will be looked up before importing.")
        elif pending:
            click.echo(
                f"Address lookup is not switched on (GEOCODER_URL), so {len(pending)} "
                "premises would be imported without a location."
            )
        count = len(plan.to_write)
        if count:
            rows = "row" if count == 1 else "rows"
            click.echo(f"Nothing imported yet. Run again with --yes to import {count} {rows}.")
        else:
            click.echo("Nothing to import.")
        return
    if pending and geocoder.enabled:
        _look_up(db, pending, geocoder)
    _, result = run_import(db, parsed, source=file.name)
    click.echo(
        f"Imported: {len(result.created)} added, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged, {result.skipped} rows skipped."
    )
    if result.without_location:
        reason = (
            "their addresses were not found or the lookup service could not be reached"
            if geocoder.enabled
            else "address lookup is not switched on (GEOCODER_URL)"
        )
        click.echo(
            f"{result.without_location} premises have no location because {reason}. "
            "They can be placed on the map when they are visited."
        )


def _echo_report(plan: imports.Plan) -> None:
    click.echo(
        f"{plan.new} new, {plan.updated} updated, {plan.unchanged} unchanged, "
        f"{plan.bad} with problems."
    )
    if plan.problems:
        click.echo("These rows have problems and will not be imported:")
        for problem in plan.problems:
            click.echo(f"  {problem}")
    not_found = plan.without_location("not_found")
    if not_found:
        click.echo(
            f"{len(not_found)} addresses could not be found on the map; those premises will "
            "have no location: " + ", ".join(f"line {e.row.line}" for e in not_found[:50])
        )


def _look_up(db, queries: list[str], geocoder: geo.Geocoder) -> None:
    """Look the addresses up at the geocoder's rate limit, with a progress bar."""
    failures = 0
    with click.progressbar(length=len(queries), label="Looking up addresses") as bar:
        for _query, outcome in geocoder.geocode_many(db, queries):
            bar.update(1)
            failures = failures + 1 if isinstance(outcome, geo.GeocoderUnavailable) else 0
            if failures >= MAX_FAILURES_IN_A_ROW:
                break
    if failures >= MAX_FAILURES_IN_A_ROW:
        click.echo(
            "The address lookup service could not be reached, so the remaining addresses "
            "were not looked up."
        )


def reassess(db, config) -> str:
    """Recompute every premises' current risk with a progress bar; return the summary."""
    total = premises_q.count(db)
    with click.progressbar(length=total, label="Re-assessing premises", file=None) as bar:
        summary = premises_q.reassess_all(db, FlagRules.from_config(config), progress=bar.update)
    moves = "; ".join(f"{move}: {count}" for move, count in summary["moves"].items())
    return (
        f"Re-assessed {summary['premises']} premises: {summary['level']} changed level"
        f"{f' ({moves})' if moves else ''}; {summary['flag_on']} newly flagged and "
        f"{summary['flag_off']} no longer flagged."
    )


@premises_group.command("reassess")
def reassess_command() -> None:
    """Recompute every premises' current risk from its stored visits.

    Each visit keeps the result of the checklist version it was recorded with; a visit that
    could not judge the risk (closed, refused entry, too little checked) never counts.
    Safe to run again: a second run changes nothing.
    """
    click.echo(reassess(get_db(), current_app.config))
