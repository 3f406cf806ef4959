"""What the operations pages share: who may see an operation, and the plan form's parts.

The plan form (new and edit) names a start in one of four ways; these turn it into an
address and a position, and back again to fill the form for an operation already saved.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app
from flask_login import current_user

from fieldapp import geo
from fieldapp.db import get_db
from fieldapp.queries import operations as ops_q
from fieldapp.web.checklists import partner_agencies
from fieldapp.web.geocoder import shared_geocoder
from fieldapp.web.operations.forms import OperationForm

COUNCIL = "council"


def operation_for_user(operation_id: int) -> dict:
    """The operation, if this user may see it; 404 otherwise (for partners too)."""
    db = get_db()
    op = ops_q.get(db, operation_id)
    if current_user.role == "partner" and not ops_q.invites(db, operation_id, current_user.agency):
        abort(404)
    return op


def lead_choices() -> list[tuple[str, str]]:
    council = current_app.config["COUNCIL_NAME"]
    return [(COUNCIL, council)] + [(a["id"], a["name"]) for a in partner_agencies().values()]


def site_choices(rows: list[dict]) -> list[tuple[str, str]]:
    return [(str(r["id"]), f"{r['name']}, {r['address']}".strip(", ")) for r in rows]


def start_from_form(form: OperationForm, rows: list[dict], op: dict | None = None):
    """(address, latitude, longitude) for the start the form asks for, or an error message
    for the field at fault. An unchanged address is not looked up again."""
    mode = form.start_mode.data
    if mode == "site":
        site = next(r for r in rows if str(r["id"]) == str(form.start_site.data))
        if site["latitude"] is None:
            return None, f"{site['name']} has no location yet: choose another way to start"
        label = f"{site['name']}, {site['address']}".strip(", ")
        return (label, site["latitude"], site["longitude"]), None
    if mode == "map":
        lat, lon = form.coordinates()
        return ("Point chosen on the map", lat, lon), None
    if mode == "address":
        address = form.start_address.data
        if op and op["start_address"] == address and op["start_latitude"] is not None:
            return (address, op["start_latitude"], op["start_longitude"]), None
        if not shared_geocoder().enabled:
            # Offered on an edit only to keep an address saved while lookup was on.
            return None, (
                "Address lookup is not switched on, so a new address cannot be found: choose "
                "the start on the map, or start at one of the sites"
            )
        try:
            found = shared_geocoder().geocode(get_db(), address)
        except geo.GeocoderUnavailable:
            return None, (
                "The address could not be looked up just now: choose the start on the map, "
                "or start at one of the sites"
            )
        if found is None:
            return None, "The address could not be found: check it, or choose the start on the map"
        return (address, found.latitude, found.longitude), None
    return ("", None, None), None


def details_from_form(form: OperationForm, start: tuple) -> dict:
    address, lat, lon = start
    return {
        "name": form.name.data,
        "operation_date": form.operation_date.data.isoformat(),
        "lead_agency": form.lead_agency.data,
        "briefing": form.briefing.data or "",
        "start_address": address,
        "start_latitude": lat,
        "start_longitude": lon,
    }


def partners_from_form(form: OperationForm) -> list[str]:
    """The ticked partners, plus the lead agency: it is always invited to its own operation."""
    partners = list(form.partners.data or [])
    if form.lead_agency.data != COUNCIL and form.lead_agency.data not in partners:
        partners.append(form.lead_agency.data)
    return partners


def show_start_error(form: OperationForm, message: str) -> None:
    field = {"site": form.start_site, "map": form.start_latitude}.get(
        form.start_mode.data, form.start_address
    )
    field.errors = [*field.errors, message]


def address_lookup_for(op: dict | None = None, rows: list[dict] | None = None) -> bool:
    """Whether the plan form offers "At an address": when lookup is on, or (editing) to keep
    an operation's saved address, which is not looked up again."""
    if shared_geocoder().enabled:
        return True
    return op is not None and saved_start_mode(op, rows or []) == "address"


def saved_start_mode(op: dict, rows: list[dict]) -> str:
    """How a saved operation's start was given: at a site, an address, the map, or none."""
    if op["start_latitude"] is None:
        return "none"
    position = (op["start_latitude"], op["start_longitude"])
    if any((r["latitude"], r["longitude"]) == position for r in rows):
        return "site"
    return "map" if op["start_address"] == "Point chosen on the map" else "address"


def fill_form(form: OperationForm, op: dict, rows: list[dict]) -> None:
    """Fill a GET form from a saved operation, working out how its start was given."""
    form.name.data = op["name"]
    form.operation_date.data = date.fromisoformat(op["operation_date"])
    form.lead_agency.data = op["lead_agency"]
    form.partners.data = op["partners"]
    form.briefing.data = op["briefing"]
    form.start_address.data = op["start_address"]
    form.start_mode.data = saved_start_mode(op, rows)
    if form.start_mode.data == "none":
        return
    if form.start_mode.data == "site":
        position = (op["start_latitude"], op["start_longitude"])
        at_site = next(r for r in rows if (r["latitude"], r["longitude"]) == position)
        form.start_site.data = str(at_site["id"])
    form.start_latitude.data = f"{op['start_latitude']:.6f}"
    form.start_longitude.data = f"{op['start_longitude']:.6f}"


def map_centre(rows: list[dict]) -> tuple[float, float] | None:
    located = [(r["latitude"], r["longitude"]) for r in rows if r["latitude"] is not None]
    if not located:
        return None
    return (
        sum(p[0] for p in located) / len(located),
        sum(p[1] for p in located) / len(located),
    )
