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

# The register at the end of the period, from the premises_register index (m020).
_REGISTER = (
    "SELECT postcode, count(*) AS premises, count(*) AS on_register FROM premises "
    "WHERE created_at < :end GROUP BY postcode"
)
# For a whole financial year, quarter or month: the running totals by postcode (m021).
# ``late`` premises were visited but added to the register after the period: they still
# count among the premises.
_BUCKET = (
    "SELECT postcode, late AS premises, visited, visits, high, victims FROM report_postcodes "
    "WHERE bucket = :bucket AND visits > 0"
)
# For other dates: each premises visited, from the ``visits_report`` index.
_VISITED = (
    "SELECT p.postcode, count(CASE WHEN p.created_at >= :end THEN 1 END) AS premises, "  # noqa: S608 - fixed fragments
    "count(*) AS visited, sum(c.visits) AS visits, sum(c.high) AS high FROM "
    "(SELECT v.premises_id, count(*) AS visits, "
    "count(CASE WHEN v.band = 'high' THEN 1 END) AS high FROM visits v "
    f"WHERE v.visited_at >= :start AND v.visited_at < :end AND {_CURRENT} "
    "GROUP BY v.premises_id) c JOIN premises p ON p.id = c.premises_id GROUP BY p.postcode"
)
# And their potential victims, from the few visits that found any (``visits_victims``).
_VICTIMS = (
    "SELECT p.postcode, sum(v.potential_victims) AS victims "  # noqa: S608 - fixed fragments
    "FROM visits v JOIN premises p ON p.id = v.premises_id "
    "WHERE v.potential_victims > 0 AND v.visited_at >= :start AND v.visited_at < :end "
    f"AND {_CURRENT} GROUP BY p.postcode"
)


def premises(db: Database, start: str, end: str, bucket: str | None = None) -> list[dict]:
    """The premises on the register by ``end`` or visited from ``start`` to ``end``
    (stored UTC instants, the end exclusive), added up by postcode as typed: how many
    premises, how many on the register and how many visited, and their current visits,
    high-concern visits and potential victims found.

    The register is read from the ``premises_register`` index. For a whole financial
    year, quarter or month (``bucket``, as the running totals name it) the rest is one
    row a postcode from the running totals by postcode (migration m021); for other dates
    the visits are counted from the ``visits_report`` index and potential victims from
    the few visits that found any (``visits_victims``).
    """
    params = {"start": start, "end": end, "bucket": bucket}
    found: dict[str, dict] = {}
    for sql in (_REGISTER, _BUCKET) if bucket else (_REGISTER, _VISITED, _VICTIMS):
        for row in query(db, sql, params):
            into = found.setdefault(row["postcode"], dict.fromkeys(_COUNTS, 0))
            for name in _COUNTS:
                into[name] += row.get(name) or 0
    return [{"postcode": postcode, **counts} for postcode, counts in found.items()]
