"""The aggregate feed (``/api/v1/aggregates``) in the OpenAPI document: its parameters, its
answer and the shape of a count that may be hidden. Built from the same constants the
feed uses, so the document cannot drift from it."""

from __future__ import annotations

from fieldapp.checklists.model import SECTORS
from fieldapp.reports import aggregates
from fieldapp.reports.periods import PRESETS

MAX_MONTHS = aggregates.MAX_MONTHS
_ERROR = {"$ref": "#/components/schemas/Error"}
_COUNT = {"$ref": "#/components/schemas/Count"}


def parameters() -> list[dict]:
    presets = [p for p in PRESETS if p != "custom"]
    day = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
    return [
        {
            "name": "period",
            "in": "query",
            "required": False,
            "description": (
                "A period by name, as of today in the UK (financial years run 1 April to "
                "31 March). Not with from and to. Without period, from or to: this_fy."
            ),
            "schema": {"type": "string", "enum": presets, "default": "this_fy"},
        },
        {
            "name": "from",
            "in": "query",
            "required": False,
            "description": (
                "First UK day of the period, YYYY-MM-DD: the first day of a month. Give to as well."
            ),
            "schema": day,
        },
        {
            "name": "to",
            "in": "query",
            "required": False,
            "description": (
                "Last UK day of the period, YYYY-MM-DD, included: the last day of a month. "
                f"At most {MAX_MONTHS} calendar months from from. Whole months only, so that "
                "two answers cannot be subtracted to give one day's counts."
            ),
            "schema": day,
        },
    ]


def responses(common: dict) -> dict:
    """The feed's answers; ``common`` holds the 401 and 429 answers every API address shares."""
    return {
        "200": {
            "description": (
                "The counts for the period, small numbers hidden as 'suppression' states. "
                "Never names, addresses, postcodes of premises, ids or free text."
            ),
            "headers": {
                "X-Handling-Marking": {
                    "description": "How the data must be handled.",
                    "schema": {"type": "string"},
                }
            },
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Aggregates"}}
            },
        },
        "400": {
            "description": "A parameter is wrong or unknown; 'parameter' names it.",
            "content": {"application/json": {"schema": _ERROR}},
        },
        "401": common["401"],
        "403": {
            "description": (
                "The token is not for this address: it reads flagged sites, not the "
                "aggregate figures. 'scope' says what it reads."
            ),
            "content": {"application/json": {"schema": _ERROR}},
        },
        "429": common["429"],
    }


def path(common: dict) -> dict:
    return {
        "get": {
            "operationId": "getAggregates",
            "summary": "Counts by month, sector and area, with small numbers hidden",
            "description": (
                "For a regional partnership pooling several councils' figures. Needs a "
                "token made to read aggregate figures. Each read is in the council's "
                "export log."
            ),
            "parameters": parameters(),
            "responses": responses(common),
        }
    }


def _object(properties: dict, **more) -> dict:
    return {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
        **more,
    }


def count_schema() -> dict:
    return _object(
        {
            "value": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": "The count; null when it is hidden.",
            },
            "suppressed": {
                "enum": [None, "primary", "secondary"],
                "description": (
                    "null: shown. primary: a count from 1 to threshold - 1. secondary: hidden "
                    "so that a small count cannot be worked out from the totals."
                ),
            },
        },
        description="One count that may be hidden.",
    )


def figures_schema() -> dict:
    return _object(
        {
            "visits": _COUNT,
            "visits_by_concern": _object(
                {level: _COUNT for level in aggregates.LEVELS},
                description="Adds up to visits; not_judged: the visit could not inspect.",
            ),
            "red_flag_visits": _COUNT,
            "potential_victims": _COUNT,
            "referrals_by_route": {
                "type": "object",
                "additionalProperties": _COUNT,
                "description": "Referrals made, by the route ids in referral_routes.",
            },
        },
        description="One month's (or the whole period's) counts for one sector or in total.",
    )


def area_schema(wards: bool) -> dict:
    properties = {
        "area": {
            "type": "string",
            "description": (
                "An ONS code from the postcode directory, a postcode district (found_by "
                "postcode_district), 'No postcode' or 'Postcode not recognised'."
            ),
        },
        "found_by": {"enum": list(aggregates.FOUND_BY.values())},
        **{name: _COUNT for name in aggregates.AREA_NAMES.values()},
    }
    if wards:
        properties["wards"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/AggregateWard"},
            "description": "The local authority's wards; they add up to it.",
        }
    return _object(properties)


def aggregates_schema() -> dict:
    columns = [*SECTORS, aggregates.TOTAL]
    by_sector = _object({c: {"$ref": "#/components/schemas/AggregateFigures"} for c in columns})
    day = {"type": "string", "format": "date"}
    month = _object(
        {
            "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
            "from": day,
            "to": day,
            "sectors": by_sector,
        }
    )
    return _object(
        {
            "council": {"type": "string"},
            "period": _object({"from": day, "to": day, "name": {"type": "string"}}),
            "generated_at": {"type": "string", "format": "date-time"},
            "suppression": _object(
                {
                    "threshold": {"type": "integer", "minimum": 2},
                    "rule": {"type": "string"},
                    "shape": {"type": "string"},
                }
            ),
            "sectors": {"type": "object", "additionalProperties": {"type": "string"}},
            "referral_routes": {"type": "object", "additionalProperties": {"type": "string"}},
            "months": {"type": "array", "items": month},
            "whole_period": by_sector,
            "areas": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/AggregateArea"},
                "description": (
                    "Local authorities with visits in the period; they add up to "
                    "whole_period.total."
                ),
            },
        },
        description=(
            "Each sector's counts add up to total; the months add up to whole_period; "
            "disclosure control respects all of these sums."
        ),
    )


def schemas() -> dict:
    return {
        "Count": count_schema(),
        "AggregateFigures": figures_schema(),
        "AggregateArea": area_schema(wards=True),
        "AggregateWard": area_schema(wards=False),
        "Aggregates": aggregates_schema(),
    }
