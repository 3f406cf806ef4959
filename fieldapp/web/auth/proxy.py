"""A warning when requests come through a proxy the app has not been told about.

Sign-in delays and the audit trail go by the caller's address. Behind a reverse proxy
with PROXY_FIX = 0 every request seems to come from the proxy, so one person's failed
sign-ins would slow everyone's and the audit trail would name the proxy. Logged once per
process, on the first request that carries X-Forwarded-For.
"""

from __future__ import annotations

from flask import Flask, current_app, request

WARNED = "fieldapp.proxy_warned"
MESSAGE = (
    "Requests are arriving through a proxy (they carry X-Forwarded-For) but PROXY_FIX is 0, "
    "so every caller seems to be at %s: sign-in delays for one are felt by all, and the "
    "audit trail records the proxy's address. Set PROXY_FIX to the number of proxies in "
    "front of the app (README, 'Deploying behind HTTPS'), or stop the proxy sending the header."
)


def _warn_once() -> None:
    if "X-Forwarded-For" in request.headers and not current_app.extensions.get(WARNED):
        current_app.extensions[WARNED] = True
        current_app.logger.warning(MESSAGE, request.remote_addr)


def init_app(app: Flask) -> None:
    """Watch for forwarded requests when PROXY_FIX is off."""
    if not app.config["PROXY_FIX"]:
        app.before_request(_warn_once)
