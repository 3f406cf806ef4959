"""The signed-in user: loaded for each request, and named on the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, has_request_context, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from fieldapp.audit import COMMAND_LINE, Actor
from fieldapp.db import get_db
from fieldapp.http import wants_json
from fieldapp.queries import NotFoundError
from fieldapp.queries import users as users_q

login_manager = LoginManager()


@dataclass(frozen=True)
class User(UserMixin):
    """The signed-in user, as the rest of the app sees them."""

    id: int
    username: str
    display_name: str
    role: str
    agency: str | None
    session_version: int

    @classmethod
    def from_row(cls, row: dict) -> User:
        """Build from a ``users`` row."""
        return cls(
            id=row["id"],
            username=row["username"],
            display_name=row["display_name"],
            role=row["role"],
            agency=row["agency"],
            session_version=row["session_version"],
        )

    def get_id(self) -> str:
        """The session holds the id and the session version, so a reset ends old sessions."""
        return f"{self.id}:{self.session_version}"


@login_manager.user_loader
def load_user(value: str) -> User | None:
    """Load the user for this session; None (signed out) if disabled or reset since."""
    try:
        user_id, version = (int(part) for part in value.split(":"))
        row = users_q.get(get_db(), user_id)
    except (ValueError, NotFoundError):
        return None
    if not row["active"] or row["session_version"] != version:
        return None
    return User.from_row(row)


@login_manager.unauthorized_handler
def _unauthorized():
    """Pages go to the sign-in page; the outbox's requests get a 401 it can act on."""
    if wants_json():
        return {"error": "Sign in again to send.", "status": 401, "reason": "signed_out"}, 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def current_actor() -> Actor:
    """Who the audit trail records: the signed-in user and their address, in a request."""
    if not has_request_context():
        return COMMAND_LINE
    if current_user.is_authenticated:
        return Actor(current_user.id, current_user.username, request.remote_addr)
    return Actor(None, None, request.remote_addr)
