"""Working without a signal: the service worker, the outbox page and the offline page."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from fieldapp.permissions import FIELD_ROLES, allow, public

bp = Blueprint("offline", __name__)


# These three sit at the root: a service worker looks after only the pages under its own
# address, and phones that installed it keep these addresses in their cache.
@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, served from the root so it may look after every page."""
    response = current_app.send_static_file("js/sw.js")
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.route("/outbox")
@allow(*FIELD_ROLES)
def outbox():
    """The visits waiting on this phone (listed by the page from the phone's own storage)."""
    return render_template("offline/outbox.html")


@bp.route("/offline")
@public
def offline():
    """Shown by the service worker for a page that is not kept on the phone."""
    return render_template("offline/offline.html")
