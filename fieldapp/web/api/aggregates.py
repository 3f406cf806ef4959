"""``GET /api/v1/aggregates``: the council's scrutiny counts by month, sector and area, with
small numbers hidden, for a regional partnership's system (a token whose scope is
"aggregates").

The period is ``period`` (a preset: this_fy, last_fy, this_quarter, last_quarter,
this_month, last_month) or ``from`` and ``to`` (UK dates, YYYY-MM-DD, both included: the
first day of a month and the last day of one), this financial year if none is given, and at
most MAX_MONTHS calendar months. Every wrong value
is a 400 naming its parameter. Each answer sent goes in the export log with the SHA-256 of
its bytes, like any other disclosure. The figures are fieldapp.reports.aggregates.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date

from flask import Response, current_app, g, request

from fieldapp import safeguarding
from fieldapp.checklists.model import SECTORS
from fieldapp.db import get_db
from fieldapp.exports import DEFAULT_MARKING, tokens
from fieldapp.queries import exports as exports_q
from fieldapp.reports import aggregates, periods, suppression
from fieldapp.timeutil import EARLIEST, LATEST, now_iso, uk_iso, uk_today
from fieldapp.web import checklists as web_checklists
from fieldapp.web.api.v1 import problem, token_required
from fieldapp.web.api.views import bp
from fieldapp.web.reports.views import _below

MAX_MONTHS = aggregates.MAX_MONTHS
PARAMETERS = ("period", "from", "to")
PRESETS = tuple(p for p in periods.PRESETS if p != "custom")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LOG_FORMAT = "aggregates"  # the export log's format for a read of this feed


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter


def _date(args: Mapping, name: str) -> date:
    typed = args.get(name, "")
    if not ISO_DATE.fullmatch(typed):
        raise BadParameter(name, f"{name} must be a date written YYYY-MM-DD, like 2026-04-01")
    try:
        day = date.fromisoformat(typed)
    except ValueError:
        raise BadParameter(name, f"{name} must be a real date, like 2026-04-01") from None
    if not EARLIEST <= day <= LATEST:
        raise BadParameter(name, f"{name} must be between {EARLIEST} and {LATEST}")
    return day


def chosen_period(args, today: date) -> periods.Period:
    """The period the query string asks for; BadParameter names what is wrong."""
    for name in args:
        if name not in PARAMETERS:
            shown = name[:40].encode("ascii", "backslashreplace").decode()
            raise BadParameter(shown, f"Unknown parameter {shown!r}: give period, or from and to")
        if len(args.getlist(name)) > 1:
            raise BadParameter(name, f"Give {name} once")
    dated = [name for name in ("from", "to") if name in args]
    if "period" in args:
        if dated:
            raise BadParameter("period", "Give either period, or from and to, not both")
        if args["period"] not in PRESETS:
            raise BadParameter("period", f"period must be one of {', '.join(PRESETS)}")
        return periods.preset(args["period"], today)
    if not dated:
        return periods.preset(periods.DEFAULT, today)
    for name in ("from", "to"):
        if name not in args:
            raise BadParameter(name, f"Give {name} as well: both dates or neither")
    start, end = _date(args, "from"), _date(args, "to")
    # Whole months only: two answers for periods a day apart would otherwise give, by
    # their difference, the counts for one day, which no suppression within one answer
    # can protect.
    if start != periods.month(start).start:
        raise BadParameter("from", "from must be the first day of a month, like 2026-04-01")
    if end != periods.month(end).end:
        raise BadParameter("to", "to must be the last day of a month, like 2026-06-30")
    if end < start:
        raise BadParameter("to", "to must be the same as or after from")
    period = periods.classify(start, end)
    if aggregates.month_count(period) > MAX_MONTHS:
        raise BadParameter("to", f"The period can cover at most {MAX_MONTHS} calendar months")
    return period


def body(period: periods.Period, below: int) -> dict:
    """The whole answer: who, what period, the rule, then the figures."""
    routes = safeguarding.referral_routes(web_checklists.current().safeguarding)
    names = {r["id"]: r.get("title") or r["id"] for r in routes}
    figures = aggregates.build(get_db(), period, routes=list(names), below=below)
    return {
        "council": current_app.config["COUNCIL_NAME"],
        "period": {
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "name": period.name,
        },
        "generated_at": uk_iso(now_iso()),
        "suppression": {
            "threshold": below,
            "rule": suppression.rule(below).replace("\u201c", '"').replace("\u201d", '"'),
            "shape": (
                'Every count is {"value": n, "suppressed": null}, or {"value": null, '
                '"suppressed": "primary"} for a count from 1 to '
                f'{below - 1}, or {{"value": null, "suppressed": "secondary"}} for one hidden '
                "so that a small count cannot be worked out from the totals."
            ),
        },
        "sectors": {**SECTORS, aggregates.TOTAL: "All sectors"},
        "referral_routes": {
            route: names.get(route, route.replace("_", " ").capitalize())
            for route in figures.pop("referral_routes")
        },
        **figures,
    }


@bp.route("/v1/aggregates")
@token_required(scope=tokens.AGGREGATES)
def aggregate_figures():
    """The counts for the period asked for, small numbers hidden; logged when sent."""
    try:
        period = chosen_period(request.args, uk_today())
    except BadParameter as wrong:
        return problem(400, str(wrong), parameter=wrong.parameter)
    marking = current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING)
    headers = {"Cache-Control": "no-store", "X-Handling-Marking": marking}
    if request.method == "HEAD":
        return Response(mimetype="application/json", headers=headers)  # nothing sent or logged
    data = json.dumps(body(period, _below()), ensure_ascii=False).encode("utf-8")
    token = g.api_token
    exports_q.log_export(
        get_db(),
        user_id=None,
        token_id=token["id"],
        agency=token["agency"],
        fmt=LOG_FORMAT,
        filter_text=f"Aggregate figures, {period.dates}",
        row_count=aggregates.month_count(period),
        byte_count=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    return Response(data, mimetype="application/json", headers=headers)
