"""Working without a signal: the service worker, the outbox page and the offline page."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, render_template, request

from fieldapp.permissions import FIELD_ROLES, allow, public
from fieldapp.web.offline import worker

bp = Blueprint("offline", __name__)
KEY = "fieldapp.offline.worker"


def init_app(app: Flask) -> None:
    """Build the service worker once, from the static files as they are when the app starts.

    A missing kept file stops the start: a phone could not install a worker whose shell
    it cannot fetch.
    """
    app.extensions[KEY] = worker.build(Path(app.static_folder))


# These three sit at the root: a service worker looks after only the pages under its own
# address, and phones that installed it keep these addresses in their cache.
@bp.route("/sw.js")
@public
def service_worker():
    """The service worker, served from the root so it may look after every page.

    ``no-cache``: the browser asks again every time it checks for a new worker, so no HTTP
    cache between here and the phone can hold an old release on it.
    """
    sw: worker.Worker = current_app.extensions[KEY]
    response = current_app.response_class(sw.script, mimetype="text/javascript")
    response.set_etag(sw.version)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response.make_conditional(request)


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
