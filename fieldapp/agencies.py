"""Partner agencies and hazards to officers, read from ``agencies.toml`` in a checklist folder.

Pure (no Flask): the briefing pack asks which partners' powers fit what earlier visits
found, and which of those findings put officers at risk; both answers come from the data
file, so a lead officer can change them without touching code. Every function takes the
folder (the app's CHECKLIST_DIR, see fieldapp.web.checklists); without one, the shipped
folder is read, for scripts and tests.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fieldapp.config import SHIPPED_CHECKLISTS

AGENCIES_FILE = "agencies.toml"
DEFAULT_HAZARD_MONTHS = 24


@cache
def _read(directory: Path) -> dict:
    with open(Path(directory) / AGENCIES_FILE, "rb") as fh:
        return tomllib.load(fh)


@cache
def load(directory: Path = SHIPPED_CHECKLISTS) -> dict[str, dict]:
    """Agencies keyed by id, in file order."""
    path = Path(directory) / AGENCIES_FILE
    data = _read(Path(directory))
    agencies = {a["id"]: a for a in data["agency"]}
    if len(agencies) != len(data["agency"]):
        raise ValueError(f"{path}: two agencies share an id")
    return agencies


def name(agency_id: str | None, agencies: Mapping[str, dict] | None = None) -> str:
    """The display name for an agency id (the id itself if unknown)."""
    if not agency_id:
        return ""
    return (agencies if agencies is not None else load()).get(agency_id, {}).get("name", agency_id)


def short_name(agency_id: str | None, agencies: Mapping[str, dict] | None = None) -> str:
    """The agency's short name for tight spaces (its full name if it has none)."""
    if not agency_id:
        return ""
    agency = (agencies if agencies is not None else load()).get(agency_id, {})
    return agency.get("short_name") or agency.get("name", agency_id)


def hazards(directory: Path = SHIPPED_CHECKLISTS) -> list[dict]:
    """Hazards to officers: ``{"id", "label", "indicators", "advice"}``, in file order."""
    return list(_read(Path(directory)).get("hazard", []))


def hazard_months(directory: Path = SHIPPED_CHECKLISTS) -> int:
    """How far back (months) a finding still warns officers of a hazard."""
    data = _read(Path(directory))
    return int(data.get("hazards", {}).get("months", DEFAULT_HAZARD_MONTHS))


@dataclass(frozen=True)
class Finding:
    """An indicator answered yes on a visit: what it was and when it was last seen."""

    id: str
    question: str
    category: str
    red_flag: bool
    last_seen: str  # ISO date, the UK date of the visit


@dataclass(frozen=True)
class Match:
    """Something (an agency or a hazard) and the findings that make it relevant."""

    item: dict
    because: tuple[Finding, ...]


def relevant_agencies(
    findings: Iterable[Finding], agencies: dict[str, dict] | None = None
) -> list[Match]:
    """Agencies whose powers fit the findings, in file order, each with its reasons."""
    findings = list(findings)
    matches = []
    for agency in (agencies if agencies is not None else load()).values():
        categories = set(agency.get("categories", ()))
        indicators = set(agency.get("indicators", ()))
        because = tuple(f for f in findings if f.id in indicators or f.category in categories)
        if because:
            matches.append(Match(agency, because))
    return matches


def hazards_found(
    findings: Iterable[Finding], hazard_list: list[dict] | None = None
) -> list[Match]:
    """Hazards to officers that the findings point to, in file order, with their reasons."""
    findings = list(findings)
    matches = []
    for hazard in hazard_list if hazard_list is not None else hazards():
        ids = set(hazard.get("indicators", ()))
        because = tuple(f for f in findings if f.id in ids)
        if because:
            matches.append(Match(hazard, because))
    return matches
