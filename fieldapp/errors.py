"""Error pages: one template per status, and a friendly page for an expired form."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

PAGES = {400, 403, 404, 405, 413, 429, 500}


def _wants_json() -> bool:
    """API callers and the page's own fetch() calls get JSON, people get a page."""
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["application/json", "text/html"]) == "application/json"
    )


def handle_http(error: HTTPException):
    """Render the page for an HTTP error."""
    code = error.code or 500
    if _wants_json():
        return {"error": error.description, "status": code}, code
    template = f"error/{code}.html" if code in PAGES else "error/generic.html"
    return render_template(template, error=error), code


def handle_csrf(error: CSRFError):
    """A form whose token expired or is missing: explain and offer a way back."""
    if _wants_json():
        return {
            "error": "Your session has expired or the security token is missing. "
            "Sign in again and resend.",
            "status": 400,
            "reason": "csrf",
        }, 400
    return render_template("error/csrf.html", error=error), 400


def handle_unexpected(error: Exception):
    """Anything not already an HTTP error is a 500 with a calm page (the log has detail)."""
    if isinstance(error, HTTPException):
        return handle_http(error)
    if _wants_json():
        return {"error": "Something went wrong on our side. Try again later.", "status": 500}, 500
    return render_template("error/500.html"), 500


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(Exception, handle_unexpected)
