"""Joint operations: plan from the map or list, brief the team, record what was found."""

from flask import Flask

from fieldapp.web.operations.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Register the operations pages."""
    app.register_blueprint(bp)
