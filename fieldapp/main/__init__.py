"""The home page each role lands on, and the health check."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, render_template, request, url_for

from fieldapp import agencies
from fieldapp.db import get_db
from fieldapp.permissions import ROLES, allow, can, public

bp = Blueprint("main", __name__)
bp.add_app_template_filter(agencies.name, "agency_name")
bp.add_app_template_filter(agencies.short_name, "agency_short_name")
bp.add_app_template_filter(json.loads, "fromjson")

# The service navigation, in order. An item shows only when its page exists and the
# signed-in user's role may open it, so the menu and the route rules cannot disagree.
NAVIGATION = [
    ("Home", "main.home"),
    ("Find premises", "premises.index"),
    ("Recent visits", "visits.recent"),
    ("Risk map", "sites.map_page"),
    ("Sites", "sites.site_list"),
    ("Import premises", "register.upload"),
    ("Operations", "operations.index"),
    ("Exports", "exports.index"),
    ("Users", "admin.users"),
    ("Audit log", "admin.audit_log"),
    ("Export log", "exports.log"),
    ("API tokens", "exports.tokens"),
]


@bp.app_context_processor
def navigation() -> dict:
    """Give every page the menu items this user may see, marking the current section."""
    items = []
    # A page that has its own menu item marks that item; any other page marks the first
    # item of its own area (a premises record sits under "Find premises").
    on_menu = any(request.endpoint == endpoint for _, endpoint in NAVIGATION)
    areas_seen: set[str] = set()
    for label, endpoint in NAVIGATION:
        if endpoint in current_app.view_functions and can(endpoint):
            area = endpoint.split(".")[0]
            if on_menu:
                active = request.endpoint == endpoint
            else:
                active = request.blueprint == area and area not in areas_seen
            areas_seen.add(area)
            items.append({"text": label, "href": url_for(endpoint), "active": active})
    return {"nav_items": items if len(items) > 1 else []}


@bp.route("/")
@allow(*ROLES)
def home():
    """Show the signed-in user what their role can do."""
    return render_template("main/home.html")


@bp.route("/healthz")
@public
def healthz():
    """Tell a load balancer or monitor that the app and its database answer."""
    get_db().execute("SELECT 1").fetchone()
    return {"status": "ok"}
