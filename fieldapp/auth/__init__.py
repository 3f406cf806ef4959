"""Signing in and out, and loading the signed-in user for each request."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, flash, redirect, request, url_for
from flask_login import LoginManager, UserMixin

from fieldapp.db import get_db
from fieldapp.queries import NotFoundError
from fieldapp.queries import users as users_q

bp = Blueprint("auth", __name__)
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


def _unauthorized():
    """Pages go to the sign-in page; the outbox's requests get a 401 it can act on."""
    wants_json = request.accept_mimetypes.best_match(["text/html", "application/json"])
    if wants_json == "application/json" or request.path.startswith("/api/"):
        return {"error": "Sign in again to send.", "status": 401, "reason": "signed_out"}, 401
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    """Set up Flask-Login and register the sign-in routes."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # Strong protection signs a user out if their session cookie turns up from another
    # browser; "basic" would only flag it, which matters little without remember-me.
    login_manager.session_protection = "strong"
    login_manager.unauthorized_handler(_unauthorized)
    from fieldapp.auth import views  # noqa: F401 - registers routes on bp

    app.register_blueprint(bp)
