"""The briefing pack: for a phone on the day, and for A4 paper."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_login import current_user

from fieldapp import agencies
from fieldapp import operations as ops
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import operations as ops_q
from fieldapp.timeutil import format_uk_datetime, uk_day_start_utc, uk_today, utcnow
from fieldapp.web import read_audit
from fieldapp.web.filtering import flag_rules
from fieldapp.web.operations.helpers import operation_for_user
from fieldapp.web.operations.views import bp


def _months_ago(months: int) -> str:
    """When the UK day about ``months`` months ago began, as stored (UTC) text."""
    return uk_day_start_utc(uk_today() - timedelta(days=round(months * 30.44))).isoformat()


@bp.route("/<int:operation_id>/brief")
@allow("coordinator", "partner")
def brief(operation_id: int):
    """The briefing pack: for a phone on the day, and for A4 paper."""
    read_audit.consulted("operations", operation_id, "operation_briefing")
    op = operation_for_user(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    route = ops.route(op, rows)
    months = agencies.hazard_months()
    found = ops_q.findings(db, [r["id"] for r in rows], _months_ago(months))
    invited = set(op["partners"]) | {op["lead_agency"]}
    full = current_user.role == "coordinator"
    for row in rows:
        items = found.get(row["id"], [])
        row["red_flag_findings"] = [i for i in items if i.red_flag]
        row["hazards"] = agencies.hazards_found(items)
        row["partner_powers"] = agencies.relevant_agencies(items)
        row["powers_invited"] = [m for m in row["partner_powers"] if m.item["id"] in invited]
        # Other operations are the council's business: a partner sees only this one.
        row["earlier_operations"] = (
            [
                o
                for o in ops_q.outcomes_for_premises(db, row["id"])
                if o["operation_id"] != op["id"]
            ][:3]
            if full
            else []
        )
    stops = [
        {"n": r["stop"], "name": r["name"], "lat": r["latitude"], "lon": r["longitude"]}
        for r in route["stops"]
    ]
    start = (
        {"lat": op["start_latitude"], "lon": op["start_longitude"]}
        if op["start_latitude"] is not None
        else None
    )
    return render_template(
        "operations/brief.html",
        op=op,
        route=route,
        rows=route["stops"] + route["unplaced"],
        months=months,
        map_data={"start": start, "stops": stops},
        printed_at=format_uk_datetime(utcnow()),
        full=full,
    )
