"""``flask --app fieldapp backup create DIR / verify FILE / restore FILE``: backups of the
database and photos that can be checked, and restored into an empty installation."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from fieldapp import backup, restore

backup_group = AppGroup("backup", help="Back up, check and restore the database and photos.")


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(f"problem: {line}", err=True)
    raise SystemExit(1)


@backup_group.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def create_command(directory: Path) -> None:
    """Write a backup archive into DIRECTORY (safe while the app is running)."""
    try:
        written = backup.create(current_app.config, directory)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    manifest = written.manifest
    head = manifest["audit_head"]
    click.echo(f"wrote {written.path}")
    click.echo(
        f"  {sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
        f"{len(manifest['files']) - 1} photo files, {len(manifest['schema'])} migrations"
    )
    click.echo(
        f"  audit trail head: {head['rows']} rows, latest row {head['id']} mac {head['mac']}"
    )
    click.echo(f"sha256 {written.sha256}  {written.path.name}")
    for name in manifest["missing"]:
        click.echo(f"warning: {name} is named by the database but was not found", err=True)


@backup_group.command("verify")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def verify_command(archive: Path) -> None:
    """Check ARCHIVE without restoring it: hashes, integrity, row counts and photos."""
    try:
        manifest, problems = restore.verify(archive)
    except backup.BackupError as error:
        _fail([str(error)])
    if problems:
        _fail(problems)
    click.echo(
        f"{archive.name}: backup of {manifest['created_at']} verifies: "
        f"the database ({sum(manifest['tables'].values())} rows) and "
        f"{len(manifest['files']) - 1} photo files"
    )


@backup_group.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(archive: Path) -> None:
    """Restore ARCHIVE into this installation, which must be empty, and check the result."""
    try:
        result = restore.restore(current_app.config, archive)
    except backup.BackupError as error:
        _fail([str(error)])
    for line in result.lines:
        click.echo(line)
    if result.problems:
        click.echo("restored, but the checks found problems:", err=True)
        _fail(result.problems)
