"""The site filter and flag rules of the request at hand, for every page that lists sites."""

from __future__ import annotations

from flask import current_app, request
from flask_login import current_user

from fieldapp.sitefilter import FlagRules, SiteFilter, parse
from fieldapp.visibility import STAFF, Viewer, for_user, restrict
from fieldapp.web.checklists import export_profiles


def flag_rules() -> FlagRules:
    """This deployment's flag rules, from its settings."""
    return FlagRules.from_config(current_app.config)


def viewer() -> Viewer:
    """Who is looking: council staff see everything; a partner by their agency's profile."""
    if not current_user.is_authenticated:
        return STAFF  # only reachable on public pages, which show no site data
    return for_user(current_user.role, current_user.agency, export_profiles())


def site_filter() -> SiteFilter:
    """The filter in this request's query string, as this viewer may run it: partners only
    ever see flagged sites, and cannot filter or sort by what their profile withholds,
    whichever page (map, list, export) they ask through."""
    return restrict(parse(request.args), viewer(), request.args)
