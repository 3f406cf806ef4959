"""``flask --app fieldapp places load-postcodes FILE``, ``load-uprns FILE`` and ``status``:
the postcodes and UPRNs held for placing premises without a geocoder."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import click
from flask.cli import AppGroup

from fieldapp import places
from fieldapp.db import get_db

places_group = AppGroup("places", help="Postcodes and UPRNs from open data, for offline lookups.")

_FILE = click.Path(exists=True, file_okay=True, dir_okay=True, path_type=Path)


@places_group.command("load-postcodes")
@click.argument("file", type=_FILE)
def load_postcodes_command(file: Path) -> None:
    """Load the ONS Postcode Directory or Code-Point Open.

    FILE is the ONSPD CSV (ONSPD_..._UK.csv), or Code-Point Open as OS ships it: the zip,
    its Data/CSV folder or one of its CSV files. Loading again is safe: each postcode keeps
    one row, and a live postcode is never replaced by a terminated one. The load is one
    transaction (under a minute for all 2.7 million UK postcodes), during which visits
    being sent wait; phones send them again if they time out.
    """
    _load(places.load_postcodes, file, "Loading postcodes")


@places_group.command("load-uprns")
@click.argument("file", type=_FILE)
def load_uprns_command(file: Path) -> None:
    """Load OS Open UPRN: your area's extract, a CSV with the header
    UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE (or OS's zip of it)."""
    _load(places.load_uprns, file, "Loading UPRNs")


@places_group.command("status")
def status_command() -> None:
    """Say how many postcodes and UPRNs are held, and when each was last loaded."""
    for line in places.describe_summary(places.summary(get_db())):
        click.echo(line)


def _load(load, file: Path, label: str) -> None:
    """Run ``load`` on ``file`` with a progress bar by bytes read, then the summary. The bar
    starts only once the file is recognised, so a refusal comes on its own."""
    with ExitStack() as stack:
        bars = []

        def started(total: int) -> None:
            bars.append(stack.enter_context(click.progressbar(length=total, label=label)))

        try:
            report = load(get_db(), file, progress=lambda n: bars[0].update(n), started=started)
        except places.PlacesFileError as error:
            raise click.ClickException(error.message) from None
    for line in places.describe(report):
        click.echo(line)
