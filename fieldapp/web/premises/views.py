"""Find premises (near me, or by name, street or postcode), add one, and view one."""

from __future__ import annotations

import re
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldapp import geo, submission
from fieldapp.checklists import BAND_RANK
from fieldapp.db import get_db
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.queries import operations as operations_q
from fieldapp.queries import premises as premises_q
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import visits as visits_q
from fieldapp.timeutil import format_uk_date
from fieldapp.web import checklists, read_audit
from fieldapp.web.filtering import flag_rules
from fieldapp.web.geocoder import shared_geocoder
from fieldapp.web.premises.forms import PremisesForm

bp = Blueprint("premises", __name__, url_prefix="/premises")


@bp.route("/")
@allow(*FIELD_ROLES)
def index():
    """Find the premises: nearby (from the phone's fix) or by search."""
    query = (request.args.get("q") or "").strip()[:200]
    lat = request.args.get("lat", type=float)
    lon = request.args.get("lon", type=float)
    accuracy = request.args.get("accuracy", type=float)
    results, mode = [], None
    if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
        results, mode = premises_q.near(get_db(), lat, lon), "near"
    elif query:
        results, mode = premises_q.search(get_db(), query), "search"
    return render_template(
        "premises/index.html", results=results, mode=mode, query=query, accuracy=accuracy
    )


@bp.route("/new", methods=["GET", "POST"])
@allow(*FIELD_ROLES)
def new():
    """Add a premises on the spot, warning first about a likely duplicate."""
    form = PremisesForm()
    if request.method == "GET":
        form.premises_uuid.data = str(uuid.uuid4())
        form.name.data = request.args.get("name", "")[:200]
    duplicates, geocode_note = [], None
    if form.validate_on_submit():
        db = get_db()
        lat, lon = form.coordinates()
        source = form.location_source.data if lat is not None else None
        if lat is None:
            lat, lon, geocode_note = _geocode(db, form.address.data, form.postcode.data)
            source = "geocoder" if lat is not None else None
        if not form.confirm_new.data:
            duplicates = premises_q.likely_duplicates(
                db,
                name=form.name.data,
                sector=form.sector.data,
                latitude=lat,
                longitude=lon,
                postcode=form.postcode.data or "",
            )
        if not duplicates:
            try:
                premises_uuid = str(uuid.UUID(form.premises_uuid.data))
            except (TypeError, ValueError):
                premises_uuid = None
            premises_id = premises_q.create(
                db,
                name=form.name.data,
                sector=form.sector.data,
                address=form.address.data,
                postcode=form.postcode.data or "",
                latitude=lat,
                longitude=lon,
                location_source=source if source in ("gps", "map", "geocoder") else None,
                created_by=current_user.id,
                premises_uuid=premises_uuid,
            )
            flash(f"{form.name.data} added.", "success")
            return redirect(url_for("visits.new", premises_id=premises_id))
    return render_template(
        "premises/new.html", form=form, duplicates=duplicates, geocode_note=geocode_note
    )


def _geocode(db, address: str, postcode: str):
    """Look the address up; say plainly when the lookup is not available."""
    try:
        found = shared_geocoder().geocode(db, ", ".join(p for p in (address, postcode) if p))
    except geo.GeocoderUnavailable as error:
        return None, None, str(error)
    if found is None:
        return None, None, "The address could not be found on the map."
    return found.latitude, found.longitude, None


@bp.route("/<int:premises_id>")
@allow(*FIELD_ROLES)
def detail(premises_id: int):
    """Everything known about one premises: where, its visits and trend, referrals."""
    return _detail_page(premises_id)


def _detail_page(premises_id: int, flag_error: str | None = None, flag_reason: str = ""):
    """The premises page, with the flag form's error and what was typed when there is one."""
    read_audit.consulted("premises", premises_id, "case_work")
    db = get_db()
    premises = premises_q.get_with_flag(db, premises_id, flag_rules())
    visits = visits_q.for_premises(db, premises_id)
    return render_template(
        "premises/detail.html",
        premises=premises,
        visits=visits,
        trend=describe_trend(visits),
        flag_history=premises_q.flag_history(db, premises_id),
        referrals=referrals_q.for_premises(db, premises_id),
        routes={r["id"]: r for r in checklists.current().safeguarding["route"]},
        operations=operations_q.outcomes_for_premises(db, premises_id),
        outcome_reasons=submission.STORED_REASONS,
        placed_by=geo.PLACED_BY,
        flag_error=flag_error,
        flag_reason=flag_reason,
    )


def describe_trend(visits: list[dict]) -> str:
    """How risk has moved between the last two visits that judged it, in words."""
    if not visits:
        return "No visits yet"
    # A visit that could not inspect says nothing about how the risk moved.
    visits = [v for v in visits if v["outcome"] == "assessed"]
    if not visits:
        return "No visit has been able to judge the risk yet"
    if len(visits) == 1:
        return "One visit so far"
    latest, previous = visits[0], visits[1]
    before = previous["band"] or "no score"
    now = latest["band"] or "no score"
    change = BAND_RANK[latest["band"]] - BAND_RANK[previous["band"]]
    when = format_uk_date(previous["visited_at"])
    if change > 0:
        return f"Rising: {before} on {when}, {now} now"
    if change < 0:
        return f"Falling: {before} on {when}, {now} now"
    return f"Steady: {now} at the last two visits"


FLAG_ACTIONS = {"flag": "Flagged", "unflag": "Unflagged", "clear": "Back to the automatic rule"}


@bp.route("/<int:premises_id>/flag", methods=["POST"])
@allow("coordinator")
def set_flag(premises_id: int):
    """Flag or unflag a premises by hand (with a reason), or return it to the rule."""
    db = get_db()
    premises_q.get(db, premises_id)
    action = request.form.get("action", "")
    reason = re.sub(r"\s+", " ", request.form.get("reason", "")).strip()
    if action not in FLAG_ACTIONS:
        abort(400)
    if not reason or len(reason) > 300:
        # Shown at the form, with what was typed, rather than in a banner out of sight.
        error = (
            "Enter a reason for changing the flag"
            if not reason
            else "Reason for changing the flag must be 300 characters or fewer"
        )
        typed = request.form.get("reason", "")[:1000]
        return _detail_page(premises_id, flag_error=error, flag_reason=typed), 400
    premises_q.set_flag(db, premises_id, action=action, reason=reason, user_id=current_user.id)
    flash(f"{FLAG_ACTIONS[action]}: {reason}", "success")
    return redirect(url_for("premises.detail", premises_id=premises_id) + "#flag", code=303)
