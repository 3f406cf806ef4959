"""What machines ask for: the partner systems' API (``/api/v1``, by token) and the two
answers the phone's own scripts fetch while signed in (the session and the checklists)."""

from __future__ import annotations

from flask import Flask

from fieldapp.http import csrf
from fieldapp.web.api import aggregates, v1
from fieldapp.web.api.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Partner systems authenticate with a bearer token, not a session cookie, so a forged
    cross-site request has nothing to ride on: the token API needs no form token."""
    csrf.exempt(v1.flagged_sites)
    csrf.exempt(v1.openapi)
    csrf.exempt(aggregates.aggregate_figures)
