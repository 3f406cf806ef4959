"""Sites for the map, the list and exports: one query per need, one filter for all.

Every function takes the deployment's FlagRules (which bands and how recent a red flag
make a site flagged); the web layer reads them from the settings.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.queries import query
from fieldapp.sitefilter import FlagRules, SiteFilter
from fieldapp.timeutil import uk_day_end_utc, uk_day_start_utc
from fieldapp.visibility import STAFF, Viewer, project

DEFAULT_RULES = FlagRules()
# A map point's sector as a number: its place in SECTORS (the map's script names them from
# the same list). Sector ids are fixed words, safe to write into the SQL.
_SECTOR_CODE = (
    "CASE sector "
    + " ".join(f"WHEN '{sector}' THEN {code}" for code, sector in enumerate(SECTORS))
    + " END"
)

# The SQL of each sort the filter allows (fieldapp.sitefilter.SORTS names them).
SORTS = {
    "risk": "CASE risk_band WHEN 'high' THEN 0 WHEN 'medium' THEN 1 WHEN 'low' THEN 2 ELSE 3 END"
    ", risk_score IS NULL, risk_score DESC",
    "name": "name COLLATE NOCASE",
    "last_visit": "last_visit_at IS NULL, last_visit_at DESC",
    "sector": "sector",
}


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
    # The dates are UK calendar days (a visit at 00:30 BST on 1 April is on 1 April), so
    # each is compared as the UTC instants its UK day begins and ends.
    if f.visited_after:
        clauses.append("last_visit_at >= ?")
        params.append(uk_day_start_utc(f.visited_after).isoformat())
    if f.visited_before:
        clauses.append("last_visit_at < ?")
        params.append(uk_day_end_utc(f.visited_before).isoformat())
    if f.not_visited_days is not None:
        cutoff = (now - timedelta(days=f.not_visited_days)).replace(microsecond=0).isoformat()
        clauses.append("(last_visit_at IS NULL OR last_visit_at < ?)")
        params.append(cutoff)
    if f.mismatch:
        clauses.append("last_visit_mismatch = 1")
    if f.no_location:
        clauses.append("latitude IS NULL")
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


def flag_column(rules: FlagRules, now: datetime | None = None) -> tuple[str, list]:
    """A ``flagged_now`` column (1 or 0) for a SELECT over premises, and its parameters."""
    sql, params = flagged_sql(rules, now)
    return f"CASE WHEN {sql} THEN 1 ELSE 0 END AS flagged_now", params


def select(
    db: Database,
    f: SiteFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
    now: datetime | None = None,
    rules: FlagRules = DEFAULT_RULES,
    viewer: Viewer = STAFF,
) -> list[dict]:
    """Rows for the filter in its sort order, each with ``flagged_now``, projected to what
    ``viewer`` may see (council staff: every column)."""
    flag_sql, flag_params = flag_column(rules, now)
    where_sql, params = where(f, rules, now)
    sql = (
        f"SELECT premises.*, {flag_sql} FROM premises WHERE {where_sql} "  # noqa: S608
        f"ORDER BY {SORTS[f.sort]}, premises.id"
    )
    all_params = [*flag_params, *params]
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        all_params += [limit, offset]
    rows = query(db, sql, all_params)
    for row in rows:
        row["red_flags"] = json.loads(row["red_flags"])
        row["top_indicators"] = json.loads(row["top_indicators"])
    return [project(row, viewer) for row in rows]


def counts(
    db: Database,
    f: SiteFilter,
    now: datetime | None = None,
    rules: FlagRules = DEFAULT_RULES,
    viewer: Viewer = STAFF,
) -> dict:
    """How many sites match, in total and by sector, how many of them have no map position
    (so the map never hides them), and by band when ``viewer`` may see bands (a count by band
    would tell a partner what the profile withholds)."""
    where_sql, params = where(f, rules, now)
    rows = db.execute(
        f"SELECT coalesce(risk_band, 'none'), sector, latitude IS NULL, count(*) "  # noqa: S608
        f"FROM premises WHERE {where_sql} GROUP BY 1, 2, 3",
        params,
    ).fetchall()
    by_band: dict[str, int] = {}
    by_sector: dict[str, int] = {}
    unplaced = 0
    for band, sector, no_location, n in rows:
        by_band[band] = by_band.get(band, 0) + n
        by_sector[sector] = by_sector.get(sector, 0) + n
        unplaced += n if no_location else 0
    if not viewer.sees("risk_band"):
        by_band = {}
    return {
        "total": sum(n for *_, n in rows),
        "band": by_band,
        "sector": by_sector,
        "no_location": unplaced,
    }


def ids(
    db: Database, f: SiteFilter, now: datetime | None = None, rules: FlagRules = DEFAULT_RULES
) -> list[int]:
    """Every matching premises id, in the filter's order (used to compare views)."""
    where_sql, params = where(f, rules, now)
    return [
        r[0]
        for r in db.execute(
            f"SELECT id FROM premises WHERE {where_sql} "  # noqa: S608
            f"ORDER BY {SORTS[f.sort]}, premises.id",
            params,
        )
    ]


def map_points_json(
    db: Database,
    f: SiteFilter,
    now: datetime | None = None,
    rules: FlagRules = DEFAULT_RULES,
    viewer: Viewer = STAFF,
) -> str:
    """The same as :func:`map_points`, encoded by SQLite straight to a compact JSON array:
    [[id, lat, lon, band code, sector code], ...], coordinates to about a metre. The band
    code is 0 ("not shown") for a viewer who may not see bands; a viewer without locations
    gets no points."""
    if not viewer.sees("location"):
        return "[]"
    where_sql, params = where(f, rules, now)
    band = (
        "CASE risk_band WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END"
        if viewer.sees("risk_band")
        else "0"
    )
    return db.execute(
        "SELECT coalesce(json_group_array(json_array(id, round(latitude, 5), "  # noqa: S608
        f"round(longitude, 5), {band}, {_SECTOR_CODE})), '[]') "
        f"FROM (SELECT * FROM premises WHERE {where_sql} AND latitude IS NOT NULL ORDER BY id)",
        params,
    ).fetchone()[0]
