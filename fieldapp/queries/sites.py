"""Sites for the map, the list and exports: one query per need, one filter for all."""

from __future__ import annotations

import json
from datetime import datetime

from flask import current_app, has_app_context
from sqlite_utils import Database

from fieldapp.db import query
from fieldapp.filters import SORTS, FlagRules, SiteFilter, flagged_sql, where


def for_request() -> SiteFilter:
    """The filter in this request's query string. Partners only ever see flagged sites,
    whichever page (map, list, export) they ask through."""
    from dataclasses import replace

    from flask import request
    from flask_login import current_user

    from fieldapp.filters import parse

    f = parse(request.args)
    if current_user.is_authenticated and current_user.role == "partner":
        f = replace(f, flagged=True)
    return f


def rules() -> FlagRules:
    """This deployment's flag rules (defaults outside an app)."""
    if not has_app_context():
        return FlagRules()
    config = current_app.config
    return FlagRules(
        bands=tuple(config.get("FLAG_BANDS", ("high",))),
        red_flag_months=int(config.get("FLAG_RED_FLAG_MONTHS", 12)),
    )


def _flag_column(now: datetime | None = None) -> tuple[str, list]:
    sql, params = flagged_sql(rules(), now)
    return f"CASE WHEN {sql} THEN 1 ELSE 0 END AS flagged_now", params


def select(
    db: Database,
    f: SiteFilter,
    *,
    limit: int | None = None,
    offset: int = 0,
    now: datetime | None = None,
) -> list[dict]:
    """Full rows for the filter in the filter's sort order, each with ``flagged_now``."""
    flag_sql, flag_params = _flag_column(now)
    where_sql, params = where(f, rules(), now)
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
    return rows


def counts(db: Database, f: SiteFilter, now: datetime | None = None) -> dict:
    """How many sites match, in total and by band and sector."""
    where_sql, params = where(f, rules(), now)
    rows = db.execute(
        f"SELECT coalesce(risk_band, 'none'), sector, count(*) FROM premises "  # noqa: S608
        f"WHERE {where_sql} GROUP BY 1, 2",
        params,
    ).fetchall()
    by_band: dict[str, int] = {}
    by_sector: dict[str, int] = {}
    for band, sector, n in rows:
        by_band[band] = by_band.get(band, 0) + n
        by_sector[sector] = by_sector.get(sector, 0) + n
    return {"total": sum(n for *_, n in rows), "band": by_band, "sector": by_sector}


def ids(db: Database, f: SiteFilter, now: datetime | None = None) -> list[int]:
    """Every matching premises id, in the filter's order (used to compare views)."""
    where_sql, params = where(f, rules(), now)
    return [
        r[0]
        for r in db.execute(
            f"SELECT id FROM premises WHERE {where_sql} "  # noqa: S608
            f"ORDER BY {SORTS[f.sort]}, premises.id",
            params,
        )
    ]


def map_points_json(db: Database, f: SiteFilter, now: datetime | None = None) -> str:
    """The same as :func:`map_points`, encoded by SQLite straight to a compact JSON array:
    [[id, lat, lon, band code, sector code], ...], coordinates to about a metre."""
    where_sql, params = where(f, rules(), now)
    return db.execute(
        "SELECT coalesce(json_group_array(json_array(id, round(latitude, 5), "  # noqa: S608
        "round(longitude, 5), CASE risk_band WHEN 'high' THEN 3 WHEN 'medium' THEN 2 "
        "WHEN 'low' THEN 1 ELSE 0 END, CASE sector WHEN 'nail_bar' THEN 1 ELSE 0 END)), '[]') "
        f"FROM (SELECT * FROM premises WHERE {where_sql} AND latitude IS NOT NULL ORDER BY id)",
        params,
    ).fetchone()[0]
