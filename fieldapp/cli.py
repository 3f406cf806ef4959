"""Shell commands: ``flask --app fieldapp users ...``, ``... audit verify`` and ``... demo ...``."""

from __future__ import annotations

import click
from flask import Flask, current_app

from fieldapp import audit, reference
from fieldapp.db import get_db
from fieldapp.permissions import ROLES
from fieldapp.queries import users as users_q


def _user_id(username: str) -> int:
    user = users_q.find_by_username(get_db(), username)
    if user is None:
        raise click.ClickException(f"No user called {username}. Check the spelling.")
    return user["id"]


def init_app(app: Flask) -> None:
    """Register the command groups."""

    @app.cli.group("users")
    def users_group() -> None:
        """Manage user accounts."""

    @users_group.command("create")
    @click.argument("username")
    @click.option("--name", "display_name", required=True, help="The person's full name.")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--agency", help="Agency id, for partner users (see checklists/agencies.toml).")
    @click.password_option(help="Prompted for if not given.")
    def create_user(username, display_name, role, agency, password) -> None:
        """Create a user account."""
        try:
            user_id = users_q.create(
                get_db(),
                username=username,
                display_name=display_name,
                role=role,
                agency=agency,
                password=password,
            )
        except users_q.UserError as error:
            raise click.ClickException(f"{error.field}: {error.message}") from None
        click.echo(f"Created {role} {username} (id {user_id}).")

    @users_group.command("disable")
    @click.argument("username")
    def disable_user(username) -> None:
        """Disable an account and end its sessions."""
        users_q.set_active(get_db(), _user_id(username), False)
        click.echo(f"Disabled {username}. Their sessions have ended.")

    @users_group.command("enable")
    @click.argument("username")
    def enable_user(username) -> None:
        """Enable a disabled account."""
        users_q.set_active(get_db(), _user_id(username), True)
        click.echo(f"Enabled {username}.")

    @users_group.command("reset-password")
    @click.argument("username")
    @click.password_option(help="Prompted for if not given.")
    def reset_user_password(username, password) -> None:
        """Set a new password for an account and end its sessions."""
        try:
            users_q.reset_password(get_db(), _user_id(username), password)
        except users_q.UserError as error:
            raise click.ClickException(f"{error.field}: {error.message}") from None
        click.echo(f"Password for {username} reset. Their sessions have ended.")

    @users_group.command("list")
    def list_users() -> None:
        """List accounts."""
        for user in users_q.all_users(get_db()):
            state = "active" if user["active"] else "disabled"
            agency = f" ({user['agency']})" if user["agency"] else ""
            click.echo(f"{user['username']}\t{user['role']}{agency}\t{state}")

    @app.cli.group("audit")
    def audit_group() -> None:
        """Check the audit trail."""

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

    @app.cli.group("demo")
    def demo_group() -> None:
        """Demo data for trying the app."""

    @demo_group.command("load")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database has users.")
    @click.option("--seed", default=2026, show_default=True, help="Same seed, same data.")
    def load_demo(if_empty: bool, seed: int) -> None:
        """Create demo users, premises and visits, and print the demo logins."""
        from fieldapp import demo

        db = get_db()
        if if_empty and db["users"].count:
            click.echo("The database already has data; demo data not loaded.")
        else:
            summary = demo.load(
                db, seed=seed, instance_path=current_app.instance_path, reference=reference.get()
            )
            click.echo(summary)
        click.echo(demo.logins_text(current_app.instance_path))
