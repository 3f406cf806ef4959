"""Recording a referral made after a visit, correcting one, and ticking its next steps.

Nothing about the person is ever recorded: the checks are in fieldapp.referrals.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from fieldapp import referrals
from fieldapp.db import get_db
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import visits as visits_q
from fieldapp.safeguarding import referral_routes
from fieldapp.submission import parse_timestamp
from fieldapp.timeutil import UK, utcnow
from fieldapp.web import checklists
from fieldapp.web.visits.views import _may_change, _not_yours, _result_page, bp


def _context(visit: dict) -> referrals.Context:
    routes = referral_routes(checklists.current().safeguarding)
    return referrals.Context(
        routes={r["id"]: r for r in routes},
        agencies=checklists.partner_agencies(),
        visited_at=parse_timestamp(visit["visited_at"]) or utcnow(),
        now=utcnow(),
        zone=UK,
    )


def _back(visit_id: str):
    return redirect(url_for("visits.result", visit_id=visit_id) + "#referrals", code=303)


@bp.route("/visits/<visit_id>/referrals", methods=["POST"])
@allow(*FIELD_ROLES)
def add_referral(visit_id: str):
    """Record which referral was made: its reference, when, how many people by age, the
    kinds of exploitation, consent and the agencies told. Never who."""
    visit = visits_q.get(get_db(), visit_id)
    if not _may_change(visit):
        return _not_yours(visit, "add a referral to")
    referral, errors = referrals.parse(request.form, _context(visit))
    if errors:
        return _result_page(visit, errors, request.form, 400)
    referrals_q.add(get_db(), visit=visit, referral=referral, user_id=current_user.id)
    flash("Referral recorded.", "success")
    return _back(visit_id)


def _referral_of(visit: dict, referral_id: int) -> dict:
    found = referrals_q.get(get_db(), referral_id)
    # Only a referral recorded against this visit (any revision of it) is this page's.
    if found is None or visits_q.get(get_db(), found["visit_id"])["root_id"] != visit["root_id"]:
        abort(404)
    return found


@bp.route("/visits/<visit_id>/referrals/<int:referral_id>/correct", methods=["POST"])
@allow(*FIELD_ROLES)
def correct_referral(visit_id: str, referral_id: int):
    """Put a referral right by recording a corrected one after it, with the reason."""
    visit = visits_q.get(get_db(), visit_id)
    if not _may_change(visit):
        return _not_yours(visit, "correct a referral on")
    earlier = _referral_of(visit, referral_id)
    referral, errors = referrals.parse(request.form, _context(visit), correcting=True)
    if errors:
        values = request.form.copy()
        values["corrects"] = str(referral_id)
        return _result_page(visit, errors, values, 400)
    referrals_q.add(
        get_db(), visit=visit, referral=referral, user_id=current_user.id, corrects=earlier
    )
    flash("Referral corrected. The version before is kept.", "success")
    return _back(visit_id)


@bp.route("/visits/<visit_id>/referrals/<int:referral_id>/steps", methods=["POST"])
@allow(*FIELD_ROLES)
def referral_steps(visit_id: str, referral_id: int):
    """Tick (or untick) what has happened since the referral: the route's next steps."""
    visit = visits_q.get(get_db(), visit_id)
    if not _may_change(visit):
        return _not_yours(visit, "update a referral on")
    first = _referral_of(visit, referral_id)
    routes = {r["id"]: r for r in referral_routes(checklists.current().safeguarding)}
    known = [step["id"] for step in routes.get(first["route"], {}).get("next_steps", [])]
    ticked = set(request.form.getlist("step"))
    done = referrals_q.steps(get_db(), referral_id)
    changes = {step: step in ticked for step in known if (step in ticked) != done.get(step, False)}
    referrals_q.tick(get_db(), referral_id, changes, current_user.id)
    flash("Next steps updated." if changes else "Nothing changed.", "success")
    return _back(visit_id)
