"""What every request and response gets: CSRF protection, compression, session cookies
marked Secure over HTTPS, the security headers, and telling API callers from people."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_compress import Compress
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

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


# SQLite's largest integer: an id beyond it cannot name a row, and would overflow the query.
SQLITE_MAX_INTEGER = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in our routes: a whole number SQLite can hold, so a huge or negative
    id in an address is a 404 like any other record that does not exist."""

    def __init__(self, map, fixed_digits=0, min=None, max=SQLITE_MAX_INTEGER, signed=False):  # noqa: A002 - werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


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


# Responses that may keep their own caching: files under /static/ and the service worker
# (which says no-cache itself). Everything else can show case data, or a form token.
CACHEABLE_ENDPOINTS = frozenset({"static", "offline.service_worker"})


def csp_nonce() -> str:
    """This request's nonce for the few inline blocks we cannot avoid (GOV.UK's one-line
    js-enabled script, folium's map set-up): fresh per request, so markup someone
    smuggled into a page can never carry it."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def tile_source(tile_url: str) -> str:
    """The origin map tiles come from, as a CSP source ("" when there are no tiles).

    Leaflet's "{s}" subdomain placeholder becomes a wildcard subdomain.
    """
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    host = parts.netloc.replace("subdomain", "*", 1) if "{s}" in tile_url else parts.netloc
    return f"{parts.scheme}://{host}"


def content_security_policy(nonce: str, tile_url: str) -> str:
    """No script, style, frame or form target but our own; images also from the tiles."""
    images = " ".join(filter(None, ["'self'", "data:", tile_source(tile_url)]))
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            f"style-src 'self' 'nonce-{nonce}'",
            f"img-src {images}",
            "connect-src 'self'",
            "frame-ancestors 'self'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
        ]
    )


def _add_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    config = current_app.config
    response.headers.setdefault(
        "Content-Security-Policy", content_security_policy(csp_nonce(), config["TILE_URL"])
    )
    if request.is_secure or config.get("HSTS_ALWAYS"):
        response.headers.setdefault(
            "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
        )
    if request.endpoint not in CACHEABLE_ENDPOINTS and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    """Install CSRF protection, compression, the session interface and the headers."""
    app.session_interface = SessionInterface()
    app.url_map.converters["int"] = IdConverter
    app.after_request(_add_headers)
    # GOV.UK's page template puts this nonce on its one inline script.
    app.context_processor(lambda: {"cspNonce": csp_nonce()})
    csrf.init_app(app)
    compress.init_app(app)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
