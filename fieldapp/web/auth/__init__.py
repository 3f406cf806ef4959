"""Signing in and out, and who the signed-in user is on every request."""

from __future__ import annotations

from flask import Flask

from fieldapp import audit
from fieldapp.web.auth import proxy
from fieldapp.web.auth.users import User, current_actor, login_manager
from fieldapp.web.auth.views import bp

__all__ = ["User", "bp", "init_app", "login_manager"]


def init_app(app: Flask) -> None:
    """Set up Flask-Login, name the signed-in user on the audit trail, register the pages."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    # Strong protection signs a user out if their session cookie turns up from another
    # browser; "basic" would only flag it, which matters little without remember-me.
    login_manager.session_protection = "strong"
    audit.set_actor_source(current_actor)
    proxy.init_app(app)
    app.register_blueprint(bp)
