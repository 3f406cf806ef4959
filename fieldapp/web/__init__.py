"""The web layer: one blueprint per user-facing area, and the service's shell.

Each area is a package here whose blueprint name, URL prefix and template folder
(``fieldapp/templates/<area>/``) are the same word. The few pages that must sit at the
root say why beside their route.
"""

from __future__ import annotations

import json

from flask import Flask, current_app, request, url_for
from markupsafe import Markup

from fieldapp import timeutil
from fieldapp.checklists import CONCERNS, format_pence
from fieldapp.permissions import can

# The service navigation, in order. An item shows only when its page exists and the
# signed-in user's role may open it, so the menu and the route rules cannot disagree.
NAVIGATION = [
    ("Home", "home.index"),
    ("Find premises", "premises.index"),
    ("Recent visits", "visits.recent"),
    ("Indicator guide", "guide.index"),
    ("Risk map", "sites.map_page"),
    ("Sites", "sites.site_list"),
    ("Import premises", "imports.upload"),
    ("Operations", "operations.index"),
    ("Exports", "exports.index"),
    ("Reports", "reports.index"),
    ("Users", "admin.users"),
    ("Training", "admin.training_list"),
    ("Audit log", "admin.audit_log"),
    ("Export log", "admin.export_log"),
    ("API tokens", "admin.tokens"),
]


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


def time_element(value, missing: str = "", seconds: bool = False) -> Markup | str:
    """A stored time as ``<time datetime="2026-04-01T00:30:00+01:00">1 April 2026, 12:30am
    BST</time>``: words for people, the exact instant for software. ``missing`` (escaped)
    when there is no time, the text as it is when it is not one."""
    text = timeutil.format_uk_datetime(value, missing, seconds=seconds)
    try:
        instant = timeutil.uk_iso(value)
    except (TypeError, ValueError):
        return text
    return Markup('<time datetime="{}">{}</time>').format(instant, text)


def _template_helpers(app: Flask) -> None:
    """The filters and globals every template may use."""
    from fieldapp.web import filtering

    # Who is looking, for templates that leave out what the viewer's profile withholds.
    app.context_processor(lambda: {"who": filtering.viewer()})
    app.add_template_filter(json.loads, "fromjson")
    app.add_template_filter(format_pence, "pence")
    app.add_template_global(CONCERNS, "CONCERNS")
    # Times are stored in UTC and always shown in UK time with GMT or BST (fieldapp.timeutil).
    app.add_template_filter(timeutil.format_uk_datetime, "uk_datetime")
    app.add_template_filter(timeutil.format_uk_date, "uk_date")
    app.add_template_filter(time_element, "uk_time_element")


def init_app(app: Flask) -> None:
    """Register every area's blueprint, the menu and the shared template filters."""
    from fieldapp.web import (
        admin,
        api,
        auth,
        checklists,
        exports,
        guide,
        health,
        home,
        imports,
        offline,
        operations,
        premises,
        read_audit,
        reports,
        sites,
        visits,
    )

    checklists.init_app(app)
    auth.init_app(app)
    read_audit.init_app(app)
    areas = (
        home,
        health,
        admin,
        premises,
        visits,
        guide,
        offline,
        sites,
        imports,
        exports,
        api,
        operations,
        reports,
    )
    for area in areas:
        app.register_blueprint(area.bp)
    offline.init_app(app)
    exports.init_app(app)
    api.init_app(app)
    reports.init_app(app)
    app.context_processor(navigation)
    _template_helpers(app)
    # Every submitted form value is cleaned as it is read (fieldapp.web.forms).
    from fieldapp.web import forms

    forms.init_app(app)
