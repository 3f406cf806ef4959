"""Map, list and per-site data. Every view reads sites through fieldapp.queries.sites with
the same SiteFilter, so their counts agree."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request, url_for

from fieldapp import geo, maps
from fieldapp.checklists import BAND_LABELS, CATEGORIES, SECTORS
from fieldapp.db import get_db
from fieldapp.http import csp_nonce
from fieldapp.permissions import MAP_ROLES, allow
from fieldapp.queries import premises as premises_q
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import format_uk_date
from fieldapp.web import read_audit
from fieldapp.web.filtering import flag_rules, site_filter, viewer
from fieldapp.web.paging import page_number

bp = Blueprint("sites", __name__, url_prefix="/sites")
PAGE_SIZE = 100


@bp.route("/map")
@allow(*MAP_ROLES)
def map_page():
    """Filters, counts and the map itself (in a frame drawn from compact data)."""
    f = site_filter()
    db = get_db()
    who = viewer()
    return render_template(
        "sites/map.html",
        f=f,
        counts=sites_q.counts(db, f, rules=flag_rules(), viewer=who),
        heat=request.args.get("heat") == "1" and who.sees("risk_band"),
        categories=_categories(who),
    ), (400 if f.errors else 200)


@bp.route("/map/frame")
@allow(*MAP_ROLES)
def map_frame():
    """The map document: folium's page with every matching site as compact data."""
    f = site_filter()
    points = sites_q.map_points_json(get_db(), f, rules=flag_rules(), viewer=viewer())
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
        heat=request.args.get("heat") == "1" and viewer().sees("risk_band"),
        nonce=csp_nonce(),
        title="Risk map: the matching sites, coloured by risk",
    )
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}


@bp.route("/<int:premises_id>/summary.json")
@allow(*MAP_ROLES)
def site_data(premises_id: int):
    """One site's popup content as JSON (strings are data; the page never parses HTML).

    Only what the viewer may see is in it: the row comes projected from the query layer,
    and a partner gets a 404 for a site that is not flagged."""
    who = viewer()
    read_audit.consulted(
        "premises", premises_id, "case_work" if who.is_staff else "partner_disclosure"
    )
    site = premises_q.get_with_flag(get_db(), premises_id, flag_rules(), who)
    data = {"id": site["id"], "name": site.get("name")}
    if "sector" in site:
        data["sector_label"] = SECTORS[site["sector"]]
    if "risk_band" in site:
        data["band_label"] = BAND_LABELS[site["risk_band"]]
    if "risk_score" in site:
        data["score"] = site["risk_score"]
    if "last_visit_at" in site:
        data["last_visit"] = format_uk_date(site["last_visit_at"]) or None  # "1 April 2026"
    if "flagged_now" in site:
        data["flagged"] = bool(site["flagged_now"])
    if site.get("location_source") in geo.PLACED_BY_SHORT:
        data["placed_by"] = geo.PLACED_BY_SHORT[site["location_source"]]
    if "red_flags" in site:
        data["red_flags"] = [flag["question"] for flag in site["red_flags"]]
    if "top_indicators" in site:
        data["top_indicators"] = [t["question"] for t in site["top_indicators"]]
    # The premises page is council staff's: a partner has no link to follow.
    data["url"] = url_for("premises.detail", premises_id=site["id"]) if who.is_staff else None
    return data


@bp.route("")
@allow(*MAP_ROLES)
def site_list():
    """The same sites as the map, as a sortable table with counts, a page at a time."""
    f = site_filter()
    page = page_number(PAGE_SIZE)
    db = get_db()
    rules = flag_rules()
    who = viewer()
    counts = sites_q.counts(db, f, rules=rules, viewer=who)
    rows = sites_q.select(
        db, f, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, rules=rules, viewer=who
    )
    return render_template(
        "sites/list.html",
        placed_by_short=geo.PLACED_BY_SHORT,
        f=f,
        counts=counts,
        rows=rows,
        page=page,
        pages=max(1, -(-counts["total"] // PAGE_SIZE)),
        categories=_categories(who),
        band_labels=BAND_LABELS,
    ), (400 if f.errors else 200)


def _categories(who) -> dict[str, str]:
    """The red flag categories this viewer may filter by (none without the field)."""
    if not who.sees("red_flag_categories"):
        return {}
    return {code: name for code, name in CATEGORIES.items() if who.in_scope(code)}
