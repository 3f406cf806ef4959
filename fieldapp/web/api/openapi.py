"""The API described as an OpenAPI 3.1 document, built from the constants the filter uses."""

from __future__ import annotations

from dataclasses import fields

from fieldapp import sitefilter
from fieldapp.exports import profiles
from fieldapp.web.api import openapi_aggregates

API_FORMATS = ("geojson", "csv")

# -- The OpenAPI document, built from the same constants the filters use ---------------------

_PARAMETERS: dict[str, tuple[dict, str]] = {
    "sector": ({"type": "string", "enum": list(sitefilter.SECTORS)}, "Only this sector."),
    "band": (
        {"type": "array", "items": {"type": "string", "enum": list(sitefilter.BANDS)}},
        "Risk bands to include; repeat the parameter or separate with commas. "
        "'none' means never scored.",
    ),
    "flagged": (
        {"type": "boolean"},
        "Accepted for symmetry with the site list; this endpoint only returns flagged sites.",
    ),
    "red_flag_category": (
        {"type": "string", "enum": list(sitefilter.CATEGORIES)},
        "Only sites whose latest visit had a red flag in this category.",
    ),
    "visited_after": (
        {"type": "string", "format": "date"},
        "Last visited on or after this UK date (from midnight UK time).",
    ),
    "visited_before": (
        {"type": "string", "format": "date"},
        "Last visited on or before this UK date (until midnight UK time).",
    ),
    "not_visited_days": (
        {"type": "integer", "minimum": 0, "maximum": 99999},
        "Not visited for at least this many days (or never).",
    ),
    "mismatch": (
        {"type": "boolean"},
        "Only sites whose latest visit was recorded away from the mapped position.",
    ),
    "no_location": (
        {"type": "boolean"},
        "Only sites with no map position yet (they are in every other answer too, unplaced).",
    ),
    "q": ({"type": "string", "maxLength": 200}, "Words in the name, street or postcode."),
    "bbox": (
        {"type": "string", "pattern": r"^-?[0-9.]+,-?[0-9.]+,-?[0-9.]+,-?[0-9.]+$"},
        "west,south,east,north in WGS84 degrees, e.g. -1.2,52.6,-1.0,52.7.",
    ),
    "local_authority": ({"type": "string", "maxLength": 100}, "Only this local authority."),
    "sort": ({"type": "string", "enum": list(sitefilter.SORTS), "default": "risk"}, "Row order."),
}


def _parameters() -> list[dict]:
    names = [f.name for f in fields(sitefilter.SiteFilter) if f.name != "errors"]
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
    flagged = _flagged_sites_responses()
    return {
        "openapi": "3.1.0",
        "info": _info(),
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/flagged-sites": {
                "get": {
                    "operationId": "listFlaggedSites",
                    "summary": "Flagged sites matching the filters",
                    "parameters": _parameters(),
                    "responses": flagged,
                }
            },
            "/api/v1/aggregates": openapi_aggregates.path(flagged),
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
                "Error": _error_schema(),
                "FeatureCollection": _feature_collection_schema(),
                "Feature": _feature_schema(),
                **openapi_aggregates.schemas(),
            },
        },
    }


def _info() -> dict:
    return {
        "title": "Fieldapp flagged sites",
        "version": "1.1.0",
        "description": (
            "Flagged hand car washes and nail bars for a partner agency's own systems, and "
            "the council's aggregate figures (counts by month, sector and area, small "
            "numbers hidden) for a regional partnership's. Each token reads one of the two. "
            "A flagged-sites token belongs to one agency and returns only the fields that "
            "agency's export profile allows. Every call is logged with the SHA-256 of the bytes "
            "sent. Responses carry a handling marking (usually OFFICIAL-SENSITIVE): "
            "handle them accordingly. Times are UK local time in ISO 8601 with their offset "
            "(+00:00 in GMT, +01:00 in BST), e.g. 2026-04-01T00:45:00+01:00, which any "
            "ISO 8601 reader turns into the same instant; dates (last_visit_date and the "
            "visited_after and visited_before filters) are UK calendar days, so a visit at "
            "00:30 BST on 1 April is on 1 April."
        ),
    }


def _flagged_sites_responses() -> dict:
    error = {"$ref": "#/components/schemas/Error"}
    return {
        "200": {
            "description": (
                "The sites, streamed. GeoJSON: an RFC 7946 FeatureCollection "
                "with a 'metadata' member (marking, when, by whom, filter, "
                "checklist versions). CSV: a plain table, UTF-8 with a byte "
                "order mark: a header row, then one row a site, a label column "
                "beside each code (sector_name, risk_band_name) and a WKT point "
                "column; the marking is in the X-Handling-Marking header and "
                "the file name."
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
            "description": "No token, or the token is unknown, revoked or expired.",
            "headers": {
                "WWW-Authenticate": {
                    "description": "Bearer challenge.",
                    "schema": {"type": "string"},
                }
            },
            "content": {"application/json": {"schema": error}},
        },
        "403": {
            "description": (
                "The token's agency has no export profile, or the token reads the aggregate "
                "figures, not flagged sites ('scope' says)."
            ),
            "content": {"application/json": {"schema": error}},
        },
        "429": {
            "description": "This token made too many requests in the last minute.",
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before the next request.",
                    "schema": {"type": "integer"},
                }
            },
            "content": {"application/json": {"schema": error}},
        },
    }


def _error_schema() -> dict:
    return {
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
            "scope": {
                "enum": ["flagged_sites", "aggregates"],
                "description": "On a 403 for the wrong token: what this token reads.",
            },
        },
    }


def _feature_collection_schema() -> dict:
    return {
        "type": "object",
        "required": ["type", "features"],
        "properties": {
            "type": {"const": "FeatureCollection"},
            "metadata": {
                "type": "object",
                "properties": {
                    "handling_marking": {"type": "string"},
                    "made_at": {
                        "type": "string",
                        "format": "date-time",
                        "description": "When the export was made, UK time with its offset.",
                    },
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
    }


def _feature_schema() -> dict:
    return {
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
                "description": "The agency's profile fields: " + ", ".join(profiles.FIELDS),
            },
        },
    }
