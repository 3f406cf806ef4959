"""``flask --app fieldapp users ...``: create, disable, enable, reset, unlock, sign out and
list accounts; everything held about one (``records``) and anonymising a leaver."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from fieldapp import accounts, audit, sessions, staff
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


@users_group.command("records")
@click.argument("username")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write the JSON to this file (default: print it).",
)
def user_records(username, out) -> None:
    """Everything held about one member of staff, as JSON (a subject access request)."""
    user_id = _user_id(username)
    found = staff.subject_access(get_db(), user_id)
    text = json.dumps(found, indent=2, ensure_ascii=False, default=str)
    audit.record("user.subject_access", "users", user_id, db=get_db())
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        counts = ", ".join(f"{p['count']} {name}" for name, p in found["parts"].items())
        click.echo(f"Wrote everything held about {username} to {out}: {counts}.")
    else:
        click.echo(text)


@users_group.command("anonymise")
@click.argument("username")
@click.option("--yes", is_flag=True, help="Do it without asking (for scripts).")
def anonymise_user(username, yes) -> None:
    """Disable a leaver's account and replace their name with a pseudonym; the records
    they made stay, attributed to the pseudonym."""
    user_id = _user_id(username)
    name, _ = staff.pseudonym(user_id)
    if not yes and not click.confirm(
        f"Disable {username}, end their sessions and rename the account {name!r}? This "
        "cannot be undone.",
        default=False,
    ):
        raise click.ClickException("Nothing changed.")
    now = staff.anonymise(get_db(), user_id)
    click.echo(
        f"{username} is now {now['display_name']} ({now['username']}), disabled. {staff.KEPT_NOTE}"
    )
