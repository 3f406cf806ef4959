"""The signed-in user: loaded for each request, and named on the audit trail."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, has_request_context, redirect, request, url_for
from flask_login import LoginManager, UserMixin, current_user

from fieldapp import sessions
from fieldapp.audit import COMMAND_LINE, Actor
from fieldapp.db import get_db
from fieldapp.http import wants_json

login_manager = LoginManager()


@dataclass(frozen=True)
class User(UserMixin):
    """The signed-in user, as the rest of the app sees them."""

    id: int
    username: str
    display_name: str
    role: str
    agency: str | None
    # The server-side session's token (fieldapp.sessions); None outside a signed-in request.
    session_token: str | None = None

    @classmethod
    def from_row(cls, row: dict, session_token: str | None = None) -> User:
        """Build from a ``users`` row."""
        return cls(
            id=row["id"],
            username=row["username"],
            display_name=row["display_name"],
            role=row["role"],
            agency=row["agency"],
            session_token=session_token,
        )

    def get_id(self) -> str:
        """The cookie holds only the session token: the server decides whether it is live."""
        return self.session_token or ""


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The user of this live session; None (signed out) once it has ended or gone idle,
    or the account was disabled, even if the cookie is replayed."""
    if not token:
        return None
    row = sessions.user_for(get_db(), token, current_app.permanent_session_lifetime)
    return User.from_row(row, token) if row else None


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
