"""The one set of filters behind the risk map, the site list, exports and the API.

Pure: parses query-string style input into a SiteFilter, with a message per bad parameter,
and turns a SiteFilter into a SQL WHERE clause. Because every view goes through the same
clause, the map, the list and an export of the same filter always hold the same sites.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

SECTORS = ("hand_car_wash", "nail_bar")
BANDS = ("high", "medium", "low", "none")
CATEGORIES = ("LAB", "CTL", "WEL", "HS", "ENV", "TSP")
CATEGORY_LABELS = {
    "LAB": "Labour exploitation",
    "CTL": "Control and coercion",
    "WEL": "Welfare and accommodation",
    "HS": "Health and safety",
    "ENV": "Environmental",
    "TSP": "Trading standards, planning and licensing",
}
SORTS = {
    "risk": "CASE risk_band WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END"
    ", risk_score IS NULL, risk_score DESC",
    "name": "name COLLATE NOCASE",
    "last_visit": "last_visit_at IS NULL, last_visit_at DESC",
    "sector": "sector",
}


@dataclass(frozen=True)
class FlagRules:
    """When a premises counts as flagged (configurable per deployment)."""

    bands: tuple[str, ...] = ("high",)
    red_flag_months: int = 12


@dataclass(frozen=True)
class SiteFilter:
    """Which sites to show. Empty values mean "any"."""

    sector: str = ""
    band: tuple[str, ...] = ()
    flagged: bool = False
    red_flag_category: str = ""
    visited_after: date | None = None
    visited_before: date | None = None
    not_visited_days: int | None = None
    mismatch: bool = False
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
    values: dict = {}

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

    values["flagged"] = _true(str(get("flagged") or ""))
    values["mismatch"] = _true(str(get("mismatch") or ""))

    category = (get("red_flag_category") or "").strip().upper()
    if category and category not in CATEGORIES:
        errors["red_flag_category"] = f"red_flag_category must be one of {', '.join(CATEGORIES)}"
    else:
        values["red_flag_category"] = category

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

    values["q"] = (get("q") or "").strip()[:200]
    values["local_authority"] = (get("local_authority") or "").strip()[:100]

    raw = (get("bbox") or "").strip()
    if raw:
        try:
            west, south, east, north = (float(v) for v in raw.split(","))
            if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
                raise ValueError
            values["bbox"] = (west, south, east, north)
        except ValueError:
            errors["bbox"] = (
                "bbox must be west,south,east,north in degrees, e.g. -1.2,52.6,-1.0,52.7"
            )

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


def flagged_sql(rules: FlagRules, now: datetime | None = None) -> tuple[str, list]:
    """SQL that is true for a flagged premises: a manual flag, or the rule (band or a recent
    red flag) unless a coordinator unflagged it. Worked out at query time so a red flag
    drops out of the window by itself, a year on."""
    since = (now or datetime.now(UTC)) - timedelta(days=round(rules.red_flag_months * 30.44))
    marks = ", ".join("?" for _ in rules.bands) or "NULL"
    return (
        "(flag_override = 'flag' OR (flag_override IS NULL AND "
        f"(risk_band IN ({marks}) OR last_red_flag_at >= ?)))",
        [*rules.bands, since.replace(microsecond=0).isoformat()],
    )


def where(f: SiteFilter, rules: FlagRules, now: datetime | None = None) -> tuple[str, list]:
    """The WHERE clause (without the keyword) and its parameters for a filter."""
    now = now or datetime.now(UTC)
    clauses: list[str] = []
    params: list = []
    if f.sector:
        clauses.append("sector = ?")
        params.append(f.sector)
    if f.band:
        named = [b for b in f.band if b != "none"]
        parts = []
        if named:
            parts.append(f"risk_band IN ({', '.join('?' for _ in named)})")
            params.extend(named)
        if "none" in f.band:
            parts.append("risk_band IS NULL")
        clauses.append("(" + " OR ".join(parts) + ")")
    if f.flagged:
        sql, flag_params = flagged_sql(rules, now)
        clauses.append(sql)
        params.extend(flag_params)
    if f.red_flag_category:
        clauses.append("red_flag_categories LIKE ?")
        params.append(f"%,{f.red_flag_category},%")
    if f.visited_after:
        clauses.append("last_visit_at >= ?")
        params.append(f.visited_after.isoformat())
    if f.visited_before:
        clauses.append("last_visit_at < ?")
        params.append((f.visited_before + timedelta(days=1)).isoformat())
    if f.not_visited_days is not None:
        cutoff = (now - timedelta(days=f.not_visited_days)).replace(microsecond=0).isoformat()
        clauses.append("(last_visit_at IS NULL OR last_visit_at < ?)")
        params.append(cutoff)
    if f.mismatch:
        clauses.append("last_visit_mismatch = 1")
    if f.local_authority:
        clauses.append("local_authority = ? COLLATE NOCASE")
        params.append(f.local_authority)
    if f.bbox:
        west, south, east, north = f.bbox
        clauses.append("latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?")
        params.extend([south, north, west, east])
    if f.q:
        words = re.findall(r"\w+", f.q.lower())
        if words:
            clauses.append(
                "premises.rowid IN (SELECT rowid FROM premises_fts WHERE premises_fts MATCH ?)"
            )
            params.append(" ".join(f'"{w}"*' for w in words))
    return (" AND ".join(clauses) or "1"), params
