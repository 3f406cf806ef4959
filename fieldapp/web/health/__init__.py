"""The health check a load balancer or monitor polls."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask import Blueprint, current_app

from fieldapp import queries
from fieldapp.db import get_db
from fieldapp.permissions import public

bp = Blueprint("health", __name__)


def free_mb(path: str) -> int:
    """Free space, in whole megabytes, on the disk holding ``path`` (or, before it exists,
    its nearest folder that does)."""
    folder = Path(path).resolve()
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return shutil.disk_usage(folder).free // 1_048_576


@bp.route("/healthz")  # the conventional address monitors look for
@public
def healthz():
    """Tell a load balancer or monitor that the app and its database answer, and how much
    room the database and the photos have left.

    Still 200 when space runs low: the app works, and a load balancer should keep sending
    it requests. "degraded" is for the monitor, which should tell someone.
    """
    queries.ping(get_db())
    config = current_app.config
    storage = {
        "database": {"free_mb": free_mb(str(Path(config["DATABASE"]).parent))},
        "uploads": {"free_mb": free_mb(config["UPLOAD_DIR"])},
    }
    warn = config["STORAGE_WARN_FREE_MB"]
    low = sorted(name for name, disk in storage.items() if disk["free_mb"] < warn)
    body: dict = {"status": "degraded" if low else "ok", "storage": storage}
    if low:
        body["problems"] = [f"{name}: under {warn} MB free" for name in low]
    return body
