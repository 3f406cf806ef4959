"""The site filter and flag rules of the request at hand, for every page that lists sites."""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, request
from flask_login import current_user

from fieldapp.sitefilter import FlagRules, SiteFilter, parse


def flag_rules() -> FlagRules:
    """This deployment's flag rules, from its settings."""
    return FlagRules.from_config(current_app.config)


def site_filter() -> SiteFilter:
    """The filter in this request's query string. Partners only ever see flagged sites,
    whichever page (map, list, export) they ask through."""
    f = parse(request.args)
    if current_user.is_authenticated and current_user.role == "partner":
        f = replace(f, flagged=True)
    return f
