"""Visit pages. The checking, scoring and storing happen in fieldapp.recording."""

from __future__ import annotations

import uuid
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from fieldapp import recording, storage, submission
from fieldapp.assessment import LEVEL_WORDS
from fieldapp.db import get_db
from fieldapp.errors import out_of_storage_page
from fieldapp.http import wants_json
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.photos import original_name
from fieldapp.queries import premises as premises_q
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import visits as visits_q
from fieldapp.referrals import EXPLOITATION
from fieldapp.safeguarding import contacts_by_id, referral_routes, routes_for
from fieldapp.timeutil import now_iso
from fieldapp.web import checklists, read_audit
from fieldapp.web.checklists import partner_agencies
from fieldapp.web.visits import uploads

bp = Blueprint("visits", __name__)


def _form_page(premises, checklist, values, errors, photos, status=200, amend=None):
    return (
        render_template(
            "visits/form.html",
            premises=premises,
            checklist=checklist,
            values=values,
            errors=errors,
            photos=photos,
            amend=amend,
            accuracy_limit=submission.ACCURACY_LIMIT_M,
            mismatch_distance=submission.MISMATCH_DISTANCE_M,
            photo_max_mb=current_app.config["PHOTO_MAX_BYTES"] // 1_048_576,
            photo_max_count=current_app.config["PHOTO_MAX_COUNT"],
            outcome_reasons=submission.NOT_INSPECTED_REASONS,
            interpreters=submission.INTERPRETERS,
        ),
        status,
    )


# Under its premises: a visit is always begun from the premises it is of, and phones keep
# this form for offline use at this address.
@bp.route("/premises/<int:premises_id>/visits/new", methods=["GET", "POST"])
@allow(*FIELD_ROLES)
def new(premises_id: int):
    """The checklist for this premises' sector; on POST, check, score and store it."""
    premises = premises_q.get(get_db(), premises_id)
    checklist = checklists.checklist_for(premises["sector"])
    if request.method == "GET":
        values = {
            "visit_id": str(uuid.uuid4()),
            "visited_at": now_iso(),
        }
        return _form_page(premises, checklist, values, {}, [])
    return _submit(premises, checklist)


def _submit(premises, checklist, amend: dict | None = None):
    config = current_app.config
    if not storage.room_for_records(config["DATABASE"], config["STORAGE_RESERVE_MB"]):
        return out_of_storage_page()  # before photos are staged: they are writes too
    sub = submission.parse(checklist, request.form)
    db = get_db()
    result = None
    if sub.visited_at and not sub.errors:
        references = recording.references_for(db, checklist, amend["root_id"] if amend else "")
        wage_rates = checklists.current().wage_rates
        result = recording.judge(checklist, sub, wage_rates, references)
    errors = dict(sub.errors)
    reason = (request.form.get("amendment_reason") or "").strip()
    if amend is not None and not reason:
        errors["amendment_reason"] = "Say why this visit is being corrected"
    if sub.visit_id:
        sub.photos = uploads.from_request(sub.visit_id, errors)
    if errors:
        if wants_json():
            uploads.discard(sub.visit_id, sub.photos)
            return {"errors": errors, "visit_id": sub.visit_id}, 400
        return _form_page(premises, checklist, request.form, errors, sub.photos, 400, amend)
    try:
        stored = _store(db, premises, checklist, sub, amend, reason, result)
    except recording.VisitConflict:
        if wants_json():
            return {
                "error": "This visit was already sent with different answers.",
                "visit_id": sub.visit_id,
                "result_url": url_for("visits.result", visit_id=sub.visit_id),
            }, 409
        return render_template("visits/conflict.html", visit_id=sub.visit_id), 409
    if wants_json():
        visit = visits_q.get(db, stored.visit_id)
        return {
            "visit_id": stored.visit_id,
            "created": stored.created,
            "result_url": url_for("visits.result", visit_id=stored.visit_id),
            "band": visit["band"],
            "outcome": visit["outcome"],
            "score": visit["result"]["percentage"],
        }, (201 if stored.created else 200)
    return redirect(url_for("visits.result", visit_id=stored.visit_id), code=303)


def _store(db, premises, checklist, sub, amend, reason, result):
    """Store the visit, then make its photos final; on any failure its photos go."""
    try:
        stored = recording.store(
            db,
            checklist=checklist,
            wage_rates=checklists.current().wage_rates,
            premises=premises,
            sub=sub,
            inspector_id=current_user.id,
            amends=amend,
            amendment_reason=reason or None,
            result=result,
        )
    except BaseException:
        uploads.discard(sub.visit_id, sub.photos)
        raise
    if stored.created:
        uploads.finalise(sub.visit_id, sub.photos)
    else:
        uploads.discard(sub.visit_id, sub.photos)  # a re-send: the first copy's photos stay
        # ...and are made final now if a crash after the commit left them pending, rather
        # than unviewable until the hourly sweep finds them.
        uploads.finalise_stored(sub.visit_id, visits_q.photos(db, sub.visit_id))
    return stored


@bp.route("/visits/<visit_id>")
@allow(*FIELD_ROLES)
def result(visit_id: str):
    """The score, its explanation, and the safeguarding routes when a red flag was recorded."""
    read_audit.consulted("visits", visit_id, "case_work")
    return _result_page(visits_q.get(get_db(), visit_id))


def _result_page(visit: dict, referral_errors=None, referral_values=None, status=200):
    db = get_db()
    safeguarding = checklists.current().safeguarding
    correcting = (referral_values or {}).get("corrects")
    return render_template(
        "visits/result.html",
        visit=visit,
        actions=routes_for(visit["result"], safeguarding),
        referral_routes=referral_routes(safeguarding),
        outcome_reasons=submission.STORED_REASONS,
        interpreters=submission.INTERPRETERS,
        level_words=LEVEL_WORDS,
        checklist=visits_q.checklist_for(db, visit["checklist_hash"]),
        answers=visits_q.answers(db, visit["id"]),
        photos=visits_q.photos(db, visit["id"]),
        revisions=visits_q.revisions(db, visit["root_id"]),
        referrals=referrals_q.for_visit(db, visit["root_id"]),
        exploitation=EXPLOITATION,
        agencies=partner_agencies(),
        correcting=int(correcting) if str(correcting or "").isdecimal() else None,
        safeguarding=safeguarding,
        contacts=contacts_by_id(safeguarding),
        referral_errors=referral_errors or {},
        referral_values=referral_values or {},
        may_change=_may_change(visit),
    ), status


def _may_change(visit: dict) -> bool:
    """Whether the current user may amend this visit or add a referral to it: the officer who
    recorded it (its first version, so a coordinator's correction does not take it away from
    them) or a coordinator."""
    if current_user.role == "coordinator":
        return True
    first = visit if visit["id"] == visit["root_id"] else visits_q.get(get_db(), visit["root_id"])
    return first["inspector_id"] == current_user.id


def _not_yours(visit: dict, action: str):
    """The 403 page for an officer changing someone else's visit: nothing was written."""
    officer = visits_q.get(get_db(), visit["root_id"])["inspector_name"]
    page = render_template("visits/not_yours.html", visit=visit, action=action, officer=officer)
    return page, 403


@bp.route("/visits/<visit_id>/amend", methods=["GET", "POST"])
@allow(*FIELD_ROLES)
def amend(visit_id: str):
    """Correct a submitted visit: a new revision with a reason; the original is kept."""
    read_audit.consulted("visits", visit_id, "case_work")
    visit = visits_q.get(get_db(), visit_id)
    if not _may_change(visit):
        return _not_yours(visit, "correct")
    if visit["revision"] != visit["latest_revision"]:
        flash("That was not the latest version of the visit. Amend the latest one.", "info")
        latest = visits_q.revisions(get_db(), visit["root_id"])[0]
        return redirect(url_for("visits.amend", visit_id=latest["id"]))
    premises = premises_q.get(get_db(), visit["premises_id"])
    # Amendments use the checklist the visit was answered against, so answers stay comparable.
    checklist = visits_q.checklist_for(get_db(), visit["checklist_hash"])
    if request.method == "POST":
        return _submit(premises, checklist, amend=visit)
    values = {
        "visit_id": str(uuid.uuid4()),
        "visited_at": visit["visited_at"],
        "location_method": visit["location_method"],
        "latitude": visit["latitude"] if visit["latitude"] is not None else "",
        "longitude": visit["longitude"] if visit["longitude"] is not None else "",
        "accuracy_m": visit["accuracy_m"] if visit["accuracy_m"] is not None else "",
        "fix_at": visit["fix_at"] or "",
        "location_reason": visit["location_reason"] or "",
        "notes": visit["notes"] or "",
        "outcome_reason": visit["outcome_reason"] or "",
        "potential_victims": ""
        if visit["potential_victims"] is None
        else visit["potential_victims"],
        "conversation_language": visit["conversation_language"] or "",
        "interpreter": visit["interpreter"] or "",
    }
    for question_id, answer in visits_q.answers(get_db(), visit_id).items():
        values[f"q-{question_id}"] = _display_value(checklist, question_id, answer["value"])
        if answer["note"]:
            values[f"note-{question_id}"] = answer["note"]
    return _form_page(premises, checklist, values, {}, [], amend=visit)


def _display_value(checklist, question_id: str, stored: str) -> str:
    item = checklist.find(question_id)
    if item is not None and item.answer_type == "money":
        return f"{int(stored) / 100:.2f}"
    return stored


@bp.route("/visits/recent")
@allow(*FIELD_ROLES)
def recent():
    """The signed-in inspector's latest visits (coordinators see everyone's)."""
    mine = current_user.role == "inspector"
    rows = visits_q.recent(get_db(), inspector_id=current_user.id if mine else None)
    return render_template("visits/recent.html", visits=rows, mine=mine)


@bp.route("/visits/photos/<photo_id>")
@allow(*FIELD_ROLES)
def photo(photo_id: str):
    """A visit photo, to council officers who may see the visit."""
    read_audit.consulted("photos", photo_id, "case_work")
    row = visits_q.photo(get_db(), photo_id)
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[row["content_type"]]
    directory = recording.photo_dir(current_app.config["UPLOAD_DIR"], row["visit_id"])
    path = Path(directory) / original_name(row["id"], extension)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=row["content_type"], max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
