"""The geocoder the running process shares between its pages."""

from __future__ import annotations

from flask import current_app

from fieldapp import geo

KEY = "fieldapp.geocoder"


def shared_geocoder() -> geo.Geocoder:
    """This process's geocoder: the add-a-premises page, the import and operations' start
    addresses all ask through it, so its one rate limiter sees every request."""
    geocoder = current_app.extensions.get(KEY)
    if geocoder is None:
        geocoder = current_app.extensions[KEY] = geo.from_config(current_app.config)
    return geocoder
