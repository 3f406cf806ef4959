"""Finding, adding and viewing premises."""

from flask import Blueprint

bp = Blueprint("premises", __name__, url_prefix="/premises")

from fieldapp.premises import views  # noqa: E402,F401 - registers routes on bp
