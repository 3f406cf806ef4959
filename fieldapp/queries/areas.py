"""The counting behind the figures by area: each premises with its postcode and its
visits in a period, for fieldapp.reports.areas to place by ward, local authority or
postcode district.

Current versions of visits only (an amendment replaces the visit it amends), joined to
their premises. Nothing here knows of Flask.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query

# The latest version of visit ``v``: no other visit amends it. Asked by rowid, so that a
# covering index answers it without reading the visit's row.
_CURRENT = (
    "v.rowid NOT IN (SELECT w.rowid FROM visits w WHERE w.id IN "
    "(SELECT amends FROM visits WHERE amends IS NOT NULL))"
)


def premises(db: Database, start: str, end: str, bucket: str | None = None) -> list[dict]:
    """The premises on the register by ``end`` or visited from ``start`` to ``end``
    (stored UTC instants, the end exclusive), added up by postcode as typed: how many
    premises, how many on the register and how many visited, and their current visits,
    high-concern visits and potential victims found.

    For a whole financial year, quarter or month (``bucket``, as the running totals name
    it) the visits come from the per-premises totals (migration m018); for other dates
    from the ``visits_report`` index, one look per premises. Potential victims come from
    the few visits that found any (the ``visits_victims`` index), never from every visit.
    """
    params = {"start": start, "end": end, "bucket": bucket}
    if bucket:
        counted = (
            "SELECT premises_id, sum(visits) AS visits, sum(high) AS high "
            "FROM report_premises WHERE bucket = :bucket GROUP BY premises_id"
        )
    else:
        counted = (
            "SELECT v.premises_id, count(*) AS visits, "  # noqa: S608 - fixed fragments
            "count(CASE WHEN v.band = 'high' THEN 1 END) AS high FROM visits v "
            f"WHERE v.visited_at >= :start AND v.visited_at < :end AND {_CURRENT} "
            "GROUP BY v.premises_id"
        )
    victims = (
        "SELECT v.premises_id, sum(v.potential_victims) AS victims "  # noqa: S608 - fixed fragments
        "FROM visits v INDEXED BY visits_victims WHERE v.potential_victims > 0 "
        f"AND v.visited_at >= :start AND v.visited_at < :end AND {_CURRENT} "
        "GROUP BY v.premises_id"
    )
    return query(
        db,
        "SELECT postcode, count(*) AS premises, sum(on_register) AS on_register, "  # noqa: S608 - fixed fragments
        "count(CASE WHEN visits > 0 THEN 1 END) AS visited, sum(visits) AS visits, "
        "sum(high) AS high, sum(victims) AS victims FROM ("
        "SELECT p.postcode, p.created_at < :end AS on_register, "
        "coalesce(c.visits, 0) AS visits, coalesce(c.high, 0) AS high, "
        f"coalesce(w.victims, 0) AS victims FROM premises p LEFT JOIN ({counted}) c "
        f"ON c.premises_id = p.id LEFT JOIN ({victims}) w ON w.premises_id = p.id"
        ") WHERE on_register OR visits > 0 GROUP BY postcode",
        params,
    )
