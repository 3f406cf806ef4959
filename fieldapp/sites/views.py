"""Map, list and per-site data. Every view reads sites through fieldapp.queries.sites with
the same SiteFilter, so their counts agree."""

from __future__ import annotations

import re

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldapp import filters, maps
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import NotFoundError
from fieldapp.queries import premises as premises_q
from fieldapp.queries import sites as sites_q
from fieldapp.reference import SECTORS
from fieldapp.sites import bp

MAP_ROLES = ("coordinator", "partner")
PAGE_SIZE = 100
BAND_LABELS = {
    "high": "High",
    "medium": "Medium",
    "low": "Low",
    None: "No score",
    "none": "No score",
}


@bp.route("/map")
@allow(*MAP_ROLES)
def map_page():
    """Filters, counts and the map itself (in a frame drawn from compact data)."""
    f = sites_q.for_request()
    db = get_db()
    return render_template(
        "maps/map.html",
        f=f,
        counts=sites_q.counts(db, f),
        heat=request.args.get("heat") == "1",
        categories=filters.CATEGORY_LABELS,
    )


@bp.route("/map/frame")
@allow(*MAP_ROLES)
def map_frame():
    """The map document: folium's page with every matching site as compact data."""
    f = sites_q.for_request()
    points = sites_q.map_points_json(get_db(), f)
    static = lambda name: url_for("static", filename=name)  # noqa: E731 - short and local
    html = maps.build_map(
        points,
        assets={
            "leaflet_js": static("leaflet/leaflet.js"),
            "leaflet_css": static("leaflet/leaflet.css"),
            "heat_js": static("leaflet/leaflet-heat.js"),
            "map_js": static("js/risk-map.js"),
            "map_css": static("risk-map.css"),
        },
        site_url=url_for("sites.site_data", premises_id=0).replace("/0", "/{id}"),
        premises_url=None,
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        max_zoom=int(current_app.config["TILE_MAX_ZOOM"]),
        heat=request.args.get("heat") == "1",
    )
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/map/site/<int:premises_id>")
@allow(*MAP_ROLES)
def site_data(premises_id: int):
    """One site's popup content as JSON (strings are data; the page never parses HTML)."""
    try:
        site = premises_q.get_with_flag(get_db(), premises_id)
    except NotFoundError:
        abort(404)
    full = current_user.role != "partner"
    if not full and not site["flagged_now"]:
        abort(404)  # partners see flagged sites only
    return {
        "id": site["id"],
        "name": site["name"],
        "sector_label": SECTORS[site["sector"]],
        "band_label": BAND_LABELS[site["risk_band"]],
        "score": site["risk_score"],
        "last_visit": (site["last_visit_at"] or "")[:10] or None,
        "flagged": bool(site["flagged_now"]),
        "red_flags": [flag["question"] for flag in site["red_flags"]] if full else [],
        "top_indicators": [t["question"] for t in site["top_indicators"]] if full else [],
        "url": url_for("premises.detail", premises_id=site["id"]) if full else None,
    }


@bp.route("/sites")
@allow(*MAP_ROLES)
def site_list():
    """The same sites as the map, as a sortable table with counts, a page at a time."""
    f = sites_q.for_request()
    page = max(request.args.get("page", 1, type=int), 1)
    db = get_db()
    counts = sites_q.counts(db, f)
    rows = sites_q.select(db, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "maps/list.html",
        f=f,
        counts=counts,
        rows=rows,
        page=page,
        pages=max(1, -(-counts["total"] // PAGE_SIZE)),
        categories=filters.CATEGORY_LABELS,
        band_labels=BAND_LABELS,
    )


FLAG_ACTIONS = {"flag": "Flagged", "unflag": "Unflagged", "clear": "Back to the automatic rule"}


@bp.route("/premises/<int:premises_id>/flag", methods=["POST"])
@allow("coordinator")
def set_flag(premises_id: int):
    """Flag or unflag a premises by hand (with a reason), or return it to the rule."""
    db = get_db()
    try:
        premises_q.get(db, premises_id)
    except NotFoundError:
        abort(404)
    action = request.form.get("action", "")
    reason = re.sub(r"\s+", " ", request.form.get("reason", "")).strip()
    if action not in FLAG_ACTIONS:
        abort(400)
    if not reason or len(reason) > 300:
        flash("Give a reason of up to 300 characters to change the flag.", "info")
        return redirect(url_for("premises.detail", premises_id=premises_id) + "#flag")
    premises_q.set_flag(db, premises_id, action=action, reason=reason, user_id=current_user.id)
    flash(f"{FLAG_ACTIONS[action]}: {reason}", "success")
    return redirect(url_for("premises.detail", premises_id=premises_id) + "#flag", code=303)
