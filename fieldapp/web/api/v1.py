"""Version 1 of the read API for partner agencies' systems: flagged sites by bearer token.

``GET /api/v1/flagged-sites`` takes the site list's filters as query parameters and answers
GeoJSON (default) or CSV, shaped by the token's agency's export profile and logged like any
export. Every answer, errors included, is JSON except the CSV itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from flask import Response, current_app, g, jsonify, request

from fieldapp import sitefilter, visibility
from fieldapp.db import get_db
from fieldapp.exports import Requester, tokens
from fieldapp.permissions import ATTR, PUBLIC, public
from fieldapp.timeutil import format_uk_datetime
from fieldapp.web.api.openapi import API_FORMATS, openapi_document
from fieldapp.web.api.views import bp
from fieldapp.web.checklists import export_profiles
from fieldapp.web.exports.streaming import export_response

TOKEN_ATTR = "_fieldapp_token_required"  # noqa: S105 - an attribute name


def problem(status: int, message: str, **extra: Any) -> Response:
    """A JSON error: what went wrong and what to do, plus any detail (e.g. the parameter)."""
    response = jsonify({"error": message, "status": status, **extra})
    response.status_code = status
    return response


def _unauthorised(message: str, error: str | None = None) -> Response:
    response = problem(401, message)
    challenge = 'Bearer realm="fieldapp"'
    if error:
        challenge += f', error="{error}"'
    response.headers["WWW-Authenticate"] = challenge
    return response


def _refused(checked: tokens.Check) -> Response:
    """The answer to a token that may not be used now: 401 (unknown, revoked, expired) or 429."""
    if checked.refused == "rate_limited":
        response = problem(
            429,
            f"Too many requests with this API token. Wait {checked.retry_after} seconds, then "
            "try again; a token may make "
            f"{current_app.config['API_RATE_LIMIT_PER_MINUTE']} requests a minute.",
        )
        response.headers["Retry-After"] = str(checked.retry_after)
        return response
    if checked.refused == "expired":
        return _unauthorised(
            f"This API token expired on {format_uk_datetime(checked.expired_at)}. Ask the "
            "council's Fieldapp administrator for a new one.",
            error="invalid_token",
        )
    return _unauthorised(
        "This API token is not valid or has been revoked. Ask the council's Fieldapp "
        "administrator for a new one.",
        error="invalid_token",
    )


# What a token of each scope is for, and where it reads it, for a refusal to say.
_SCOPE_USE = {
    tokens.FLAGGED_SITES: "reads flagged sites, from /api/v1/flagged-sites",
    tokens.AGGREGATES: "reads the council's aggregate figures, from /api/v1/aggregates",
}


def _wrong_scope(has: str, needs: str) -> Response:
    return problem(
        403,
        f"This API token {_SCOPE_USE.get(has, 'reads something else')}. This address needs a "
        f"token that {_SCOPE_USE[needs].split(',')[0]}: ask the council's Fieldapp "
        "administrator for one.",
        scope=has,
    )


def token_required(view: Callable | None = None, *, scope: str = tokens.FLAGGED_SITES):
    """Let a request in with a live API token (``Authorization: Bearer <token>``) only, and
    only a token whose scope is ``scope`` (else 403): ``@token_required`` is for flagged
    sites, ``@token_required(scope=tokens.AGGREGATES)`` for the aggregate feed.

    Marked public for the session-based rule check, because the token, not a signed-in
    user, is the credential; the token check here then refuses anything else with 401.
    """
    if view is None:
        return functools.partial(token_required, scope=scope)

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _unauthorised(
                "Send your agency's API token in the header 'Authorization: Bearer <token>'."
            )
        checked = tokens.check(get_db(), token, current_app.config["API_RATE_LIMIT_PER_MINUTE"])
        if checked.row is None:
            return _refused(checked)
        held = checked.row.get("scope") or tokens.FLAGGED_SITES
        if held != scope:
            return _wrong_scope(held, scope)
        g.api_token = checked.row
        return view(*args, **kwargs)

    setattr(wrapped, ATTR, PUBLIC)
    setattr(wrapped, TOKEN_ATTR, True)
    return wrapped


def _format() -> str | None:
    """``?format=`` if given, else from the Accept header; None if the value is not served."""
    fmt = request.args.get("format")
    if fmt is None:
        best = request.accept_mimetypes.best_match(["application/geo+json", "text/csv"])
        return "csv" if best == "text/csv" else "geojson"
    return fmt if fmt in API_FORMATS else None


@bp.route("/v1/flagged-sites")
@token_required
def flagged_sites():
    """Flagged sites matching the filters, with the fields the token's agency receives."""
    fmt = _format()
    if fmt is None:
        return problem(400, f"format must be one of {', '.join(API_FORMATS)}", parameter="format")
    token = g.api_token
    profile = export_profiles().get(token["agency"])
    if profile is None:
        return problem(403, "This token's agency has no export profile. Ask for a new token.")
    # The token sees what its agency's profile allows: a filter or sort on anything else
    # is refused, as it is for the agency's users.
    f = visibility.restrict(
        sitefilter.parse(request.args, known_only=True),
        visibility.for_profile(profile),
        request.args,
    )
    if f.errors:
        name, message = next(iter(f.errors.items()))
        return problem(400, message, parameter=name, errors=f.errors)
    who = Requester(
        label=f"API token {token['name']} ({token['token_hint']})", token_id=token["id"]
    )
    # Partner systems, like partner users, only ever receive flagged sites.
    return export_response(replace(f, flagged=True), token["agency"], fmt, who)


@bp.route("/v1/openapi.json")
@public
def openapi():
    """The API described as an OpenAPI 3.1 document."""
    return jsonify(openapi_document())
