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


_COUNTS = ("premises", "on_register", "visited", "visits", "high", "victims")


def _visited(bucket: str | None) -> str:
    """Each premises visited in the period with its visits and high-concern visits: from
    the running totals for a whole year, quarter or month, else from the visits."""
    if bucket:
        return "SELECT premises_id, visits, high FROM report_premises WHERE bucket = :bucket"
    return (
        "SELECT v.premises_id, count(*) AS visits, "  # noqa: S608 - fixed fragments
        "count(CASE WHEN v.band = 'high' THEN 1 END) AS high FROM visits v "
        f"WHERE v.visited_at >= :start AND v.visited_at < :end AND {_CURRENT} "
        "GROUP BY v.premises_id"
    )


def premises(db: Database, start: str, end: str, bucket: str | None = None) -> list[dict]:
    """The premises on the register by ``end`` or visited from ``start`` to ``end``
    (stored UTC instants, the end exclusive), added up by postcode as typed: how many
    premises, how many on the register and how many visited, and their current visits,
    high-concern visits and potential victims found.

    Three sums by postcode, each read from an index or a running total rather than from
    every premises or visit: the register from ``premises_register``; for a whole
    financial year, quarter or month (``bucket``, as the running totals name it) the
    visits from the per-premises totals (migration m018), for other dates from the
    ``visits_report`` index; potential victims from the few visits that found any
    (``visits_victims``).
    """
    params = {"start": start, "end": end, "bucket": bucket}
    visited = _visited(bucket)
    found: dict[str, dict] = {}

    def add(rows: list[dict]) -> None:
        for row in rows:
            into = found.setdefault(row["postcode"], dict.fromkeys(_COUNTS, 0))
            for name in _COUNTS:
                into[name] += row.get(name) or 0

    add(
        query(
            db,
            "SELECT postcode, count(*) AS premises, count(*) AS on_register FROM premises "
            "WHERE created_at < :end GROUP BY postcode",
            params,
        )
    )
    add(
        query(
            db,
            # A premises visited but added to the register after the period still counts.
            # One row a premises: the running totals keep one per premises and bucket.
            "SELECT p.postcode, count(CASE WHEN p.created_at >= :end THEN 1 END) AS premises, "  # noqa: S608 - fixed fragments
            "count(*) AS visited, sum(c.visits) AS visits, "
            f"sum(c.high) AS high FROM ({visited}) c JOIN premises p ON p.id = c.premises_id "
            "WHERE c.visits > 0 GROUP BY p.postcode",
            params,
        )
    )
    add(
        query(
            db,
            "SELECT p.postcode, sum(v.potential_victims) AS victims "  # noqa: S608 - fixed fragments
            "FROM visits v JOIN premises p ON p.id = v.premises_id "
            "WHERE v.potential_victims > 0 AND v.visited_at >= :start AND v.visited_at < :end "
            f"AND {_CURRENT} GROUP BY p.postcode",
            params,
        )
    )
    return [{"postcode": postcode, **counts} for postcode, counts in found.items()]
