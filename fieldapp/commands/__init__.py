"""Shell commands, one module per ``flask --app fieldapp GROUP ...`` group."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    # Imported here, not at the top, so ``python -m fieldapp.commands.checklists`` runs its
    # module once (it must work while the app cannot start).
    from fieldapp.commands import (
        audit,
        backup,
        checklists,
        db,
        demo,
        photos,
        places,
        premises,
        privacy,
        retention,
        users,
    )

    for group in (
        db.db_group,
        users.users_group,
        audit.audit_group,
        backup.backup_group,
        demo.demo_group,
        premises.premises_group,
        checklists.group,
        photos.photos_group,
        places.places_group,
        retention.retention_group,
        privacy.privacy_group,
    ):
        app.cli.add_command(group)
    # Photo files a crash or an abandoned form left behind (at most once an hour).
    photos.sweep_on_start(app)
