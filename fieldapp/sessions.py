"""Session cookies that are marked Secure whenever the request came over HTTPS."""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class FieldappSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with Secure decided per request.

    A fixed SESSION_COOKIE_SECURE would either break plain-HTTP use on localhost or leave
    the cookie unprotected behind HTTPS; asking the request gets both right.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        """Mark the cookie Secure when configured to, or when this request is HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    """Install the session interface."""
    app.session_interface = FieldappSessionInterface()
