"""The counting behind the scrutiny figures: SQL aggregation over the running totals.

Visits, red flags, referrals and the register are summed from the day totals migration
m018 keeps as each record is written (current versions only: an amendment or a
correction replaces what it corrects), so a year costs a few thousand rows, not a year of
visits. The number of different premises visited or flagged comes from the per-premises
totals kept for each financial year, quarter and month, or for any other run of days from
one look per premises in the ``visits_report`` index. Joint operations are few, and are
counted from their outcomes directly.

Every function takes the current period and the previous one (a ``Span``: UK days, both
included, immediately before one another) and returns rows with ``period`` "current" or
"previous", ``sector`` and the counts. Nothing here knows of Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from fieldapp.queries import query
from fieldapp.timeutil import uk_day_end_utc, uk_day_start_utc

BANDS = ("high", "medium", "low")


@dataclass(frozen=True)
class Span:
    """UK days ``start`` to ``end`` (both included); ``bucket`` names the financial year,
    quarter or month they are exactly, if they are one."""

    start: date
    end: date
    bucket: str | None = None

    @property
    def instants(self) -> tuple[str, str]:
        """The UTC instants the span begins and ends (exclusive), as stored times."""
        return uk_day_start_utc(self.start).isoformat(), uk_day_end_utc(self.end).isoformat()


def _days(current: Span, previous: Span) -> dict:
    return {
        "from": previous.start.isoformat(),
        "split": current.start.isoformat(),
        "to": current.end.isoformat(),
    }


_PERIOD = "CASE WHEN day >= :split THEN 'current' ELSE 'previous' END AS period"


def visits(db: Database, current: Span, previous: Span) -> list[dict]:
    """Current visits by period, sector, outcome, concern level (band, '' when not judged)
    and whether a modern slavery red flag was counted; with the potential victims found."""
    return query(
        db,
        f"SELECT {_PERIOD}, sector, outcome, band, red_flagged, sum(visits) AS visits, "  # noqa: S608
        "sum(victims) AS victims FROM report_visit_days WHERE day BETWEEN :from AND :to "
        "GROUP BY 1, 2, 3, 4, 5",
        _days(current, previous),
    )


def red_flags(db: Database, current: Span, previous: Span) -> list[dict]:
    """Red flags found at visits that could inspect, by period, sector and indicator."""
    return query(
        db,
        f"SELECT {_PERIOD}, sector, concern, indicator, category, sum(visits) AS visits "  # noqa: S608
        "FROM report_red_flag_days WHERE day BETWEEN :from AND :to AND outcome = 'assessed' "
        "GROUP BY 1, 2, 3, 4, 5",
        _days(current, previous),
    )


def register(db: Database, current: Span, previous: Span) -> list[dict]:
    """Premises on the register at the end of each period, by sector."""
    rows = query(
        db,
        "SELECT sector, sum(CASE WHEN day <= :to THEN premises END) AS current, "
        "sum(CASE WHEN day <= :before THEN premises END) AS previous "
        "FROM report_register_days WHERE day <= :to GROUP BY sector",
        {"to": current.end.isoformat(), "before": previous.end.isoformat()},
    )
    return [
        {"period": period, "sector": r["sector"], "premises": r[period] or 0}
        for r in rows
        for period in ("current", "previous")
    ]


def referrals(db: Database, current: Span, previous: Span) -> list[dict]:
    """Current referrals by period, sector and route, with the adults and children."""
    return query(
        db,
        f"SELECT {_PERIOD}, sector, route, sum(referrals) AS referrals, "  # noqa: S608
        "sum(adults) AS adults, sum(children) AS children FROM report_referral_days "
        "WHERE day BETWEEN :from AND :to GROUP BY 1, 2, 3",
        _days(current, previous),
    )


def exploitation(db: Database, current: Span, previous: Span) -> list[dict]:
    """Current referrals naming each kind of exploitation, by period and sector."""
    return query(
        db,
        f"SELECT {_PERIOD}, sector, kind, sum(referrals) AS referrals "  # noqa: S608
        "FROM report_exploitation_days WHERE day BETWEEN :from AND :to GROUP BY 1, 2, 3",
        _days(current, previous),
    )


def _flagging(bands: Sequence[str], prefix: str) -> str:
    """SQL true for a per-premises row with a visit the flag rule flags (a listed band or a
    modern slavery red flag). Band names are checked against the fixed list."""
    named = [band for band in bands if band in BANDS]
    terms = [f"{prefix}red_flagged > 0", *(f"{prefix}{band} > 0" for band in named)]
    return "(" + " OR ".join(terms) + ")"


def _hand_flags(span: Span) -> tuple[str, list]:
    """SQL for the ids of premises a coordinator flagged by hand during ``span``."""
    return (
        "SELECT CAST(record_id AS INTEGER) FROM audit WHERE action = 'premises.flag' "
        "AND at >= ? AND at < ?",
        list(span.instants),
    )


def premises(db: Database, span: Span, bands: Sequence[str], period: str) -> list[dict]:
    """Different premises visited in ``span`` (any visit, including those that could not
    inspect), and flagged during it (a visit the flag rule flags, or flagged by hand), by
    sector."""
    if span.bucket:
        return _premises_in_bucket(db, span, bands, period)
    return _premises_by_looking(db, span, bands, period)


def _premises_in_bucket(db: Database, span: Span, bands: Sequence[str], period: str):
    flagging = _flagging(bands, "")
    hand_sql, hand_params = _hand_flags(span)
    rows = query(
        db,
        f"SELECT sector, count(*) AS visited, count(CASE WHEN {flagging} THEN 1 END) "  # noqa: S608
        "AS flagged FROM report_premises WHERE bucket = ? AND visits > 0 GROUP BY sector",
        [span.bucket],
    )
    by_hand = db.execute(
        f"SELECT p.sector, count(*) FROM premises p WHERE p.id IN ({hand_sql}) "  # noqa: S608
        "AND NOT EXISTS (SELECT 1 FROM report_premises r WHERE r.bucket = ? "
        f"AND r.sector = p.sector AND r.premises_id = p.id AND {_flagging(bands, 'r.')}) "
        "GROUP BY p.sector",
        [*hand_params, span.bucket],
    ).fetchall()
    return _with_hand_flags(rows, dict(by_hand), period)


def _with_hand_flags(rows: list[dict], by_hand: dict[str, int], period: str) -> list[dict]:
    found = {r["sector"]: r for r in rows}
    for sector, n in by_hand.items():
        found.setdefault(sector, {"sector": sector, "visited": 0, "flagged": 0})["flagged"] += n
    return [{**r, "period": period} for r in found.values()]


# Visits no later revision amends, by the rowid every index carries (so a look in the
# visits_report index never reads the visit itself).
_CURRENT_ROWID = (
    "v.rowid NOT IN (SELECT w.rowid FROM visits w WHERE w.id IN "
    "(SELECT amends FROM visits WHERE amends IS NOT NULL))"
)


def _premises_by_looking(db: Database, span: Span, bands: Sequence[str], period: str):
    named = [band for band in bands if band in BANDS]
    marks = ", ".join("?" for _ in named) or "NULL"
    start, end = span.instants
    hand_sql, hand_params = _hand_flags(span)
    in_span = (
        "SELECT 1 FROM visits v WHERE v.premises_id = p.id AND v.visited_at >= ? "  # noqa: S608 - fixed fragments
        f"AND v.visited_at < ? AND {_CURRENT_ROWID}"
    )
    rows = query(
        db,
        f"SELECT p.sector, count(CASE WHEN EXISTS ({in_span}) THEN 1 END) AS visited, "  # noqa: S608
        f"count(CASE WHEN EXISTS ({in_span} AND (v.band IN ({marks}) OR v.red_flag_count > 0)) "
        f"OR p.id IN ({hand_sql}) THEN 1 END) AS flagged FROM premises p GROUP BY p.sector",
        [start, end, start, end, *named, *hand_params],
    )
    return [{**r, "period": period} for r in rows]


# Each outcome once with its premises' sector, then added up two ways: by sector, and by
# kind of enforcement action (looking each premises up once, not twice).
_OUTCOMES = (
    "WITH x AS MATERIALIZED (SELECT CASE WHEN o.operation_date >= :split THEN 'current' "
    "ELSE 'previous' END AS period, p.sector, r.visited, r.workers_spoken_to, "
    "r.potential_victims, r.referrals_nrm, r.referrals_duty_to_notify, "
    "r.referrals_childrens_services, r.enforcement_actions FROM operation_outcomes r "
    "JOIN operations o ON o.id = r.operation_id JOIN premises p ON p.id = r.premises_id "
    "WHERE o.operation_date BETWEEN :from AND :to) "
    "SELECT period, sector, NULL AS action, count(*) AS recorded, sum(visited) AS visited, "
    "sum(1 - visited) AS not_visited, sum(workers_spoken_to) AS workers_spoken_to, "
    "sum(potential_victims) AS potential_victims, sum(referrals_nrm) AS referrals_nrm, "
    "sum(referrals_duty_to_notify) AS referrals_duty_to_notify, "
    "sum(referrals_childrens_services) AS referrals_childrens_services, NULL AS actions "
    "FROM x GROUP BY 1, 2 UNION ALL "
    "SELECT period, sector, j.value, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*) "
    "FROM x, json_each(CASE WHEN json_valid(x.enforcement_actions) THEN x.enforcement_actions "
    "ELSE '[]' END) j WHERE j.type = 'text' GROUP BY 1, 2, 3"
)


def operations(db: Database, current: Span, previous: Span) -> dict[str, list[dict]]:
    """Joint operations dated in each period (operations are dated in UK days): how many
    (``held``), their recorded outcomes by sector (``outcomes``), enforcement actions by
    kind and sector (``actions``), and how many operations each partner agency took part
    in (``partners``)."""
    days = _days(current, previous)
    held = query(
        db,
        "SELECT CASE WHEN operation_date >= :split THEN 'current' ELSE 'previous' END "
        "AS period, count(*) AS operations FROM operations "
        "WHERE operation_date BETWEEN :from AND :to GROUP BY 1",
        days,
    )
    rows = query(db, _OUTCOMES, days)
    partners = query(
        db,
        "SELECT CASE WHEN o.operation_date >= :split THEN 'current' ELSE 'previous' END "
        "AS period, a.agency, count(*) AS operations FROM operation_partners a "
        "JOIN operations o ON o.id = a.operation_id "
        "WHERE o.operation_date BETWEEN :from AND :to GROUP BY 1, 2",
        days,
    )
    return {
        "held": held,
        "outcomes": [r for r in rows if r["action"] is None],
        "actions": [r for r in rows if r["action"] is not None],
        "partners": partners,
    }


def checklist_versions(db: Database) -> list[dict]:
    """Every checklist version visits have used, with when it was first used (UTC)."""
    return query(
        db,
        "SELECT checklist_id, version, first_used_at FROM checklist_versions "
        "ORDER BY checklist_id, first_used_at",
    )
