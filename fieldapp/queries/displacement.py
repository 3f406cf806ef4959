"""The reading behind the displacement report: sites actioned in a period, and the premises
near each one that are new or had their first high-concern visit since.

An actioned site is a premises on the map with an operation outcome, on an operation
dated in the period, that records at least one enforcement action. Nearby premises are
found with a bounding box on latitude and longitude (the premises_location index) so a
register of 50,000 premises is never read whole; fieldapp.reports.displacement works out
the exact distance and applies the dates. Nothing here knows of Flask.
"""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query


def actioned(db: Database, start_day: str, end_day: str) -> list[dict]:
    """Each outcome with an enforcement action on an operation dated ``start_day`` to
    ``end_day`` (UK dates, both included) at a premises with a map position, earliest
    first: the premises, the operation's date and name, and the actions (JSON list)."""
    return query(
        db,
        "SELECT p.id, p.name, p.address, p.postcode, p.sector, p.latitude, p.longitude, "
        "op.id AS operation_id, op.name AS operation_name, op.operation_date, "
        "o.enforcement_actions FROM operation_outcomes o "
        "JOIN operations op ON op.id = o.operation_id "
        "JOIN premises p ON p.id = o.premises_id "
        "WHERE op.operation_date BETWEEN :start AND :end "
        "AND json_valid(o.enforcement_actions) AND json_array_length(o.enforcement_actions) > 0 "
        "AND p.latitude IS NOT NULL AND p.longitude IS NOT NULL "
        "ORDER BY op.operation_date, p.id, op.id",
        {"start": start_day, "end": end_day},
    )


def near(
    db: Database,
    box: tuple[float, float, float, float],
    *,
    besides: int,
    since: str,
    since_day: str,
) -> list[dict]:
    """Premises with a map position inside ``box`` (min and max latitude, then longitude),
    other than ``besides``, that could be new or first high since an action: added to the
    app from ``since`` (a stored UTC instant), registered by the council from
    ``since_day`` (a date), or first high-concern at a visit from ``since``. The caller
    checks each exactly; this only narrows the search."""
    min_lat, max_lat, min_lon, max_lon = box
    return query(
        db,
        "SELECT * FROM (SELECT p.id, p.name, p.address, p.postcode, p.sector, p.latitude, "
        "p.longitude, p.created_at, p.registered_on, "
        # The first high-concern visit ever at the premises: only the latest version of
        # each visit counts, so a visit amended away from high is not high, and one
        # amended to high is high from the day of the visit.
        "(SELECT min(v.visited_at) FROM visits v WHERE v.premises_id = p.id "
        "AND v.band = 'high' AND NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id)) "
        "AS first_high_at "
        "FROM premises p WHERE p.latitude BETWEEN :min_lat AND :max_lat "
        "AND p.longitude BETWEEN :min_lon AND :max_lon AND p.id != :besides) "
        "WHERE created_at >= :since OR registered_on >= :since_day OR first_high_at >= :since "
        "ORDER BY id",
        {
            "min_lat": min_lat,
            "max_lat": max_lat,
            "min_lon": min_lon,
            "max_lon": max_lon,
            "besides": besides,
            "since": since,
            "since_day": since_day,
        },
    )
