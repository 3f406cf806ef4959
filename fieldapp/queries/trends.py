"""The counting behind the trends: the running totals (migration m018) by month or quarter.

Each function takes UK days ``start`` to ``end`` (both included) and ``by`` ("month" or
"quarter") and returns rows with ``bucket`` ("2025-04" for April 2025, "2025-q2" for April
to June 2025: calendar quarters, which are also the financial year's quarters), ``sector``
where it applies and the counts. Nothing here knows of Flask.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from fieldapp.queries import query

BY = ("month", "quarter")


def bucket_sql(column: str, by: str) -> str:
    """SQL for the bucket a UK day (``2025-04-01`` text in ``column``) falls in."""
    if by == "quarter":
        return (
            f"(substr({column}, 1, 4) || '-q' || "
            f"((CAST(substr({column}, 6, 2) AS INTEGER) + 2) / 3))"
        )
    return f"substr({column}, 1, 7)"


def _days(start: date, end: date) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat()}


def visits(db: Database, start: date, end: date, by: str) -> list[dict]:
    """Current visits by bucket and sector: all of them, those at the high concern level,
    those that could inspect (``judged``), and the potential victims they found."""
    return query(
        db,
        f"SELECT {bucket_sql('day', by)} AS bucket, sector, sum(visits) AS visits, "  # noqa: S608 - fixed fragments
        "sum(CASE WHEN band = 'high' THEN visits ELSE 0 END) AS high, "
        "sum(CASE WHEN outcome = 'assessed' THEN visits ELSE 0 END) AS judged, "
        "sum(victims) AS victims FROM report_visit_days WHERE day BETWEEN :from AND :to "
        "GROUP BY 1, 2",
        _days(start, end),
    )


def operation_victims(db: Database, start: date, end: date, by: str) -> list[dict]:
    """Potential victims recorded in joint operations' outcomes, by the operation's
    bucket and the premises' sector."""
    return query(
        db,
        f"SELECT {bucket_sql('o.operation_date', by)} AS bucket, p.sector, "  # noqa: S608 - fixed fragments
        "sum(r.potential_victims) AS victims FROM operation_outcomes r "
        "JOIN operations o ON o.id = r.operation_id JOIN premises p ON p.id = r.premises_id "
        "WHERE o.operation_date BETWEEN :from AND :to GROUP BY 1, 2",
        _days(start, end),
    )


def red_flag(
    db: Database, start: date, end: date, by: str, indicator: str, sector: str
) -> list[dict]:
    """Visits that could inspect where ``indicator`` was found, in ``sector``, by bucket."""
    return query(
        db,
        f"SELECT {bucket_sql('day', by)} AS bucket, sum(visits) AS visits "  # noqa: S608 - fixed fragments
        "FROM report_red_flag_days WHERE day BETWEEN :from AND :to AND outcome = 'assessed' "
        "AND indicator = :indicator AND sector = :sector GROUP BY 1",
        {**_days(start, end), "indicator": indicator, "sector": sector},
    )


def indicators_found(db: Database) -> list[str]:
    """Every indicator ever found as a red flag at a visit that could inspect."""
    rows = query(
        db,
        "SELECT DISTINCT indicator FROM report_red_flag_days "
        "WHERE outcome = 'assessed' AND visits > 0 ORDER BY indicator",
    )
    return [r["indicator"] for r in rows]
