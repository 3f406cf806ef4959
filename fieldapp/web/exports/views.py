"""Export pages: what each agency receives, and downloads for coordinators and partners."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from fieldapp.checklists import CATEGORIES
from fieldapp.db import get_db
from fieldapp.exports import profiles
from fieldapp.permissions import MAP_ROLES, allow
from fieldapp.queries import sites as sites_q
from fieldapp.web.checklists import export_profiles
from fieldapp.web.exports.streaming import (
    about_response,
    agencies_for_current_user,
    export_response,
    requester,
)
from fieldapp.web.filtering import flag_rules, site_filter, viewer

bp = Blueprint("exports", __name__, url_prefix="/exports")


EVERYTHING = "everything"


def export_filter():
    """The list's filter for an export: flagged sites unless a coordinator asks, in so many
    words, for every site it matches (one click must never send a partner the register)."""
    f = site_filter()
    if request.args.get(EVERYTHING) != "1":
        f = replace(f, flagged=True)
    return f


@bp.route("")
@allow(*MAP_ROLES)
def index():
    """What each agency receives, with downloads of the sites the list's filter shows."""
    f = export_filter()
    by_agency = export_profiles()
    allowed = [by_agency[a] for a, _ in agencies_for_current_user()]
    db = get_db()
    counts = sites_q.counts(db, f, rules=flag_rules()) if not f.errors else {"total": 0}
    everything = None
    if not f.errors and not viewer().flagged_only:
        everything = sites_q.counts(db, replace(site_filter(), flagged=False), rules=flag_rules())
    return render_template(
        "exports/index.html",
        f=f,
        count=counts["total"],
        everything=everything,
        asked_everything=request.args.get(EVERYTHING) == "1",
        profiles=allowed,
        field_help=profiles.FIELDS,
        categories=CATEGORIES,
    ), (400 if f.errors else 200)


@bp.route("/sites.<any(csv, geojson, kml, xlsx, gpkg):fmt>")
@allow(*MAP_ROLES)
def download(fmt: str):
    """Stream the sites the list shows for this filter, as one agency's profile allows."""
    return _checked(lambda f, agency: export_response(f, agency, fmt, requester()))


@bp.route("/about-sites.txt")
@allow(*MAP_ROLES)
def about():
    """What the CSV of the same filter and agency is, how to handle it and its columns."""
    return _checked(lambda f, agency: about_response(f, agency, requester()))


def _checked(respond):
    """``respond(filter, agency)`` once the filter and the agency are checked."""
    f = export_filter()
    agency = request.args.get("agency", "")
    if current_user.role == "partner":
        agency = agency or current_user.agency
        if agency != current_user.agency:
            abort(403)  # a partner never receives another agency's profile
    problems = dict(f.errors)
    if agency not in export_profiles():
        problems["agency"] = "Choose the agency the export is for from the exports page"
    if problems:
        return render_template("exports/problem.html", problems=problems, f=f), 400
    return respond(f, agency)
