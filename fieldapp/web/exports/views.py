"""Export pages: what each agency receives, and downloads for coordinators and partners."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from fieldapp.checklists import CATEGORIES
from fieldapp.db import get_db
from fieldapp.exports import profiles
from fieldapp.permissions import MAP_ROLES, allow
from fieldapp.queries import sites as sites_q
from fieldapp.web.exports.streaming import agencies_for_current_user, export_response, requester
from fieldapp.web.filtering import flag_rules, site_filter

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.route("")
@allow(*MAP_ROLES)
def index():
    """What each agency receives, with downloads of the sites the list's filter shows."""
    f = site_filter()
    by_agency = profiles.load()
    allowed = [by_agency[a] for a, _ in agencies_for_current_user()]
    counts = sites_q.counts(get_db(), f, rules=flag_rules()) if not f.errors else {"total": 0}
    return render_template(
        "exports/index.html",
        f=f,
        count=counts["total"],
        profiles=allowed,
        field_help=profiles.FIELDS,
        categories=CATEGORIES,
    )


@bp.route("/sites.<any(csv, geojson, kml):fmt>")
@allow(*MAP_ROLES)
def download(fmt: str):
    """Stream the sites the list shows for this filter, as one agency's profile allows."""
    f = site_filter()
    agency = request.args.get("agency", "")
    if current_user.role == "partner":
        agency = agency or current_user.agency
        if agency != current_user.agency:
            abort(403)  # a partner never receives another agency's profile
    problems = dict(f.errors)
    if agency not in profiles.load():
        problems["agency"] = "Choose the agency the export is for from the exports page"
    if problems:
        return render_template("exports/problem.html", problems=problems, f=f), 400
    return export_response(f, agency, fmt, requester())
