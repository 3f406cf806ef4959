"""What the service writes down about requests: a request id for each, one structured access
line per request, and every unexpected error with its traceback.

The request id ties the three together: it is sent back as ``X-Request-Id``, shown on the
error page and in JSON errors ("quote this reference"), and carried by every line logged
about the request, so a support call can find the traceback.

Access lines never hold form data, headers (``Authorization`` included), the values of
query parameters that could carry a secret (``token`` and its kin are written as
``[redacted]``) or what was typed into a search (``q`` and the other free-text parameters
are written as their length alone, ``[redacted:12]``: a search may name a person), and an
officer's position sent as ``lat``/``lon`` is cut to about a kilometre (``~52.63``).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, current_app, g, has_request_context, request

ACCESS = logging.getLogger("fieldapp.access")
ERRORS = logging.getLogger("fieldapp.errors")

# An id a proxy in front may hand us (nginx's $request_id is 32 hex characters).
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# Query parameters whose values are never written down, compared in lower case.
SECRET_PARAMS = frozenset(
    {"token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "key"}
    | {"password", "secret", "authorization", "auth", "csrf_token", "code", "signature"}
)
REDACTED = "[redacted]"
# Free-text search parameters: what an officer typed, which may name a person or an address.
# Only the length is kept, enough to tell a long search from a short one.
SEARCH_PARAMS = frozenset({"q", "query", "search", "name", "address", "postcode"})
# Where the officer is standing ("premises near me" sends the phone's position): kept to
# two decimal places, about a kilometre, enough to tell towns apart and no more.
LOCATION_PARAMS = frozenset({"lat", "lon", "lng", "latitude", "longitude"})


def request_id() -> str:
    """This request's id: from a trusted proxy's ``X-Request-Id`` if it is sane, else 12 new
    hex characters. The same for the whole request; empty outside one."""
    if not has_request_context():
        return ""
    if "request_id" not in g:
        offered = request.headers.get("X-Request-Id", "")
        trusted = current_app.config.get("PROXY_FIX") and _SANE_ID.fullmatch(offered)
        g.request_id = offered if trusted else secrets.token_hex(6)
    return g.request_id


def safe_query(query_string: bytes | str) -> str:
    """The query string with the values of secret-bearing parameters replaced, and those of
    free-text searches replaced by their length."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    pairs = parse_qsl(query_string, keep_blank_values=True)
    return urlencode([(k, _safe_value(k.lower(), v)) for k, v in pairs], safe="[]/:")


def _safe_value(name: str, value: str) -> str:
    if name in SECRET_PARAMS:
        return REDACTED
    if name in SEARCH_PARAMS and value:
        return f"[redacted:{len(value)}]"
    if name in LOCATION_PARAMS and value:
        try:
            return f"~{float(value):.2f}"
        except ValueError:
            return REDACTED
    return value


def log_unexpected(error: BaseException) -> str:
    """Log an unexpected error with its traceback and the request; return the request id."""
    rid = request_id()
    where = f"{request.method} {request.path}" if has_request_context() else "outside a request"
    ERRORS.error(
        "Unexpected error %s (request %s): %s",
        where,
        rid,
        type(error).__name__,
        exc_info=(type(error), error, error.__traceback__),
        extra={"request_id": rid},
    )
    return rid


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _user_id() -> int | None:
    # Only a user Flask-Login has already loaded: a static file must not cost a lookup.
    user = g.get("_login_user")
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


def _finish(response: Response) -> Response:
    rid = request_id()
    response.headers["X-Request-Id"] = rid
    if current_app.config.get("ACCESS_LOG"):
        started = g.get("request_started", time.perf_counter())
        line = {
            "method": request.method,
            "path": request.path,
            "query": safe_query(request.query_string),
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "user": _user_id(),
            "request_id": rid,
        }
        ACCESS.info(json.dumps(line, ensure_ascii=False), extra={"request_id": rid})
    return response


def _configure_loggers(app: Flask) -> None:
    """Give the service's loggers somewhere to write (stderr, which gunicorn and systemd
    keep) unless the host has already set logging up."""
    base = logging.getLogger("fieldapp")
    base.setLevel(app.config.get("LOG_LEVEL", "INFO"))
    if not base.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
        base.addHandler(handler)


def init_app(app: Flask) -> None:
    """Start the clock and the id on every request; log and tag every response."""
    _configure_loggers(app)
    app.before_request(_start)
    app.after_request(_finish)
