"""The coordinator's risk map and list of sites, and manual flagging."""

from flask import Blueprint

bp = Blueprint("sites", __name__)

from fieldapp.sites import views  # noqa: E402,F401 - registers routes on bp
