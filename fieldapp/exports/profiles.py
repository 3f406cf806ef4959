"""What each partner agency receives in an export, read from ``export_profiles.toml``.

Pure: no Flask. The file is checked as it is read so a typo can never widen an export: an
unknown field name, a field that would identify an officer or a worker, a missing or extra
agency, or photos switched on are all refused with a message naming the place to fix.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fieldapp import agencies
from fieldapp.checklists.model import CATEGORIES
from fieldapp.config import SHIPPED_CHECKLISTS

# In the checklist folder, beside agencies.toml: the app's CHECKLIST_DIR.
PROFILES_FILE = "export_profiles.toml"

# Every field an export can carry, in the order columns appear, with what it holds.
FIELDS: dict[str, str] = {
    "id": "Our reference number for the premises (quote it when you reply)",
    "name": "Business name",
    "sector": "hand_car_wash or nail_bar",
    "address": "Street address",
    "postcode": "Postcode",
    "local_authority": "Local authority",
    "location": "Latitude and longitude (WGS84); the map position",
    "grid_reference": "British National Grid easting and northing in metres (EPSG:27700), "
    "where the council's own file gave them (empty otherwise)",
    "placed_by": "How the map position was found: gps (an officer's location fix), map (a "
    "pin placed by hand), import (coordinates in a council file), uprn (its UPRN's address "
    "point), postcode (only its postcode's centre: rough), geocoder (an address look-up)",
    "risk_band": "Current risk of exploitation: high, medium or low (empty if never judged)",
    "risk_score": "Version 1 visits only: share of checked warning signs present, 0 to 100 "
    "(version 2 gives levels by concern, not a percentage, so this is empty)",
    "flagged": "Whether the site is flagged for action now",
    "last_visit_date": "UK date of the latest visit that judged the risk (YYYY-MM-DD)",
    "location_mismatch": "The latest visit was recorded away from the mapped position",
    "red_flag_count": "Red flags at the latest visit (in this profile's categories)",
    "red_flag_categories": "Categories of those red flags (codes such as LAB, CTL)",
    "red_flags": "The red-flag questions answered yes at the latest visit (modern slavery signs "
    "and immediate hazards)",
    "top_indicators": "The three weightiest warning signs at the latest visit (any category)",
    "indicators": "Warning signs present at the latest visit, in this profile's categories",
    "checklist": "The checklist and version the latest visit was scored against",
}

# What the columns a field becomes (or that the table formats add) hold.
COLUMN_HELP = {
    "latitude": "Latitude (WGS84, decimal degrees)",
    "longitude": "Longitude (WGS84, decimal degrees)",
    "easting": "British National Grid easting in metres (EPSG:27700)",
    "northing": "British National Grid northing in metres (EPSG:27700)",
    "sector_name": "The sector in words",
    "risk_band_name": "The risk band in words",
    "WKT": "The map position as a WKT point (longitude latitude), for GIS software",
}


def column_help(name: str) -> str:
    """What a column holds, for the about text and the XLSX About sheet."""
    return COLUMN_HELP.get(name) or FIELDS.get(name, "")


# Things no export profile may ask for: named so the refusal says why, not just "unknown".
NEVER: dict[str, str] = {
    "inspector": "would identify the officer who visited",
    "officer": "would identify the officer who visited",
    "inspector_id": "would identify the officer who visited",
    "workers": "would identify or describe workers",
    "worker_details": "would identify or describe workers",
    "notes": "free-text notes can hold anything, including names",
    "answer_notes": "free-text notes can hold anything, including names",
    "photos": "photos are controlled by the profile's photos setting",
}
KEYS = {"description", "fields", "categories", "photos"}


class ProfileError(ValueError):
    """The profiles file is wrong; the message lists every problem and where it is."""


@dataclass(frozen=True)
class Profile:
    """One agency's export: the fields it receives and the indicator categories in scope."""

    agency: str
    description: str
    fields: tuple[str, ...]
    categories: tuple[str, ...]  # empty means every category
    photos: bool = False

    def in_scope(self, category: str | None) -> bool:
        """Whether an indicator or red flag of ``category`` belongs in this export."""
        return not self.categories or category in self.categories


def parse(data: Mapping, agency_ids: list[str], source: str = "export_profiles.toml") -> dict:
    """Check parsed TOML and return ``{agency id: Profile}`` in agency order."""
    problems: list[str] = []
    profiles: dict[str, Profile] = {}
    for agency_id in data:
        if agency_id not in agency_ids:
            problems.append(
                f"[{agency_id}] is not an agency in agencies.toml: use one of "
                f"{', '.join(agency_ids)}"
            )
    for agency_id in agency_ids:
        raw = data.get(agency_id)
        if raw is None:
            problems.append(f"[{agency_id}] is missing: every agency needs an export profile")
            continue
        if not isinstance(raw, Mapping):
            problems.append(f"[{agency_id}] must be a table of settings")
            continue
        profile = _profile(agency_id, raw, problems)
        if profile:
            profiles[agency_id] = profile
    if problems:
        raise ProfileError(f"{source}: " + "; ".join(problems))
    return profiles


def _profile(agency_id: str, raw: Mapping, problems: list[str]) -> Profile | None:
    where = f"[{agency_id}]"
    before = len(problems)
    for key in set(raw) - KEYS:
        problems.append(f"{where} {key} is not a setting: use {', '.join(sorted(KEYS))}")
    fields = raw.get("fields")
    if not isinstance(fields, list) or not fields or not all(isinstance(f, str) for f in fields):
        problems.append(f"{where} fields must be a list of field names")
        fields = []
    for name in fields:
        if name in NEVER:
            problems.append(f"{where} fields: {name} is never exported: it {NEVER[name]}")
        elif name not in FIELDS:
            problems.append(
                f"{where} fields: {name} is not a field; use any of {', '.join(FIELDS)}"
            )
    duplicates = sorted({f for f in fields if fields.count(f) > 1})
    if duplicates:
        problems.append(f"{where} fields: {', '.join(duplicates)} listed twice")
    categories = raw.get("categories", [])
    if not isinstance(categories, list) or not all(c in CATEGORIES for c in categories):
        problems.append(
            f"{where} categories must be a list of {', '.join(CATEGORIES)} (empty for all)"
        )
        categories = []
    if categories and "top_indicators" in fields:
        problems.append(
            f"{where} top_indicators covers every category; with categories set, use "
            "indicators instead"
        )
    photos = raw.get("photos", False)
    if photos is not False:
        problems.append(
            f"{where} photos must be false: photos are not sent to partners from an export; "
            "share a stripped copy from the visit record instead"
        )
    if len(problems) > before:
        return None
    return Profile(
        agency=agency_id,
        description=str(raw.get("description", "")),
        # Columns always come out in FIELDS order, whatever order the file lists them in.
        fields=tuple(f for f in FIELDS if f in fields),
        categories=tuple(categories),
        photos=False,
    )


@cache
def load(directory: Path = SHIPPED_CHECKLISTS) -> dict[str, Profile]:
    """Profiles keyed by agency id, checked against the agencies file in the same folder."""
    path = Path(directory) / PROFILES_FILE
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    return parse(data, list(agencies.load(Path(directory))), source=str(path))
