"""The read API for partner agencies' systems: flagged sites by bearer token, and its OpenAPI.

``GET /api/v1/flagged-sites`` takes the site list's filters as query parameters and answers
GeoJSON (default) or CSV, shaped by the token's agency's export profile and logged like any
export. Every answer, errors included, is JSON except the CSV itself.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import fields, replace
from typing import Any

from flask import Blueprint, Response, g, jsonify, request

from fieldapp import export_profiles, filters
from fieldapp.db import get_db
from fieldapp.exports import Requester, active_token, export_response
from fieldapp.permissions import ATTR, PUBLIC, public

api_bp = Blueprint("api", __name__, url_prefix="/api/v1")
API_FORMATS = ("geojson", "csv")
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


def token_required(view: Callable) -> Callable:
    """Let a request in with a live API token (``Authorization: Bearer <token>``) only.

    Marked public for the session-based rule check, because the token, not a signed-in
    user, is the credential; the token check here then refuses anything else with 401.
    """

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _unauthorised(
                "Send your agency's API token in the header 'Authorization: Bearer <token>'."
            )
        row = active_token(get_db(), token)
        if row is None:
            return _unauthorised(
                "This API token is not valid or has been revoked. Ask the council's Fieldapp "
                "administrator for a new one.",
                error="invalid_token",
            )
        g.api_token = row
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


@api_bp.route("/flagged-sites")
@token_required
def flagged_sites():
    """Flagged sites matching the filters, with the fields the token's agency receives."""
    fmt = _format()
    if fmt is None:
        return problem(400, f"format must be one of {', '.join(API_FORMATS)}", parameter="format")
    f = filters.parse(request.args, known_only=True)
    if f.errors:
        name, message = next(iter(f.errors.items()))
        return problem(400, message, parameter=name, errors=f.errors)
    token = g.api_token
    if token["agency"] not in export_profiles.load():
        return problem(403, "This token's agency has no export profile. Ask for a new token.")
    who = Requester(
        label=f"API token {token['name']} ({token['token_hint']})", token_id=token["id"]
    )
    # Partner systems, like partner users, only ever receive flagged sites.
    return export_response(replace(f, flagged=True), token["agency"], fmt, who)


@api_bp.route("/openapi.json")
@public
def openapi():
    """The API described as an OpenAPI 3.1 document."""
    return jsonify(openapi_document())


# -- The OpenAPI document, built from the same constants the filters use ---------------------

_PARAMETERS: dict[str, tuple[dict, str]] = {
    "sector": ({"type": "string", "enum": list(filters.SECTORS)}, "Only this sector."),
    "band": (
        {"type": "array", "items": {"type": "string", "enum": list(filters.BANDS)}},
        "Risk bands to include; repeat the parameter or separate with commas. "
        "'none' means never scored.",
    ),
    "flagged": (
        {"type": "boolean"},
        "Accepted for symmetry with the site list; this endpoint only returns flagged sites.",
    ),
    "red_flag_category": (
        {"type": "string", "enum": list(filters.CATEGORIES)},
        "Only sites whose latest visit had a red flag in this category.",
    ),
    "visited_after": ({"type": "string", "format": "date"}, "Last visited on or after."),
    "visited_before": ({"type": "string", "format": "date"}, "Last visited on or before."),
    "not_visited_days": (
        {"type": "integer", "minimum": 0, "maximum": 99999},
        "Not visited for at least this many days (or never).",
    ),
    "mismatch": (
        {"type": "boolean"},
        "Only sites whose latest visit was recorded away from the mapped position.",
    ),
    "q": ({"type": "string", "maxLength": 200}, "Words in the name, street or postcode."),
    "bbox": (
        {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"},
        "west,south,east,north in WGS84 degrees, e.g. -1.2,52.6,-1.0,52.7.",
    ),
    "local_authority": ({"type": "string", "maxLength": 100}, "Only this local authority."),
    "sort": ({"type": "string", "enum": list(filters.SORTS), "default": "risk"}, "Row order."),
}


def _parameters() -> list[dict]:
    names = [f.name for f in fields(filters.SiteFilter) if f.name != "errors"]
    params = []
    for name in names:
        schema, description = _PARAMETERS[name]
        param = {
            "name": name,
            "in": "query",
            "required": False,
            "description": description,
            "schema": schema,
        }
        if schema["type"] == "array":
            param.update(style="form", explode=True)
        params.append(param)
    params.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": "geojson (the default) or csv; or send 'Accept: text/csv'.",
            "schema": {"type": "string", "enum": list(API_FORMATS), "default": "geojson"},
        }
    )
    return params


def openapi_document() -> dict:
    """The OpenAPI 3.1 description of this API."""
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Fieldapp flagged sites",
            "version": "1.0.0",
            "description": (
                "Flagged hand car washes and nail bars for a partner agency's own systems. "
                "Each token belongs to one agency and returns only the fields that agency's "
                "export profile allows. Every call is logged with the SHA-256 of the bytes "
                "sent. Responses carry a handling marking (usually OFFICIAL-SENSITIVE): "
                "handle them accordingly."
            ),
        },
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/flagged-sites": {
                "get": {
                    "operationId": "listFlaggedSites",
                    "summary": "Flagged sites matching the filters",
                    "parameters": _parameters(),
                    "responses": {
                        "200": {
                            "description": (
                                "The sites, streamed. GeoJSON: an RFC 7946 FeatureCollection "
                                "with a 'metadata' member (marking, when, by whom, filter, "
                                "checklist versions). CSV: UTF-8 with a byte order mark; "
                                "metadata rows, a blank row, then a header row and one row a "
                                "site."
                            ),
                            "headers": {
                                "X-Handling-Marking": {
                                    "description": "How the data must be handled.",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": {
                                "application/geo+json": {
                                    "schema": {"$ref": "#/components/schemas/FeatureCollection"}
                                },
                                "text/csv": {"schema": {"type": "string"}},
                            },
                        },
                        "400": {
                            "description": "A filter value is wrong; 'parameter' names it.",
                            "content": {"application/json": {"schema": error}},
                        },
                        "401": {
                            "description": "No token, or the token is unknown or revoked.",
                            "headers": {
                                "WWW-Authenticate": {
                                    "description": "Bearer challenge.",
                                    "schema": {"type": "string"},
                                }
                            },
                            "content": {"application/json": {"schema": error}},
                        },
                        "403": {
                            "description": "The token's agency has no export profile.",
                            "content": {"application/json": {"schema": error}},
                        },
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token made by the council's Fieldapp administrator.",
                }
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "status"],
                    "properties": {
                        "error": {"type": "string", "description": "What went wrong and why."},
                        "status": {"type": "integer"},
                        "parameter": {
                            "type": "string",
                            "description": "The query parameter whose value is wrong.",
                        },
                        "errors": {
                            "type": "object",
                            "additionalProperties": {"type": "string"},
                            "description": "Every wrong parameter and its message.",
                        },
                    },
                },
                "FeatureCollection": {
                    "type": "object",
                    "required": ["type", "features"],
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "metadata": {
                            "type": "object",
                            "properties": {
                                "handling_marking": {"type": "string"},
                                "made_at": {"type": "string", "format": "date-time"},
                                "made_by": {"type": "string"},
                                "agency": {"type": "string"},
                                "agency_name": {"type": "string"},
                                "filter": {"type": "string"},
                                "checklist_versions": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                                "site_count": {"type": "integer"},
                                "fields": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Feature"},
                        },
                    },
                },
                "Feature": {
                    "type": "object",
                    "required": ["type", "geometry", "properties"],
                    "properties": {
                        "type": {"const": "Feature"},
                        "id": {"type": "integer"},
                        "geometry": {
                            "oneOf": [
                                {"type": "null"},
                                {
                                    "type": "object",
                                    "required": ["type", "coordinates"],
                                    "properties": {
                                        "type": {"const": "Point"},
                                        "coordinates": {
                                            "type": "array",
                                            "description": "[longitude, latitude], WGS84",
                                            "items": {"type": "number"},
                                            "minItems": 2,
                                            "maxItems": 2,
                                        },
                                    },
                                },
                            ]
                        },
                        "properties": {
                            "type": "object",
                            "description": "The agency's profile fields: "
                            + ", ".join(export_profiles.FIELDS),
                        },
                    },
                },
            },
        },
    }
