"""Operations pages: plan, route, briefing pack, outcomes, summary and figures.

Coordinators use every page. A partner user sees the list of operations their agency is
invited to and those operations' briefing packs; any other operation is "not found" to them
(404, never 403, so ids cannot be probed).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from fieldapp import agencies, geo, sitefilter
from fieldapp import operations as ops
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import operations as ops_q
from fieldapp.queries import premises as premises_q
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import utcnow
from fieldapp.web.filtering import flag_rules
from fieldapp.web.imports.views import shared_geocoder
from fieldapp.web.operations.forms import OperationForm, OutcomeForm

bp = Blueprint("operations", __name__, url_prefix="/operations")
COUNCIL = "council"


# -- Helpers ---------------------------------------------------------------------------------


def _operation(operation_id: int) -> dict:
    """The operation, if this user may see it; 404 otherwise (for partners too)."""
    db = get_db()
    op = ops_q.get(db, operation_id)
    if current_user.role == "partner" and not ops_q.invites(db, operation_id, current_user.agency):
        abort(404)
    return op


def _lead_choices() -> list[tuple[str, str]]:
    council = current_app.config["COUNCIL_NAME"]
    return [(COUNCIL, council)] + [(a["id"], a["name"]) for a in agencies.load().values()]


def agency_label(agency_id: str) -> str:
    """An agency's name; the council's own name for the council."""
    if agency_id == COUNCIL:
        return current_app.config["COUNCIL_NAME"]
    return agencies.name(agency_id)


@bp.app_template_filter("distance")
def distance_text(metres: float | None) -> str:
    """Metres as a person reads them: "350 m", "1.2 km", "14 km" (a no-break space keeps
    the number and its unit on one line in narrow tables)."""
    if metres is None:
        return "–"
    if metres < 1000:
        return f"{round(metres)}\u00a0m"
    if metres < 10_000:
        return f"{metres / 1000:.1f}\u00a0km"
    return f"{round(metres / 1000)}\u00a0km"


# The premises page lists operation outcomes too.
bp.add_app_template_global(ops.ENFORCEMENT_ACTIONS, "ENFORCEMENT_ACTIONS")


@bp.context_processor
def _labels() -> dict:
    return {"agency_label": agency_label, "REFERRALS": ops.REFERRALS}


def _site_choices(rows: list[dict]) -> list[tuple[str, str]]:
    return [(str(r["id"]), f"{r['name']}, {r['address']}".strip(", ")) for r in rows]


def _start_from_form(form: OperationForm, rows: list[dict], op: dict | None = None):
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


def _details(form: OperationForm, start: tuple) -> dict:
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


def _partners(form: OperationForm) -> list[str]:
    """The ticked partners, plus the lead agency: it is always invited to its own operation."""
    partners = list(form.partners.data or [])
    if form.lead_agency.data != COUNCIL and form.lead_agency.data not in partners:
        partners.append(form.lead_agency.data)
    return partners


def _start_error(form: OperationForm, message: str) -> None:
    field = {"site": form.start_site, "map": form.start_latitude}.get(
        form.start_mode.data, form.start_address
    )
    field.errors = [*field.errors, message]


def _form_defaults(form: OperationForm, op: dict, rows: list[dict]) -> None:
    """Fill a GET form from a saved operation, working out how its start was given."""
    form.name.data = op["name"]
    form.operation_date.data = date.fromisoformat(op["operation_date"])
    form.lead_agency.data = op["lead_agency"]
    form.partners.data = op["partners"]
    form.briefing.data = op["briefing"]
    form.start_address.data = op["start_address"]
    if op["start_latitude"] is None:
        form.start_mode.data = "none"
        return
    at_site = next(
        (
            r
            for r in rows
            if (r["latitude"], r["longitude"]) == (op["start_latitude"], op["start_longitude"])
        ),
        None,
    )
    if at_site:
        form.start_mode.data, form.start_site.data = "site", str(at_site["id"])
    elif op["start_address"] == "Point chosen on the map":
        form.start_mode.data = "map"
    else:
        form.start_mode.data = "address"
    form.start_latitude.data = f"{op['start_latitude']:.6f}"
    form.start_longitude.data = f"{op['start_longitude']:.6f}"


def _map_centre(rows: list[dict]) -> tuple[float, float] | None:
    located = [(r["latitude"], r["longitude"]) for r in rows if r["latitude"] is not None]
    if not located:
        return None
    return (
        sum(p[0] for p in located) / len(located),
        sum(p[1] for p in located) / len(located),
    )


# -- Plan ------------------------------------------------------------------------------------


@bp.route("/")
@allow("coordinator", "partner")
def index():
    """Operations: all of them for coordinators, only invited ones for a partner."""
    if current_user.role == "partner":
        # Every partner account has an agency (the database insists); "" matches nothing.
        listed = ops_q.listing(get_db(), agency=current_user.agency or "")
    else:
        listed = ops_q.listing(get_db())
    return render_template("operations/index.html", operations=listed)


def _selection() -> tuple[sitefilter.SiteFilter, list[dict], str | None, str]:
    """The sites the map or list sent: every site in the filter, or the ticked ones.

    Returns the filter, the rows, a problem to show (or None) and a description for the
    record. "Every site in the filter" goes through the same query as the map and list.
    """
    f = sitefilter.parse(request.args)
    if f.errors:
        return f, [], "The filters have a problem: go back and correct them.", ""
    db = get_db()
    if request.args.get("take") == "all":
        rows = sites_q.select(db, f, limit=ops.MAX_SITES + 1, rules=flag_rules())
        described = f"every site in the filter: {f.describe()}"
        if len(rows) > ops.MAX_SITES:
            total = sites_q.counts(db, f, rules=flag_rules())["total"]
            return (
                f,
                [],
                f"These filters match {total} sites. An operation can have at most "
                f"{ops.MAX_SITES}: narrow the filters, or tick the sites you want.",
                described,
            )
    else:
        ticked = [int(v) for v in request.args.getlist("site") if v.isdigit()]
        if len(ticked) > ops.MAX_SITES:
            return f, [], f"Tick at most {ops.MAX_SITES} sites.", ""
        found = {r["id"]: r for r in ops_q.premises_rows(db, ticked)}
        rows = [found[i] for i in dict.fromkeys(ticked) if i in found]
        described = f"{len(rows)} ticked from the filter: {f.describe()}"
    if not rows:
        return f, [], "No sites were chosen. Tick the sites to visit, or plan from every site.", ""
    return f, rows, None, described


@bp.route("/new", methods=["GET", "POST"])
@allow("coordinator")
def new():
    """Plan an operation from the sites the map or list sent (kept in the query string)."""
    f, rows, problem, described = _selection()
    form = OperationForm(lead_choices=_lead_choices(), site_choices=_site_choices(rows))
    if problem is None and form.validate_on_submit():
        start, error = _start_from_form(form, rows)
        if error:
            _start_error(form, error)
        else:
            operation_id = ops.create(
                get_db(),
                details=_details(form, start),
                partners=_partners(form),
                premises_ids=[r["id"] for r in rows],
                source_filter=described,
                user_id=current_user.id,
            )
            flash(f"{form.name.data} planned with {len(rows)} sites.", "success")
            return redirect(url_for("operations.detail", operation_id=operation_id), code=303)
    return render_template(
        "operations/new.html",
        form=form,
        f=f,
        rows=rows,
        problem=problem,
        action=request.full_path.rstrip("?"),
        map_centre=_map_centre(rows),
    )


@bp.route("/<int:operation_id>")
@allow("coordinator")
def detail(operation_id: int):
    """The plan: details, the route with each leg, and ways to change it."""
    op = _operation(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    q = (request.args.get("q") or "").strip()[:200]
    in_operation = {r["id"] for r in rows}
    matches = [r for r in premises_q.search(db, q, limit=10) if r["id"] not in in_operation]
    return render_template(
        "operations/detail.html",
        op=op,
        route=ops.route(op, rows),
        outcomes=ops_q.outcomes(db, operation_id),
        q=q,
        matches=matches if q else None,
    )


@bp.route("/<int:operation_id>/edit", methods=["GET", "POST"])
@allow("coordinator")
def edit(operation_id: int):
    """Change the operation's details, partners and start point."""
    op = _operation(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    form = OperationForm(lead_choices=_lead_choices(), site_choices=_site_choices(rows))
    if request.method == "GET":
        _form_defaults(form, op, rows)
    elif form.validate_on_submit():
        start, error = _start_from_form(form, rows, op)
        if error:
            _start_error(form, error)
        else:
            ops.update(db, operation_id, details=_details(form, start), partners=_partners(form))
            flash("Operation details saved.", "success")
            return redirect(url_for("operations.detail", operation_id=operation_id), code=303)
    return render_template(
        "operations/edit.html", form=form, op=op, rows=rows, map_centre=_map_centre(rows)
    )


@bp.route("/<int:operation_id>/sites/<int:premises_id>", methods=["POST"])
@allow("coordinator")
def change_site(operation_id: int, premises_id: int):
    """Move a site up or down the visiting order, or take it off the operation."""
    op = _operation(operation_id)
    db = get_db()
    order = [r["id"] for r in ops_q.sites(db, operation_id, flag_rules())]
    if premises_id not in order:
        abort(404)
    action = request.form.get("action", "")
    here = order.index(premises_id) + 1
    if action in ("up", "down"):
        ops_q.move_site(db, operation_id, premises_id, here - 1 if action == "up" else here + 1)
    elif action == "remove":
        if ops_q.outcome(db, operation_id, premises_id):
            flash("An outcome is recorded for this site, so it stays on the operation.", "info")
        else:
            ops_q.remove_site(db, operation_id, premises_id)
            flash("Site taken off the operation.", "success")
    else:
        abort(400)
    anchor = f"#stop-{premises_id}" if action != "remove" else "#route"
    return redirect(url_for("operations.detail", operation_id=op["id"]) + anchor, code=303)


@bp.route("/<int:operation_id>/sites", methods=["POST"])
@allow("coordinator")
def add_site(operation_id: int):
    """Add a premises found by search to the operation."""
    _operation(operation_id)
    db = get_db()
    premises_id = request.form.get("premises_id", type=int)
    site = premises_q.get(db, premises_id or 0)
    if len(ops_q.sites(db, operation_id, flag_rules())) >= ops.MAX_SITES:
        flash(f"An operation can have at most {ops.MAX_SITES} sites.", "info")
    elif ops.add_sites(db, operation_id, [site["id"]]):
        flash(f"{site['name']} added.", "success")
    return redirect(url_for("operations.detail", operation_id=operation_id) + "#route", code=303)


@bp.route("/<int:operation_id>/optimise", methods=["POST"])
@allow("coordinator")
def optimise(operation_id: int):
    """Re-run the route optimiser, replacing any order set by hand."""
    _operation(operation_id)
    planned = ops.optimise(get_db(), operation_id)
    flash(f"Route re-planned: {distance_text(planned.total_m)} in all.", "success")
    return redirect(url_for("operations.detail", operation_id=operation_id) + "#route", code=303)


# -- Brief -----------------------------------------------------------------------------------


def _months_ago(months: int) -> str:
    return (utcnow() - timedelta(days=round(months * 30.44))).date().isoformat()


@bp.route("/<int:operation_id>/brief")
@allow("coordinator", "partner")
def brief(operation_id: int):
    """The briefing pack: for a phone on the day, and for A4 paper."""
    op = _operation(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    route = ops.route(op, rows)
    months = agencies.hazard_months()
    found = ops_q.findings(db, [r["id"] for r in rows], _months_ago(months))
    invited = set(op["partners"]) | {op["lead_agency"]}
    full = current_user.role == "coordinator"
    for row in rows:
        items = found.get(row["id"], [])
        row["red_flag_findings"] = [i for i in items if i.red_flag]
        row["hazards"] = agencies.hazards_found(items)
        row["partner_powers"] = agencies.relevant_agencies(items)
        row["powers_invited"] = [m for m in row["partner_powers"] if m.item["id"] in invited]
        # Other operations are the council's business: a partner sees only this one.
        row["earlier_operations"] = (
            [
                o
                for o in ops_q.outcomes_for_premises(db, row["id"])
                if o["operation_id"] != op["id"]
            ][:3]
            if full
            else []
        )
    stops = [
        {"n": r["stop"], "name": r["name"], "lat": r["latitude"], "lon": r["longitude"]}
        for r in route["stops"]
    ]
    start = (
        {"lat": op["start_latitude"], "lon": op["start_longitude"]}
        if op["start_latitude"] is not None
        else None
    )
    return render_template(
        "operations/brief.html",
        op=op,
        route=route,
        rows=route["stops"] + route["unplaced"],
        months=months,
        map_data={"start": start, "stops": stops},
        printed_at=utcnow().strftime("%d %B %Y %H:%M UTC"),
        full=full,
    )


# -- Outcomes and figures ---------------------------------------------------------------------


@bp.route("/<int:operation_id>/sites/<int:premises_id>/outcome", methods=["GET", "POST"])
@allow("coordinator")
def outcome(operation_id: int, premises_id: int):
    """Record what happened at one site, and optionally change its flag."""
    op = _operation(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    site = next((r for r in rows if r["id"] == premises_id), None)
    if site is None:
        abort(404)
    saved = ops_q.outcome(db, operation_id, premises_id)
    form = OutcomeForm()
    if request.method == "GET" and saved:
        form.visited.data = "yes" if saved["visited"] else "no"
        form.not_visited_reason.data = saved["not_visited_reason"] or ""
        for name in ops.COUNTS:
            getattr(form, name).data = saved[name]
        form.enforcement_actions.data = saved["enforcement_actions"]
        form.note.data = saved["note"]
    if form.validate_on_submit():
        action = form.flag_action.data
        flag = (action, form.flag_reason.data) if action != "leave" else None
        ops.save_outcome(
            db, operation_id, premises_id, form.values(), user_id=current_user.id, flag=flag
        )
        flash(f"Outcome saved for {site['name']}.", "success")
        return redirect(url_for("operations.summary", operation_id=operation_id), code=303)
    return render_template("operations/outcome.html", form=form, op=op, site=site, saved=saved)


@bp.route("/<int:operation_id>/summary")
@allow("coordinator")
def summary(operation_id: int):
    """Totals for the operation and what happened at each site."""
    op = _operation(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    results = ops_q.outcomes(db, operation_id)
    return render_template(
        "operations/summary.html",
        op=op,
        rows=rows,
        results=results,
        totals=ops.totals(results.values()),
    )


def _period() -> tuple[date, date, dict[str, str]]:
    """The figures' date range from the query string; the last 12 months by default."""
    today = utcnow().date()
    errors: dict[str, str] = {}
    values = {}
    defaults = {"from": today - timedelta(days=365), "to": today}
    labels = {"from": "From", "to": "To"}
    for key in ("from", "to"):
        raw = (request.args.get(key) or "").strip()
        if not raw:
            values[key] = defaults[key]
            continue
        try:
            values[key] = datetime.strptime(raw, "%Y-%m-%d").date()
        except ValueError:
            errors[key] = f"{labels[key]} date must be a real date, for example 2026-04-01"
            values[key] = defaults[key]
    if not errors and values["from"] > values["to"]:
        errors["to"] = "The 'to' date must be the same as or after the 'from' date"
    return values["from"], values["to"], errors


@bp.route("/figures")
@allow("coordinator")
def figures():
    """The scrutiny questions councillors ask, answered for a period."""
    start, end, errors = _period()
    return render_template(
        "operations/figures.html",
        start=start,
        end=end,
        errors=errors,
        figures=ops.figures(get_db(), start, end),
    )
