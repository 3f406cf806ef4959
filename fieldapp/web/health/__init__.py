"""The health check a load balancer or monitor polls."""

from __future__ import annotations

from flask import Blueprint

from fieldapp import queries
from fieldapp.db import get_db
from fieldapp.permissions import public

bp = Blueprint("health", __name__)


@bp.route("/healthz")  # the conventional address monitors look for
@public
def healthz():
    """Tell a load balancer or monitor that the app and its database answer."""
    queries.ping(get_db())
    return {"status": "ok"}
