"""The visit report for the case file: one visit as a printable page, and the same page as
a PDF made here, hashed and put in the export log, so the exact file can be exhibited.

Who may have it: the officer who recorded the visit and coordinators, as for changing a
visit (fieldapp.web.visits.views._may_change). Partners never: the export profiles
(checklists/export_profiles.toml) have no setting that gives a partner a visit's notes or
photos, and say those never leave in an export.
"""

from __future__ import annotations

import base64
from functools import partial
from pathlib import Path

from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user

from fieldapp import recording, visitreport
from fieldapp.db import get_db
from fieldapp.exports import DEFAULT_MARKING
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.photos import stripped_name
from fieldapp.queries import exports as exports_q
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import visits as visits_q
from fieldapp.referrals import EXPLOITATION
from fieldapp.submission import INTERPRETERS, STORED_REASONS
from fieldapp.timeutil import format_uk_datetime, now_iso, utcnow
from fieldapp.web import checklists, read_audit
from fieldapp.web.exports.streaming import download_headers
from fieldapp.web.printing import css_string
from fieldapp.web.visits.views import _may_change, bp

EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def _stripped_path(photo: dict) -> Path:
    """The photo's copy without metadata: thumbnails are made from it, so no GPS position
    or camera serial number could travel inside one."""
    directory = recording.photo_dir(current_app.config["UPLOAD_DIR"], photo["visit_id"])
    return Path(directory) / stripped_name(photo["id"], EXTENSIONS[photo["content_type"]])


def _refused(visit: dict):
    """Another inspector: the report is the officer's and coordinators' (nothing is shown)."""
    officer = visits_q.get(get_db(), visit["root_id"])["inspector_name"]
    page = render_template("visits/report_refused.html", visit=visit, officer=officer)
    return page, 403


def _running_text(visit: dict, marking: str) -> dict:
    """The lines in every printed page's margins, as escaped CSS strings."""
    return {
        "marking": css_string(marking),
        "title": css_string(
            f"Visit report: {visit['premises_name']}, {format_uk_datetime(visit['visited_at'])}"
        ),
    }


def _context(visit: dict, pdf: bool) -> dict:
    db = get_db()
    marking = current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING)
    photos = visits_q.photos(db, visit["id"])
    for photo in photos:
        photo["on_disk"] = _stripped_path(photo).is_file()
    first = visit if visit["id"] == visit["root_id"] else visits_q.get(db, visit["root_id"])
    return {
        "visit": visit,
        "officer": first["inspector_name"],
        "checklist": visits_q.checklist_for(db, visit["checklist_hash"]),
        "answers": visits_q.answers(db, visit["id"]),
        "photos": photos,
        "revisions": visits_q.revisions(db, visit["root_id"]),
        "referrals": referrals_q.for_visit(db, visit["root_id"]),
        "safeguarding": checklists.current().safeguarding,
        "exploitation": EXPLOITATION,
        "outcome_reasons": STORED_REASONS,
        "interpreters": INTERPRETERS,
        "marking": marking,
        "running": _running_text(visit, marking),
        "made_at": format_uk_datetime(now_iso()),
        "made_by": current_user.display_name,
        "pdf": pdf,
        "pdfs": [] if pdf else exports_q.visit_pdfs(db, visit["id"]),
    }


def _visit_for_report(visit_id: str) -> dict:
    read_audit.consulted("visits", visit_id, "case_work")
    return visits_q.get(get_db(), visit_id)


@bp.route("/visits/<visit_id>/report")
@allow(*FIELD_ROLES)
def report(visit_id: str):
    """The visit report as a page to read or print, with the PDFs already made of it."""
    visit = _visit_for_report(visit_id)
    if not _may_change(visit):
        return _refused(visit)
    return render_template("visits/report.html", **_context(visit, pdf=False))


def _fetcher(photos: list[dict]):
    """What WeasyPrint may read: the static files, and this visit's photo thumbnails."""
    thumbnails = {
        url_for("visits.photo_thumbnail", photo_id=p["id"]): partial(
            visitreport.thumbnail, _stripped_path(p)
        )
        for p in photos
        if p["on_disk"]
    }
    return visitreport.local_fetcher(
        request.host_url,
        request.script_root + current_app.static_url_path,
        Path(current_app.static_folder or "static"),
        thumbnails,
    )


@bp.route("/visits/<visit_id>/report.pdf")
@allow(*FIELD_ROLES)
def report_pdf(visit_id: str):
    """The visit report as a PDF, rendered from the page's own template, and logged with
    its SHA-256 like an export, so a DPO can see who made which file."""
    visit = _visit_for_report(visit_id)
    if not _may_change(visit):
        return _refused(visit)
    now = utcnow()
    headers = download_headers(f"visit-report-{visit['id'][:8]}", now, "pdf")
    if request.method == "HEAD":
        return Response(mimetype="application/pdf", headers=headers)  # nothing made or logged
    context = _context(visit, pdf=True)
    html = render_template("visits/report.html", **context)
    data = visitreport.render_pdf(html, request.url_root, _fetcher(context["photos"]))
    digest = visitreport.sha256(data)
    exports_q.log_export(
        get_db(),
        user_id=current_user.id,
        token_id=None,
        agency=None,
        fmt=exports_q.VISIT_PDF,
        filter_text=exports_q.visit_pdf_filter(visit["id"]),
        row_count=1,
        byte_count=len(data),
        sha256=digest,
        why="case_work",
    )
    # RFC 9530's digest of the body, so a tool that downloads the file can check it too.
    headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(digest)).decode()}:"
    return Response(data, mimetype="application/pdf", headers=headers)


@bp.route("/visits/photos/<photo_id>/thumbnail")
@allow(*FIELD_ROLES)
def photo_thumbnail(photo_id: str):
    """A small copy of a visit photo, without its metadata, for the report page."""
    read_audit.consulted("photos", photo_id, "case_work")
    row = visits_q.photo(get_db(), photo_id)
    path = _stripped_path(row)
    if not path.is_file():
        abort(404)
    response = Response(visitreport.thumbnail(path), mimetype="image/jpeg")
    response.headers["Cache-Control"] = "private, no-store"
    return response
