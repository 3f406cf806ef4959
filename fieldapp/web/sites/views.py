"""Map, list and per-site data. Every view reads sites through fieldapp.queries.sites with
the same SiteFilter, so their counts agree."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from fieldapp import maps
from fieldapp.checklists import BAND_LABELS, CATEGORIES, SECTORS
from fieldapp.db import get_db
from fieldapp.http import csp_nonce
from fieldapp.permissions import MAP_ROLES, allow
from fieldapp.queries import premises as premises_q
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import format_uk_date
from fieldapp.web.filtering import flag_rules, site_filter
from fieldapp.web.paging import page_number

bp = Blueprint("sites", __name__, url_prefix="/sites")
PAGE_SIZE = 100


@bp.route("/map")
@allow(*MAP_ROLES)
def map_page():
    """Filters, counts and the map itself (in a frame drawn from compact data)."""
    f = site_filter()
    db = get_db()
    return render_template(
        "sites/map.html",
        f=f,
        counts=sites_q.counts(db, f, rules=flag_rules()),
        heat=request.args.get("heat") == "1",
        categories=CATEGORIES,
    )


@bp.route("/map/frame")
@allow(*MAP_ROLES)
def map_frame():
    """The map document: folium's page with every matching site as compact data."""
    f = site_filter()
    points = sites_q.map_points_json(get_db(), f, rules=flag_rules())
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
        site_url=url_for("sites.site_data", premises_id=0).replace("/0/", "/{id}/"),
        premises_url=None,
        tile_url=current_app.config["TILE_URL"],
        tile_attribution=current_app.config["TILE_ATTRIBUTION"],
        max_zoom=int(current_app.config["TILE_MAX_ZOOM"]),
        heat=request.args.get("heat") == "1",
        nonce=csp_nonce(),
    )
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/<int:premises_id>/summary.json")
@allow(*MAP_ROLES)
def site_data(premises_id: int):
    """One site's popup content as JSON (strings are data; the page never parses HTML)."""
    site = premises_q.get_with_flag(get_db(), premises_id, flag_rules())
    full = current_user.role != "partner"
    if not full and not site["flagged_now"]:
        abort(404)  # partners see flagged sites only
    return {
        "id": site["id"],
        "name": site["name"],
        "sector_label": SECTORS[site["sector"]],
        "band_label": BAND_LABELS[site["risk_band"]],
        "score": site["risk_score"],
        "last_visit": format_uk_date(site["last_visit_at"]) or None,  # words: "1 April 2026"
        "flagged": bool(site["flagged_now"]),
        "red_flags": [flag["question"] for flag in site["red_flags"]] if full else [],
        "top_indicators": [t["question"] for t in site["top_indicators"]] if full else [],
        "url": url_for("premises.detail", premises_id=site["id"]) if full else None,
    }


@bp.route("")
@allow(*MAP_ROLES)
def site_list():
    """The same sites as the map, as a sortable table with counts, a page at a time."""
    f = site_filter()
    page = page_number(PAGE_SIZE)
    db = get_db()
    rules = flag_rules()
    counts = sites_q.counts(db, f, rules=rules)
    rows = sites_q.select(db, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, rules=rules)
    return render_template(
        "sites/list.html",
        f=f,
        counts=counts,
        rows=rows,
        page=page,
        pages=max(1, -(-counts["total"] // PAGE_SIZE)),
        categories=CATEGORIES,
        band_labels=BAND_LABELS,
    )
