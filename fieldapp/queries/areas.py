"""The counting behind the figures by area: each premises with its postcode and its
visits in a period, for fieldapp.reports.areas to place by ward, local authority or
postcode district.

The running totals (migration m018) keep visits by day and sector, not by premises, so
this counts from the visits themselves: current versions only (an amendment replaces the
visit it amends), joined to their premises. Nothing here knows of Flask.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query


def premises(db: Database, start: str, end: str) -> list[dict]:
    """Every premises on the register by ``end`` or visited from ``start`` to ``end``
    (stored UTC instants, the end exclusive): its postcode, whether it was on the
    register, and its current visits, high-concern visits and potential victims found."""
    rows = query(
        db,
        "SELECT p.id, p.postcode, p.created_at < :end AS on_register, "
        "count(v.id) AS visits, count(CASE WHEN v.band = 'high' THEN 1 END) AS high, "
        "coalesce(sum(v.potential_victims), 0) AS victims FROM premises p "
        "LEFT JOIN visits v ON v.premises_id = p.id AND v.visited_at >= :start "
        "AND v.visited_at < :end AND NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id) "
        "GROUP BY p.id",
        {"start": start, "end": end},
    )
    return [r for r in rows if r["on_register"] or r["visits"]]
