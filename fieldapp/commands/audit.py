"""``flask --app fieldapp audit verify``: check the audit trail's chain of hashes."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fieldapp import audit
from fieldapp.db import get_db

audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
def verify_audit() -> None:
    """Check every row's hash and link; report the first broken link (exit 1 if any)."""
    result = audit.verify(get_db())
    click.echo(result.message())
    if result.intact and result.last_hash:
        # Written down somewhere else (a ticket, an email), this lets a later check show
        # that nobody rewrote the whole chain from an earlier point.
        click.echo(f"latest row hash: {result.last_hash}")
    if not result.intact:
        raise SystemExit(1)
