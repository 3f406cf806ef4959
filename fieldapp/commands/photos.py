"""``flask --app fieldapp photos sweep``: clear photo files no committed visit owns.

Left by a crash between writing a photo and committing its visit, or by a form shown
again with errors and never sent (see fieldapp.photos). Also run when the app starts, at
most once an hour.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from fieldapp import photos
from fieldapp.queries import connect
from fieldapp.queries import visits as visits_q

photos_group = AppGroup("photos", help="Look after visit photo files.")
MARKER = ".last-sweep"  # in UPLOAD_DIR; its modification time is the last sweep's
START_REPORT = "fieldapp.photo_sweep_on_start"  # app.extensions key


@photos_group.command("sweep")
@click.option(
    "--older-than-minutes",
    type=click.IntRange(min=0),
    default=photos.SWEEP_AGE_SECONDS // 60,
    show_default=True,
    help="Leave files younger than this (a visit may still be being sent).",
)
def sweep_command(older_than_minutes: int) -> None:
    """Remove pending, staged and orphan photo files; report each one."""
    report = sweep(current_app.config, older_than_minutes * 60)
    # Starting the app for this command may have swept already: report that too.
    started = current_app.extensions.get(START_REPORT)
    if started is not None:
        report.removed[:0] = started.removed
        report.finalised[:0] = started.finalised
    for line in report.lines():
        click.echo(line)


def sweep(config, max_age_seconds: int = photos.SWEEP_AGE_SECONDS) -> photos.SweepReport:
    """Sweep this installation's visit photo folders and note when it was done."""
    upload_dir = Path(config["UPLOAD_DIR"])
    db = connect(config["DATABASE"], config["SQLITE_BUSY_TIMEOUT_MS"])
    try:
        report = photos.sweep(
            upload_dir / "visits",
            lambda photo_id: visits_q.photo_stored(db, photo_id),
            max_age_seconds,
        )
    finally:
        db.conn.close()
    upload_dir.mkdir(parents=True, exist_ok=True)
    (upload_dir / MARKER).touch()
    return report


def sweep_on_start(app: Flask) -> None:
    """Sweep when the app starts, unless there is nothing to sweep or it ran in the last hour.

    Cheap by design: two file checks on most starts. Several workers starting at once may
    each sweep; that is harmless, as a sweep only touches files older than an hour.
    """
    upload_dir = Path(app.config["UPLOAD_DIR"])
    if not (upload_dir / "visits").is_dir() or not Path(app.config["DATABASE"]).is_file():
        return
    try:
        if time.time() - (upload_dir / MARKER).stat().st_mtime < photos.SWEEP_AGE_SECONDS:
            return
    except FileNotFoundError:
        pass
    try:
        report = sweep(app.config)
    except sqlite3.OperationalError:  # a database not yet migrated has no photos table
        return
    app.extensions[START_REPORT] = report
    if report.removed or report.finalised:
        app.logger.info("photo sweep on start: %s", "; ".join(report.lines()))
