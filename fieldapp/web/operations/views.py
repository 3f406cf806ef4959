"""Operations pages: the list, planning from the map or list, and changing the plan.

Coordinators use every page. A partner user sees the list of operations their agency is
invited to and those operations' briefing packs; any other operation is "not found" to them
(404, never 403, so ids cannot be probed). The briefing pack is in ``briefing``, outcomes and
figures in ``outcomes``; both add their pages to ``bp`` here.
"""

from __future__ import annotations

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

from fieldapp import operations as ops
from fieldapp import sitefilter
from fieldapp.db import get_db
from fieldapp.permissions import allow
from fieldapp.queries import operations as ops_q
from fieldapp.queries import premises as premises_q
from fieldapp.queries import sites as sites_q
from fieldapp.web.checklists import agency_name
from fieldapp.web.filtering import flag_rules
from fieldapp.web.operations.forms import OperationForm
from fieldapp.web.operations.helpers import (
    COUNCIL,
    address_lookup_for,
    details_from_form,
    fill_form,
    lead_choices,
    map_centre,
    operation_for_user,
    partners_from_form,
    show_start_error,
    site_choices,
    start_from_form,
)

bp = Blueprint("operations", __name__, url_prefix="/operations")


def agency_label(agency_id: str) -> str:
    """An agency's name; the council's own name for the council."""
    if agency_id == COUNCIL:
        return current_app.config["COUNCIL_NAME"]
    return agency_name(agency_id)


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
    form = OperationForm(
        lead_choices=lead_choices(),
        site_choices=site_choices(rows),
        address_lookup=address_lookup_for(),
    )
    if problem is None and form.validate_on_submit():
        start, error = start_from_form(form, rows)
        if error:
            show_start_error(form, error)
        else:
            operation_id = ops.create(
                get_db(),
                details=details_from_form(form, start),
                partners=partners_from_form(form),
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
        map_centre=map_centre(rows),
    )


@bp.route("/<int:operation_id>")
@allow("coordinator")
def detail(operation_id: int):
    """The plan: details, the route with each leg, and ways to change it."""
    op = operation_for_user(operation_id)
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
    op = operation_for_user(operation_id)
    db = get_db()
    rows = ops_q.sites(db, operation_id, flag_rules())
    form = OperationForm(
        lead_choices=lead_choices(),
        site_choices=site_choices(rows),
        address_lookup=address_lookup_for(op, rows),
    )
    if request.method == "GET":
        fill_form(form, op, rows)
    elif form.validate_on_submit():
        start, error = start_from_form(form, rows, op)
        if error:
            show_start_error(form, error)
        else:
            ops.update(
                db,
                operation_id,
                details=details_from_form(form, start),
                partners=partners_from_form(form),
            )
            flash("Operation details saved.", "success")
            return redirect(url_for("operations.detail", operation_id=operation_id), code=303)
    return render_template(
        "operations/edit.html", form=form, op=op, rows=rows, map_centre=map_centre(rows)
    )


@bp.route("/<int:operation_id>/sites/<int:premises_id>", methods=["POST"])
@allow("coordinator")
def change_site(operation_id: int, premises_id: int):
    """Move a site up or down the visiting order, or take it off the operation."""
    op = operation_for_user(operation_id)
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
    operation_for_user(operation_id)
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
    operation_for_user(operation_id)
    planned = ops.optimise(get_db(), operation_id)
    flash(f"Route re-planned: {distance_text(planned.total_m)} in all.", "success")
    return redirect(url_for("operations.detail", operation_id=operation_id) + "#route", code=303)
