"""Error pages: one template per status, JSON for API callers, and a friendly page for an
expired form. A record that does not exist (NotFoundError from the queries) is a 404 here,
once, so views never catch it themselves."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

from fieldapp import storage
from fieldapp.http import wants_json
from fieldapp.logs import log_unexpected
from fieldapp.queries import NotFoundError

PAGES = {400, 403, 404, 405, 413, 429, 500}


def handle_http(error: HTTPException):
    """Render the page for an HTTP error."""
    code = error.code or 500
    if code == 500:
        # Flask's own 500 for an error raised outside the view (a response hook, a handler).
        original = getattr(error, "original_exception", None) or error
        return _server_error(log_unexpected(original))
    if wants_json():
        return {"error": error.description, "status": code}, code
    template = f"error/{code}.html" if code in PAGES else "error/generic.html"
    return render_template(template, error=error), code


def handle_not_found(_error: NotFoundError):
    """A record asked for by id that does not exist: the same 404 as a missing page."""
    return handle_http(NotFound())


def handle_csrf(error: CSRFError):
    """A form whose token expired or is missing: explain and offer a way back."""
    if wants_json():
        return {
            "error": "Your session has expired or the security token is missing. "
            "Sign in again and resend.",
            "status": 400,
            "reason": "csrf",
        }, 400
    return render_template("error/csrf.html", error=error), 400


def handle_unexpected(error: Exception):
    """Anything not already an HTTP error is a 500 with a calm page. The log has the
    traceback under the request id the page shows, so a support call can find it."""
    if isinstance(error, HTTPException):
        return handle_http(error)
    if storage.is_full(error) or (storage.is_io_error(error) and _nearly_full()):
        return _out_of_storage(error)
    return _server_error(log_unexpected(error))


def _nearly_full() -> bool:
    database = Path(current_app.config["DATABASE"]).resolve().parent
    return storage.free_mb(database) < max(1, current_app.config["STORAGE_RESERVE_MB"])


def _out_of_storage(error: Exception):
    """507: nothing was stored for lack of space. The reserve is given up, so people can
    still sign in; logged as an error an administrator acts on (free space, or move the
    instance), without a traceback."""
    released = storage.release_reserve(current_app.config["DATABASE"])
    current_app.logger.error(
        "Out of storage on %s %s: %s%s",
        request.method,
        request.path,
        error.__class__.__name__,
        "; the storage reserve was given up so that people can still sign in" if released else "",
    )
    return out_of_storage_page()


def out_of_storage_page():
    """The 507 answer, for a write refused before it is tried too."""
    if wants_json():
        return {"error": storage.MESSAGE, "status": 507, "reason": "storage_full"}, 507
    return render_template("error/storage.html", message=storage.MESSAGE), 507


def _server_error(reference: str):
    if wants_json():
        return {
            "error": "Something went wrong on our side. Try again later; if it keeps "
            f"happening, quote this reference: {reference}",
            "status": 500,
            "reference": reference,
        }, 500
    return render_template("error/500.html", reference=reference), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(NotFoundError, handle_not_found)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
    storage.keep_reserve(app.config["DATABASE"], app.config["STORAGE_RESERVE_MB"])
    app.before_request(_watch_storage)


def _watch_storage() -> None:
    """Give the reserve up as soon as the disk is down to it, before anything fails: the
    room it frees is for signing in, as visits are refused until there is room again."""
    size = current_app.config["STORAGE_RESERVE_MB"]
    database = current_app.config["DATABASE"]
    if size <= 0 or not storage.reserve_path(database).exists():
        return
    if storage.free_mb(storage.reserve_path(database).parent) < size:
        storage.release_reserve(database)
        current_app.logger.error(
            "The disk holding the database has less than %s MB free: the storage reserve was "
            "given up so that people can still sign in, and visits are refused until there "
            "is room",
            size,
        )
