"""``flask --app fieldapp users ...``: create, disable, enable, reset, unlock, sign out and
list accounts."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from fieldapp import accounts, audit, sessions
from fieldapp.db import get_db
from fieldapp.permissions import ROLES
from fieldapp.queries import users as users_q

users_group = AppGroup("users", help="Manage user accounts.")


def _user_id(username: str) -> int:
    user = users_q.find_by_username(get_db(), username)
    if user is None:
        raise click.ClickException(f"No user called {username}. Check the spelling.")
    return user["id"]


@users_group.command("create")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", help="Agency id, for partner users (see checklists/agencies.toml).")
@click.password_option(help="Prompted for if not given.")
def create_user(username, display_name, role, agency, password) -> None:
    """Create a user account."""
    try:
        user_id = accounts.create(
            get_db(),
            username=username,
            display_name=display_name,
            role=role,
            agency=agency,
            password=password,
        )
    except accounts.UserError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(f"Created {role} {username} (id {user_id}).")


@users_group.command("disable")
@click.argument("username")
def disable_user(username) -> None:
    """Disable an account and end its sessions."""
    accounts.set_active(get_db(), _user_id(username), False)
    click.echo(f"Disabled {username}. Their sessions have ended.")


@users_group.command("enable")
@click.argument("username")
def enable_user(username) -> None:
    """Enable a disabled account."""
    accounts.set_active(get_db(), _user_id(username), True)
    click.echo(f"Enabled {username}.")


@users_group.command("reset-password")
@click.argument("username")
@click.password_option(help="Prompted for if not given.")
def reset_user_password(username, password) -> None:
    """Set a new password for an account and end its sessions."""
    try:
        accounts.reset_password(get_db(), _user_id(username), password)
    except accounts.UserError as error:
        raise click.ClickException(f"{error.field}: {error.message}") from None
    click.echo(f"Password for {username} reset. Their sessions have ended.")


@users_group.command("unlock")
@click.argument("username")
def unlock_user(username) -> None:
    """Clear an account's sign-in delays so its owner can try again at once."""
    cleared = accounts.unlock(get_db(), _user_id(username))
    click.echo(f"{username} can sign in again straight away ({cleared} failed attempts cleared).")


@users_group.command("sign-out")
@click.argument("username")
def sign_out_user(username) -> None:
    """End every session an account has (a lost phone)."""
    user_id = _user_id(username)
    ended = sessions.end_all(get_db(), user_id, "signed out from the command line")
    audit.record("user.sign_out_everywhere", "users", user_id, db=get_db(), ended=ended)
    click.echo(f"Signed {username} out everywhere ({ended} sessions ended).")


@users_group.command("list")
def list_users() -> None:
    """List accounts."""
    for user in users_q.all_users(get_db()):
        state = "active" if user["active"] else "disabled"
        agency = f" ({user['agency']})" if user["agency"] else ""
        click.echo(f"{user['username']}\t{user['role']}{agency}\t{state}")
