"""The reading behind the displacement report: sites actioned in a period, and the premises
near each one that are new or had their first high-concern visit since.

An actioned site is a premises on the map with an operation outcome, on an operation
dated in the period, that records at least one enforcement action. The premises that could
follow one are found from a bounding box on latitude and longitude around each site,
read from the premises_location index alone: those added or registered in the period
are read once for the whole period, and only premises inside a box have their visits
looked at for a first high-concern visit. fieldapp.reports.displacement works out the
exact distance and applies each site's dates. Nothing here knows of Flask.
"""

from __future__ import annotations

import json

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


def appeared(db: Database, since: str, until: str, since_day: str, end_day: str) -> list[dict]:
    """Premises with a map position that could be new in the window: added to the app from
    ``since`` to before ``until`` (stored UTC instants), or registered by the council from
    ``since_day`` to ``end_day`` (dates). The caller decides exactly which are new."""
    return query(
        db,
        "SELECT p.id, p.name, p.address, p.postcode, p.sector, p.latitude, p.longitude, "
        "p.created_at, p.registered_on FROM premises p "
        "WHERE p.latitude IS NOT NULL AND p.longitude IS NOT NULL "
        "AND ((p.created_at >= :since AND p.created_at < :until) "
        "OR p.registered_on BETWEEN :since_day AND :end_day) ORDER BY p.id",
        {"since": since, "until": until, "since_day": since_day, "end_day": end_day},
    )


def first_high(db: Database, ids: list[int], since: str, until: str) -> list[dict]:
    """Those of premises ``ids`` whose first ever high-concern visit was from ``since`` to
    before ``until`` (stored UTC instants), with their details and its time as
    ``first_high_at``. Only the latest version of each visit counts: a visit amended away
    from high is not high, and one amended to high is high from the time of the visit.
    Each premises' visits are read in time order from the visits_report index, stopping
    at the first high one, so the visits table is never read whole."""
    return query(
        db,
        # Materialised so that each premises' first high visit is looked up once, not
        # again for the WHERE below.
        "WITH f AS MATERIALIZED (SELECT p.id, p.name, p.address, p.postcode, p.sector, "
        "p.latitude, p.longitude, p.created_at, p.registered_on, (SELECT v.visited_at "
        "FROM visits v WHERE v.premises_id = p.id AND v.band = 'high' "
        "AND NOT EXISTS (SELECT 1 FROM visits o WHERE o.amends = v.id) "
        "ORDER BY v.visited_at LIMIT 1) AS first_high_at FROM premises p "
        "WHERE p.id IN (SELECT value FROM json_each(:ids))) "
        "SELECT * FROM f WHERE first_high_at >= :since AND first_high_at < :until ORDER BY id",
        {"ids": json.dumps(sorted(ids)), "since": since, "until": until},
    )


def in_box(db: Database, box: tuple[float, float, float, float], besides: int) -> list[int]:
    """The ids of premises placed inside ``box`` (min and max latitude, then longitude),
    other than ``besides``: read from the premises_location index alone."""
    min_lat, max_lat, min_lon, max_lon = box
    rows = db.conn.execute(
        "SELECT id FROM premises WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ? "
        "AND id != ?",
        [min_lat, max_lat, min_lon, max_lon, besides],
    )
    return [row[0] for row in rows]
