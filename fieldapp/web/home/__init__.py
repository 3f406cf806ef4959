"""The home page each role lands on."""

from __future__ import annotations

from flask import Blueprint, render_template

from fieldapp.permissions import ROLES, allow

bp = Blueprint("home", __name__)


@bp.route("/")  # the root: where everyone lands after signing in
@allow(*ROLES)
def index():
    """Show the signed-in user what their role can do."""
    return render_template("home/home.html")
