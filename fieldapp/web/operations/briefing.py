"""The briefing pack: for a phone on the day, and for A4 paper."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from flask_login import current_user

from fieldapp import agencies, visibility
from fieldapp import operations as ops
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import operations as ops_q
from fieldapp.timeutil import format_uk_datetime, uk_day_start_utc, uk_today, utcnow
from fieldapp.visibility import Viewer
from fieldapp.web import read_audit
from fieldapp.web.checklists import checklist_dir, partner_agencies
from fieldapp.web.filtering import flag_rules, viewer
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
    who = viewer()
    rows = ops_q.sites(db, operation_id, flag_rules())
    if who.flagged_only:
        # An invited partner's pack holds the operation's flagged sites only, each with
        # no more than the agency's profile allows (projected after the route is measured).
        rows = [r for r in rows if r["flagged_now"]]
    route = ops.route(op, rows)
    route["stops"] = [_projected(r, who) for r in route["stops"]]
    route["unplaced"] = [_projected(r, who) for r in route["unplaced"]]
    rows = route["stops"] + route["unplaced"]
    months = agencies.hazard_months(checklist_dir())
    hazard_list = agencies.hazards(checklist_dir())
    found = ops_q.findings(db, [r["id"] for r in rows], _months_ago(months))
    invited = set(op["partners"]) | {op["lead_agency"]}
    full = current_user.role == "coordinator"
    for row in rows:
        items = [i for i in found.get(row["id"], []) if _may_see(i, who)]
        row["red_flag_findings"] = [i for i in items if i.red_flag]
        row["hazards"] = agencies.hazards_found(items, hazard_list)
        row["partner_powers"] = agencies.relevant_agencies(items, partner_agencies())
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
        rows=rows,
        months=months,
        map_data={"start": start, "stops": stops},
        printed_at=format_uk_datetime(utcnow()),
        full=full,
    )


def _projected(row: dict, who: Viewer) -> dict:
    """A site of the pack with only what the viewer may see, keeping its place in the route."""
    kept = {k: row[k] for k in ("stop", "leg_m", "cumulative_m") if k in row}
    return {**visibility.project(row, who), **kept}


def _may_see(finding, who: Viewer) -> bool:
    """A sign found at a visit is shown when the viewer's profile carries such signs (its
    indicators, or red flags for a red flag) in the viewer's categories."""
    field_ok = who.sees("indicators") or (finding.red_flag and who.sees("red_flags"))
    return field_ok and who.in_scope(finding.category)
