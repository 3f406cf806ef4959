"""The one set of filters behind the risk map, the site list, exports and the API.

Pure: parses query-string style input into a SiteFilter, with a message per bad parameter.
fieldapp.queries.sites turns a SiteFilter into the one SQL clause every view uses, so the
map, the list and an export of the same filter always hold the same sites.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date
from urllib.parse import urlencode

from fieldapp.checklists.model import CATEGORIES, SECTORS

# "none" is a premises not scored yet.
BANDS = ("high", "medium", "low", "none")
SORTS = ("risk", "name", "last_visit", "sector")


@dataclass(frozen=True)
class FlagRules:
    """When a premises counts as flagged (configurable per deployment)."""

    bands: tuple[str, ...] = ("high",)
    red_flag_months: int = 12

    @classmethod
    def from_config(cls, config: Mapping) -> FlagRules:
        """The rules a deployment's settings give (FLAG_BANDS, FLAG_RED_FLAG_MONTHS)."""
        return cls(
            bands=tuple(config.get("FLAG_BANDS", ("high",))),
            red_flag_months=int(config.get("FLAG_RED_FLAG_MONTHS", 12)),
        )


@dataclass(frozen=True)
class SiteFilter:
    """Which sites to show. Empty values mean "any"."""

    sector: str = ""
    band: tuple[str, ...] = ()
    flagged: bool = False
    red_flag_category: str = ""
    visited_after: date | None = None  # UK calendar days, both ends included
    visited_before: date | None = None
    not_visited_days: int | None = None
    mismatch: bool = False
    no_location: bool = False  # only sites with no map position yet, to place them
    q: str = ""
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    local_authority: str = ""
    sort: str = "risk"
    errors: dict[str, str] = field(default_factory=dict, compare=False)

    def query_args(self) -> dict[str, str | list[str]]:
        """The filter as query-string arguments (for links that keep the filter)."""
        args: dict[str, str | list[str]] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "errors" or value in ("", (), None, False):
                continue
            if f.name == "sort" and value == "risk":
                continue
            if f.name == "band":
                args["band"] = list(value)
            elif f.name == "bbox":
                args["bbox"] = ",".join(f"{v:g}" for v in value)
            elif isinstance(value, bool):
                args[f.name] = "1"
            else:
                args[f.name] = str(value)
        return args

    def query_string(self, **changes) -> str:
        """URL-encoded filter, optionally with some arguments changed."""
        args = {**self.query_args(), **changes}
        return urlencode({k: v for k, v in args.items() if v not in (None, "")}, doseq=True)

    def describe(self) -> str:
        """The filter in words, for export headers and the page."""
        parts = [
            f"{k}={v if isinstance(v, str) else ','.join(v)}" for k, v in self.query_args().items()
        ]
        return "; ".join(parts) or "all sites"


def _date(raw: str, name: str, errors: dict) -> date | None:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[name] = f"{name} must be a date like 2026-04-01"
        return None


def _true(raw: str) -> bool:
    return raw.lower() in ("1", "true", "yes", "on", "y")


def parse(args: Mapping, *, known_only: bool = False) -> SiteFilter:
    """Read filter parameters (a request's args). Bad values are reported per parameter.

    ``known_only`` also reports parameters this filter does not know (for the API).
    """
    errors: dict[str, str] = {}
    get = args.get
    getlist = (
        args.getlist if hasattr(args, "getlist") else (lambda k: [args[k]] if k in args else [])
    )
    values: dict = {
        "flagged": _true(str(get("flagged") or "")),
        "mismatch": _true(str(get("mismatch") or "")),
        "no_location": _true(str(get("no_location") or "")),
    }
    _parse_choices(get, getlist, values, errors)
    _parse_dates(get, values, errors)
    values["q"] = (get("q") or "").strip()[:200]
    values["local_authority"] = (get("local_authority") or "").strip()[:100]
    _parse_bbox(get, values, errors)
    sort = (get("sort") or "risk").strip()
    if sort not in SORTS:
        errors["sort"] = f"sort must be one of {', '.join(SORTS)}"
    else:
        values["sort"] = sort
    if known_only:
        known = {f.name for f in fields(SiteFilter)} - {"errors"}
        for name in args:
            if name not in known and name not in ("format", "page"):
                errors[name] = f"{name} is not a filter; use one of {', '.join(sorted(known))}"
    return SiteFilter(**values, errors=errors)


def _parse_choices(get, getlist, values: dict, errors: dict) -> None:
    """Sector, bands and red flag category: each must be one of a fixed list."""
    sector = (get("sector") or "").strip()
    if sector and sector not in SECTORS:
        errors["sector"] = f"sector must be one of {', '.join(SECTORS)}"
    else:
        values["sector"] = sector

    bands: list[str] = []
    for raw in getlist("band"):
        for part in str(raw).split(","):
            part = part.strip().lower()
            if not part:
                continue
            if part not in BANDS:
                errors["band"] = f"band must be one or more of {', '.join(BANDS)}"
            elif part not in bands:
                bands.append(part)
    values["band"] = tuple(bands)

    category = (get("red_flag_category") or "").strip().upper()
    if category and category not in CATEGORIES:
        errors["red_flag_category"] = f"red_flag_category must be one of {', '.join(CATEGORIES)}"
    else:
        values["red_flag_category"] = category


def _parse_dates(get, values: dict, errors: dict) -> None:
    """Visited after / before (dates) and not visited for N days."""
    for name in ("visited_after", "visited_before"):
        raw = (get(name) or "").strip()
        if raw:
            values[name] = _date(raw, name, errors)

    raw = (get("not_visited_days") or "").strip()
    if raw:
        if re.fullmatch(r"\d{1,5}", raw):
            values["not_visited_days"] = int(raw)
        else:
            errors["not_visited_days"] = "not_visited_days must be a whole number of days"


def _parse_bbox(get, values: dict, errors: dict) -> None:
    """The map's view: west,south,east,north in degrees."""
    raw = (get("bbox") or "").strip()
    if not raw:
        return
    try:
        west, south, east, north = (float(v) for v in raw.split(","))
        if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
            raise ValueError
        values["bbox"] = (west, south, east, north)
    except ValueError:
        errors["bbox"] = "bbox must be west,south,east,north in degrees, e.g. -1.2,52.6,-1.0,52.7"
