"""Placing a premises on the map by hand: where the officer is, a pin, its postcode's centre
or its UPRN's address point (from the open data the council loaded).

For the premises an import could not place, and for correcting a position that is wrong.
Every change is on the audit trail with the position it replaced.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm

from fieldapp import geo, places
from fieldapp.db import get_db
from fieldapp.permissions import FIELD_ROLES, allow
from fieldapp.queries import premises as premises_q
from fieldapp.web.premises.views import bp

METHODS = ("here", "postcode", "uprn")


def _postcode_place(db, premises: dict) -> places.PostcodePlace | None:
    key = places.normalise_postcode(premises["postcode"] or "")
    return places.postcode_places(db, [key]).get(key) if key else None


def _coordinates() -> tuple[float, float, str] | None:
    """The phone's fix or the pin the page's script put in the form, if usable."""
    try:
        lat, lon = float(request.form["latitude"]), float(request.form["longitude"])
    except (KeyError, ValueError):
        return None
    source = request.form.get("location_source", "")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or source not in ("gps", "map"):
        return None
    return lat, lon, source


def _chosen(db, premises: dict, centre) -> tuple[tuple | None, dict[str, str]]:
    """``(latitude, longitude, source)`` from the form, or the errors saying what to do."""
    method = request.form.get("method", "")
    if method == "here":
        found = _coordinates()
        if found is None:
            return None, {"method": "Use your location or place a pin on the map first"}
        return found, {}
    if method == "postcode" and centre is not None:
        return (centre.latitude, centre.longitude, geo.SOURCE_POSTCODE), {}
    if method == "uprn":
        uprn = places.normalise_uprn(request.form.get("uprn", ""))
        if uprn is None:
            return None, {"uprn": "Enter the UPRN, a number of up to 12 digits"}
        point = places.uprn_places(db, [uprn]).get(uprn)
        if point is None:
            return None, {"uprn": f"UPRN {uprn} is not in the UPRN data loaded here"}
        return (point.latitude, point.longitude, geo.SOURCE_UPRN, uprn), {}
    return None, {"method": "Choose how to place the premises"}


@bp.route("/<int:premises_id>/place", methods=["GET", "POST"])
@allow(*FIELD_ROLES)
def place(premises_id: int):
    """Choose where a premises is; the premises page shows the result."""
    db = get_db()
    premises = premises_q.get(db, premises_id)
    centre = _postcode_place(db, premises)
    form = FlaskForm()
    errors: dict[str, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        found, errors = _chosen(db, premises, centre)
        if found is not None:
            latitude, longitude, source, *uprn = found
            premises_q.move(db, premises, latitude, longitude, source, uprn[0] if uprn else None)
            flash(f"{premises['name']} is now {geo.PLACED_BY[source]}.", "success")
            return redirect(url_for("premises.detail", premises_id=premises_id))
    return render_template(
        "premises/place.html",
        premises=premises,
        centre=centre,
        has_uprns=places.summary(db).uprns > 0,
        form=form,
        errors=errors,
        placed_by=geo.PLACED_BY,
    )
