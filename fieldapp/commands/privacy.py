"""``flask --app fieldapp privacy data-map``: the data map as Markdown, for the council's DPO.

Built from the live schema, fieldapp/privacy/data_map.toml and the configured checklist
folder's export profiles and retention schedule; docs/data-map.md is its output.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import agencies
from fieldapp.checklists import RETENTION_FILE, load_retention
from fieldapp.db import get_db
from fieldapp.exports import profiles
from fieldapp.privacy import data_map
from fieldapp.queries import schema

privacy_group = AppGroup("privacy", help="Personal data: the data map.")


def build(db, directory: Path) -> tuple[str, list[str]]:
    """The data map's Markdown and any table or column it lacks an entry for."""
    tables = schema.tables(db)
    data = data_map.load()
    found = data_map.problems(tables, data)
    if found:
        return "", found
    agency_list = agencies.load(directory)
    names = {a: agencies.name(a, agency_list) for a in agency_list}
    text = data_map.render(
        tables, data, profiles.load(directory), names, load_retention(directory / RETENTION_FILE)
    )
    return text, []


@privacy_group.command("data-map")
def data_map_command() -> None:
    """Print the data map (Markdown): every table and column holding personal data."""
    text, found = build(get_db(), Path(current_app.config["CHECKLIST_DIR"]))
    for problem in found:
        click.echo(problem, err=True)
    if found:
        raise click.exceptions.Exit(1)
    click.echo(text, nl=False)
