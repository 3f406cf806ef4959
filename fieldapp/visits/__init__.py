"""The inspector's visit: the checklist form, the result, referrals, amendments, photos."""

from flask import Blueprint

bp = Blueprint("visits", __name__)

from fieldapp.visits import views  # noqa: E402,F401 - registers routes on bp
