"""The premises register in bulk: import a CSV file from the web page or the shell.

The rules (reading, checking, matching) are in :mod:`fieldapp.imports`; this package adds the
pages, the ``flask premises import`` command, and the one transaction both write in.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app
from sqlite_utils import Database

from fieldapp import audit, geo, imports
from fieldapp.db import write_transaction

bp = Blueprint("register", __name__, url_prefix="/register")


def run_import(
    db: Database, parsed: imports.ParsedFile, *, source: str, created_by: int | None = None
) -> tuple[imports.Plan, imports.Result]:
    """Import every good row of ``parsed`` in one transaction, or nothing at all.

    The plan is made again inside the transaction: the register may have changed since the
    file was checked, and importing the same file twice must not add anything twice.
    """
    with write_transaction(db):
        plan = imports.plan(db, parsed)
        # audit.record is looked up now, not at import time, so tests can replace it.
        result = imports.write(db, plan, record=audit.record, source=source, created_by=created_by)
    return plan, result


def shared_geocoder() -> geo.Geocoder:
    """This process's geocoder, shared with the add-a-premises page so one rate limit holds."""
    geocoder = current_app.extensions.get("fieldapp.geocoder")
    if geocoder is None:
        geocoder = current_app.extensions["fieldapp.geocoder"] = geo.from_config(current_app.config)
    return geocoder


def init_app(app: Flask) -> None:
    """Register the pages and the ``premises`` command group."""
    from fieldapp.register import cli

    app.register_blueprint(bp)
    cli.init_app(app)


from fieldapp.register import views  # noqa: E402,F401 - registers routes on bp
