"""Which routes a visit's result calls for, from the deployment's safeguarding.toml.

Each route answers one concern from a level upwards (checklists/safeguarding.toml), so the
first-responder routes (999, child, NRM, Duty to Notify, adult safeguarding) appear only for
modern slavery concern, a hazard gets the enforcing authority, and wage signs the Fair Work
Agency. A route or contact the deployment switched off (``enabled = false``) is never shown.

Pure: the result and the routes file in, the routes to show out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fieldapp.checklists import LEVELLED_CONCERNS

_RANK = {"medium": 2, "high": 3}


def _enabled(items: list[dict]) -> list[dict]:
    return [item for item in items if item.get("enabled", True)]


def routes_for(result: Mapping[str, Any], safeguarding: Mapping[str, Any]) -> list[dict]:
    """The concerns that need action, in the order of LEVELLED_CONCERNS, each with its routes.

    Model 1 results (version 1 checklists) keep their old behaviour: every modern slavery
    route when a red flag was recorded.
    """
    routes = _enabled(safeguarding.get("route", []))
    if result.get("model") != 2:
        if not result.get("red_flags"):
            return []
        slavery = [r for r in routes if r.get("concern", "slavery") == "slavery"]
        return [{"concern": "slavery", "level": "high", "routes": slavery}]
    levels = {c["id"]: c["level"] for c in result["concerns"]}
    found = []
    for concern in LEVELLED_CONCERNS:
        rank = _RANK.get(levels.get(concern, ""), 0)
        chosen = [
            r for r in routes if r.get("concern") == concern and rank >= _RANK[r.get("level")]
        ]
        if chosen:
            found.append({"concern": concern, "level": levels[concern], "routes": chosen})
    return found


def referral_routes(safeguarding: Mapping[str, Any]) -> list[dict]:
    """The routes an officer can record as a referral made."""
    return [r for r in _enabled(safeguarding.get("route", [])) if r.get("referral")]


def contacts_by_id(safeguarding: Mapping[str, Any]) -> dict[str, dict]:
    """The contacts a route may show, by id: those switched off are left out."""
    return {c["id"]: c for c in _enabled(safeguarding.get("contact", []))}
