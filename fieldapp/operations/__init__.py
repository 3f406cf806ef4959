"""Joint operations: plan from the map or list, brief the team, record what was found."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("operations", __name__, url_prefix="/operations")


def init_app(app: Flask) -> None:
    """Register the operations pages."""
    app.register_blueprint(bp)


from fieldapp.operations import views  # noqa: E402,F401 - registers routes on bp
