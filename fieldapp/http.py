"""What every request and response gets: CSRF protection, compression, session cookies
marked Secure over HTTPS, the security headers, and telling API callers from people."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
compress = Compress()

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


def wants_json() -> bool:
    """API callers and the page's own fetch() calls get JSON, people get a page.

    The page's scripts always send ``Accept: application/json``; a caller that takes
    anything (``*/*``, as a service worker's fetch does) gets what a browser would.
    """
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json"
    )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with Secure decided per request.

    A fixed SESSION_COOKIE_SECURE would either break plain-HTTP use on localhost or leave
    the cookie unprotected behind HTTPS; asking the request gets both right.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        """Mark the cookie Secure when configured to, or when this request is HTTPS."""
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def should_set_cookie(self, app: Flask, session) -> bool:
        """Never refresh the cookie on a static file.

        A favicon or script fetched with the old cookie while sign-out is under way would
        otherwise answer with that cookie renewed and undo the sign-out in the browser.
        """
        if request.endpoint == "static" and not session.modified:
            return False
        return super().should_set_cookie(app, session)


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    """Install CSRF protection, compression, the session interface and the headers."""
    app.session_interface = SessionInterface()
    app.after_request(_add_headers)
    csrf.init_app(app)
    compress.init_app(app)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
