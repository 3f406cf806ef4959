"""``flask --app fieldapp premises import FILE [--mapping NAME|FILE] [--dry-run | --yes]``:
check a CSV file with a column mapping, then import it."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import geo, imports
from fieldapp.db import get_db
from fieldapp.imports import presets, run_import
from fieldapp.imports.mapping import FIELDS, SECTOR_CHOICES
from fieldapp.queries import premises as premises_q
from fieldapp.queries import transaction
from fieldapp.sitefilter import FlagRules

# Give up looking addresses up after this many failures in a row: the server is down. A
# later run of the same file looks up whatever is still missing.
MAX_FAILURES_IN_A_ROW = 3


# How the rows an import writes are placed, for its report.
PLACED_WORDS = {
    "file": "from the file's coordinates",
    "register": "kept from the register",
    "uprn": "at their UPRN's address point",
    "lookup": "found by address lookup",
    "postcode": "at their postcode's centre",
    "not_looked_up": "with none (not looked up)",
    "not_found": "with none (address not found)",
}

premises_group = AppGroup("premises", help="The premises register.")


@premises_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "mapping_name",
    metavar="NAME|FILE",
    help="A saved or shipped mapping's name, or a TOML mapping file. Without it the "
    "columns are guessed from the headings and shown.",
)
@click.option("--dry-run", is_flag=True, help="Only check and report: never write or look up.")
@click.option("--yes", is_flag=True, help="Import the good rows without asking.")
@click.option("--save-mapping", metavar="NAME", help="Save the mapping used under this name.")
def import_command(
    file: Path, mapping_name: str | None, dry_run: bool, yes: bool, save_mapping: str | None
) -> None:
    """Check a CSV file of premises and import its good rows.

    Each of our fields is read from the column the mapping names (see `flask premises
    mappings`); rows already on the register are updated. --dry-run reports what an import
    would do; --yes imports without asking.
    """
    with file.open("rb") as fh:
        data = fh.read(imports.MAX_BYTES + 1)
    db = get_db()
    try:
        table = imports.read_table(data)
        mapping = _mapping(db, mapping_name, table)
        parsed = imports.parse(data, mapping)
    except imports.ImportFileError as error:
        raise click.ClickException(error.message) from None
    plan = imports.plan(db, parsed)
    click.echo(f"Checked {file.name} (read as {parsed.encoding}).")
    _echo_mapping(mapping)
    for note in parsed.notes:
        click.echo(f"Note: {note}")
    _echo_report(plan)
    geocoder = geo.from_config(current_app.config)
    pending = plan.lookup_queries()
    count = len(plan.to_write)
    if pending:
        click.echo(
            f"{len(pending)} addresses would be looked up before importing."
            if geocoder.enabled
            else f"Address lookup is not switched on (GEOCODER_URL), so {len(pending)} "
            "premises would be imported without a location."
        )
    # Rows already on the register without a location may still be placed by a lookup.
    looking_up = bool(pending) and geocoder.enabled
    if dry_run or not (count or looking_up):
        click.echo("Nothing imported (a dry run)." if dry_run else "Nothing to import.")
        return
    count = count or len(pending)
    rows = "row" if count == 1 else "rows"
    # Asked only at a terminal: a script without --yes imports nothing.
    asked = sys.stdin.isatty() and click.confirm(f"Import {count} {rows}?", default=False)
    if not yes and not asked:
        click.echo(f"Nothing imported. Run again with --yes to import {count} {rows}.")
        return
    if save_mapping:
        _save_mapping(db, save_mapping, mapping)
    if looking_up:
        _look_up(db, pending, geocoder)
    _, result = run_import(db, imports.parse(data, mapping), source=file.name)
    _echo_result(result, geocoder.enabled)


def _mapping(db, name: str | None, table: imports.Table) -> imports.Mapping:
    """The mapping asked for by name or file, or the best fitting preset, or a guess."""
    if name is None:
        fits = presets.matching(db, table.headings)
        guessed = imports.proposed(table)
        return fits[0][1].filled_from(guessed) if fits else guessed
    path = Path(name)
    if path.suffix == ".toml" or path.is_file():
        return presets.from_file(path)
    preset = presets.find(db, name)
    if preset is None:
        known = ", ".join(f"'{p.name}'" for p in presets.every(db))
        raise imports.ImportFileError(
            f"There is no mapping called '{name}'. Use one of {known}, or the path of a "
            "TOML mapping file."
        )
    # A heading the preset names but this file lacks is left out, as on the web page; if
    # what is left cannot be used, parsing with the whole preset says which are missing.
    return preset.fit(table.headings) or preset.mapping


def _echo_mapping(mapping: imports.Mapping) -> None:
    source = f"the mapping '{mapping.name}'" if mapping.name else "guessed from the headings"
    click.echo(f"Columns ({source}):")
    for name, heading in mapping.columns.items():
        click.echo(f"  {FIELDS[name]}: {heading!r}")
    if mapping.sector_default:
        click.echo(f"  Every row is a {SECTOR_CHOICES[mapping.sector_default].lower()}")


def _save_mapping(db, name: str, mapping: imports.Mapping) -> None:
    try:
        with transaction(db):
            saved = presets.save(db, name, mapping, None)
    except imports.ImportFileError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Saved the mapping as '{saved}'.")


def _echo_result(result, geocoder_enabled: bool) -> None:
    click.echo(
        f"Imported: {len(result.created)} added, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged, {result.skipped} rows skipped."
    )
    if result.without_location:
        reason = (
            "their addresses were not found or the lookup service could not be reached"
            if geocoder_enabled
            else "address lookup is not switched on (GEOCODER_URL)"
        )
        click.echo(
            f"{result.without_location} premises have no location because {reason}. "
            "They can be placed on the map when they are visited."
        )


@premises_group.command("mappings")
def mappings_command() -> None:
    """List the import mappings: those saved here, then those that come with the app."""
    for preset in presets.every(get_db()):
        kind = "comes with the app" if preset.shipped else "saved"
        about = f": {preset.about}" if preset.about else ""
        click.echo(f"{preset.name} ({kind}){about}")


def _echo_report(plan: imports.Plan) -> None:
    click.echo(
        f"{plan.new} new, {plan.updated} updated, {plan.unchanged} unchanged, "
        f"{plan.bad} with problems."
    )
    skipped = plan.parsed.skipped
    if skipped:
        values = "; ".join(f"{v or '(empty)'} ({n})" for v, n in sorted(skipped.items()))
        count = plan.parsed.skipped_count
        click.echo(f"{count} {'row' if count == 1 else 'rows'} skipped for their sector: {values}")
    if plan.problems:
        click.echo("These rows have problems and will not be imported:")
        for problem in plan.problems:
            click.echo(f"  {problem}")
    placed = plan.placed_by()
    words = [(n, PLACED_WORDS[key]) for key, n in placed.items() if key in PLACED_WORDS]
    if words:
        click.echo("Map positions: " + "; ".join(f"{n} {w}" for n, w in words) + ".")
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
