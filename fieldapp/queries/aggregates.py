"""The counting behind the aggregate feed (``/api/v1/aggregates``): the running totals
(migration m018) by calendar month and sector.

Each function takes UK days ``start`` to ``end`` (both included) and returns rows with
``month`` ("2025-04"), ``sector`` and the counts; fieldapp.reports.aggregates lays them out
and hides small numbers. Nothing here knows of Flask.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from fieldapp.queries import query


def _days(start: date, end: date) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat()}


def visits(db: Database, start: date, end: date) -> list[dict]:
    """Current visits by month, sector, concern level (band, '' when not judged) and whether
    a modern slavery red flag was counted, with the potential victims they found."""
    return query(
        db,
        "SELECT substr(day, 1, 7) AS month, sector, band, red_flagged > 0 AS red_flagged, "
        "sum(visits) AS visits, sum(victims) AS victims FROM report_visit_days "
        "WHERE day BETWEEN :from AND :to GROUP BY 1, 2, 3, 4",
        _days(start, end),
    )


def referrals(db: Database, start: date, end: date) -> list[dict]:
    """Current referrals by month, sector and route."""
    return query(
        db,
        "SELECT substr(day, 1, 7) AS month, sector, route, sum(referrals) AS referrals "
        "FROM report_referral_days WHERE day BETWEEN :from AND :to GROUP BY 1, 2, 3",
        _days(start, end),
    )
