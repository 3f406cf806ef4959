"""Recording what happened at each site, the operation's summary and the figures
councillors ask for."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldapp import operations as ops
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import operations as ops_q
from fieldapp.timeutil import uk_today
from fieldapp.web.filtering import flag_rules
from fieldapp.web.operations.forms import OutcomeForm
from fieldapp.web.operations.helpers import operation_for_user
from fieldapp.web.operations.views import bp


@bp.route("/<int:operation_id>/sites/<int:premises_id>/outcome", methods=["GET", "POST"])
@allow("coordinator")
def outcome(operation_id: int, premises_id: int):
    """Record what happened at one site, and optionally change its flag."""
    op = operation_for_user(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    site = next((r for r in rows if r["id"] == premises_id), None)
    if site is None:
        abort(404)
    not_yet = ops.outcomes_not_yet(op, uk_today())
    if not_yet:
        flash(not_yet, "info")
        return redirect(url_for("operations.detail", operation_id=operation_id), code=303)
    saved = ops_q.outcome(db, operation_id, premises_id)
    form = OutcomeForm()
    if request.method == "GET" and saved:
        form.visited.data = "yes" if saved["visited"] else "no"
        form.not_visited_reason.data = saved["not_visited_reason"] or ""
        for name in ops.COUNTS:
            getattr(form, name).data = saved[name]
        form.enforcement_actions.data = saved["enforcement_actions"]
        form.note.data = saved["note"]
    if form.validate_on_submit():
        action = form.flag_action.data
        flag = (action, form.flag_reason.data) if action != "leave" else None
        ops.save_outcome(
            db, operation_id, premises_id, form.values(), user_id=current_user.id, flag=flag
        )
        flash(f"Outcome saved for {site['name']}.", "success")
        return redirect(url_for("operations.summary", operation_id=operation_id), code=303)
    return render_template("operations/outcome.html", form=form, op=op, site=site, saved=saved)


@bp.route("/<int:operation_id>/summary")
@allow("coordinator")
def summary(operation_id: int):
    """Totals for the operation and what happened at each site."""
    op = operation_for_user(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    results = ops_q.outcomes(db, operation_id)
    return render_template(
        "operations/summary.html",
        op=op,
        rows=rows,
        results=results,
        totals=ops.totals(results.values()),
    )


def _period() -> tuple[date, date, dict[str, str]]:
    """The figures' date range from the query string; the last 12 months by default."""
    today = uk_today()
    errors: dict[str, str] = {}
    values = {}
    defaults = {"from": today - timedelta(days=365), "to": today}
    labels = {"from": "From", "to": "To"}
    for key in ("from", "to"):
        raw = (request.args.get(key) or "").strip()
        if not raw:
            values[key] = defaults[key]
            continue
        try:
            values[key] = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            errors[key] = f"{labels[key]} date must be a real date, for example 2026-04-01"
            values[key] = defaults[key]
    if not errors and values["from"] > values["to"]:
        errors["to"] = "The 'to' date must be the same as or after the 'from' date"
    return values["from"], values["to"], errors


@bp.route("/figures")
@allow("coordinator")
def figures():
    """The scrutiny questions councillors ask, answered for a period."""
    start, end, errors = _period()
    return render_template(
        "operations/figures.html",
        start=start,
        end=end,
        errors=errors,
        figures=ops.figures(get_db(), start, end),
    )
