"""Error pages: one template per status, JSON for API callers, and a friendly page for an
expired form. A record that does not exist (NotFoundError from the queries) is a 404 here,
once, so views never catch it themselves."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, NotFound

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
    return _server_error(log_unexpected(error))


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
