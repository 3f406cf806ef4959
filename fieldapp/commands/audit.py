"""``flask --app fieldapp audit verify`` and ``audit anchor``: check the audit trail's chain,
and write its head down somewhere the database's owner cannot reach."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from fieldapp import audit
from fieldapp.db import get_db

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
@click.option(
    "--anchor",
    "anchor_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of anchors from `flask audit anchor`: the trail must still hold each.",
)
def verify_audit(anchor_file: Path | None) -> None:
    """Check every row's hash and link, and every anchor; report the first broken link
    and each anchor that no longer matches (exit 1 if any)."""
    anchors = []
    if anchor_file is not None:
        try:
            anchors = audit.parse_anchors(anchor_file.read_text(encoding="utf-8"), anchor_file.name)
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    result = audit.verify(get_db(), anchors)
    click.echo(result.message())
    if result.intact and result.last_hash:
        # Written down somewhere else (a ticket, an email), this lets a later check show
        # that nobody rewrote the whole chain from an earlier point.
        click.echo(f"latest row hash: {result.last_hash}")
    if not result.intact:
        raise SystemExit(1)


@audit_group.command("anchor")
@click.option(
    "--to",
    "to_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append the anchor to this file (keep it, or a copy, away from the database).",
)
def anchor_audit(to_file: Path | None) -> None:
    """Print the trail's head now (row count, last hash, time), and append it to a file.

    Run daily (cron or a systemd timer) and keep the file elsewhere: `audit verify
    --anchor FILE` then shows whether rows were since removed or rewritten.
    """
    line = audit.head(get_db()).line()
    click.echo(line)
    if to_file is not None:
        with open(to_file, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
