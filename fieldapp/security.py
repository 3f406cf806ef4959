"""Response headers that every page gets."""

from __future__ import annotations

from flask import Flask, Response

HEADERS = {
    # Never guess a file's type from its content (photos, exports).
    "X-Content-Type-Options": "nosniff",
    # Pages may only be framed by our own pages (the risk map frames its own map).
    "X-Frame-Options": "SAMEORIGIN",
    # Addresses of premises and visits stay on this site.
    "Referrer-Policy": "same-origin",
    # Location for our own pages only; nothing asks for the camera or microphone directly
    # (photos come through the file picker).
    "Permissions-Policy": "geolocation=(self), camera=(), microphone=()",
}


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response."""
    app.after_request(_add_headers)
