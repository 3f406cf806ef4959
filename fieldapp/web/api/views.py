"""The two answers the phone's own scripts fetch while signed in: the session and the
checklists (the partner systems' API is in ``v1``)."""

from __future__ import annotations

from flask import Blueprint, current_app
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from fieldapp.db import get_db
from fieldapp.permissions import FIELD_ROLES, ROLES, allow
from fieldapp.web import checklists

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/session")
@allow(*ROLES)
def session_info():
    """Who is signed in and a current form token, for the outbox before it sends."""
    return {"user_id": current_user.id, "csrf_token": generate_csrf()}


@bp.route("/checklists.json")
@allow(*FIELD_ROLES)
def checklist_data():
    """Both checklists, the wage rates and the safeguarding routes, for use offline.

    The page scores a visit on the phone from this while there is no signal (marked
    provisional); the server's score, from the same data, is the one stored.
    """
    folder = checklists.current()
    response = current_app.json.response(checklists.for_phone(folder, get_db()))
    response.headers["Cache-Control"] = "private, no-cache"
    return response
