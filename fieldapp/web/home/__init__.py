"""The home page each role lands on."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from fieldapp import training
from fieldapp.db import get_db
from fieldapp.permissions import ROLES, allow
from fieldapp.queries import training as training_q
from fieldapp.timeutil import uk_today

bp = Blueprint("home", __name__)


def _own_training() -> dict | None:
    """An officer's latest first responder training and whether it is in date."""
    today = uk_today()
    latest = training_q.latest_for_user(get_db(), current_user.id, today)
    months = training.refresh_months(current_app.config)
    day = date.fromisoformat(latest["trained_on"]) if latest else None
    return {
        "latest": latest,
        "due_on": training_q.refresh_due(day, months) if day else None,
        "standing": training_q.standing(day, today, months),
    }


@bp.route("/")  # the root: where everyone lands after signing in
@allow(*ROLES)
def index():
    """Show the signed-in user what their role can do, and an officer their training."""
    own = _own_training() if current_user.role in training_q.OFFICER_ROLES else None
    return render_template("home/home.html", own_training=own)
