"""Partner agencies, read from ``checklists/agencies.toml``."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

from fieldapp.config import ROOT

AGENCIES_FILE = ROOT / "checklists" / "agencies.toml"


@cache
def load(path: Path = AGENCIES_FILE) -> dict[str, dict]:
    """Agencies keyed by id, in file order."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    agencies = {a["id"]: a for a in data["agency"]}
    if len(agencies) != len(data["agency"]):
        raise ValueError(f"{path}: two agencies share an id")
    return agencies


def name(agency_id: str | None) -> str:
    """The display name for an agency id (the id itself if unknown)."""
    if not agency_id:
        return ""
    return load().get(agency_id, {}).get("name", agency_id)
