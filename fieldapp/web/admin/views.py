"""Admin pages: list, create and edit users; reset passwords; read the audit log.

API tokens and the export log are in ``tokens`` and ``export_log`` beside this."""

from __future__ import annotations

import re

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from fieldapp import accounts, audit, audit_labels, sessions
from fieldapp.db import get_db
from fieldapp.permissions import allow, can
from fieldapp.queries import audit as audit_q
from fieldapp.queries import read_audit as read_audit_q
from fieldapp.queries import users as users_q
from fieldapp.web import read_audit
from fieldapp.web.admin import audit_filters
from fieldapp.web.admin.forms import ROLE_HINTS, EditUserForm, NewUserForm, ResetPasswordForm
from fieldapp.web.paging import page_number

bp = Blueprint("admin", __name__, url_prefix="/admin")
AUDIT_PAGE_SIZE = 100

# Control characters and bidirectional overrides in what was recorded (a username tried at
# sign-in, a detail) are shown as escapes: a right-to-left override would otherwise reorder
# the row as read, and a NUL or line break could pass one entry off as two.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@bp.app_template_filter("visible_controls")
def visible_controls(value: object) -> str:
    """``value`` as text with every control and bidi character written as ``\\uXXXX``
    (HTML escaping is still the template's)."""
    if value is None:
        return ""
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", str(value))


@bp.route("/users")
@allow("admin")
def users():
    """List every account."""
    return render_template("admin/users.html", users=users_q.all_users(get_db()))


@bp.route("/users/new", methods=["GET", "POST"])
@allow("admin")
def new_user():
    """Create an account."""
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            accounts.create(
                get_db(),
                username=form.username.data,
                display_name=form.display_name.data,
                role=form.role.data,
                agency=form.agency.data or None,
                password=form.password.data,
            )
        except accounts.UserError as error:
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(f"User {form.username.data} created.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/new_user.html", form=form, role_hints=ROLE_HINTS)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow("admin")
def edit_user(user_id: int):
    """Change a user's name, role, agency, or disable the account."""
    user = users_q.get(get_db(), user_id)
    form = EditUserForm(data={**user, "agency": user["agency"] or ""})
    if form.validate_on_submit():
        if user_id == current_user.id and (form.role.data != "admin" or not form.active.data):
            # Each refusal on the field at fault, so the summary links to the right one.
            if form.role.data != "admin":
                form.role.errors = [*form.role.errors, "You cannot remove your own admin rights"]
            if not form.active.data:
                form.active.errors = [*form.active.errors, "You cannot disable your own account"]
        else:
            try:
                accounts.update(
                    get_db(),
                    user_id,
                    display_name=form.display_name.data,
                    role=form.role.data,
                    agency=form.agency.data or None,
                    active=form.active.data,
                )
            except accounts.UserError as error:
                getattr(form, error.field).errors.append(error.message)
            else:
                flash(f"Changes to {user['username']} saved.", "success")
                return redirect(url_for("admin.users"))
    return render_template(
        "admin/edit_user.html",
        form=form,
        user=user,
        role_hints=ROLE_HINTS,
        live_sessions=sessions.live_count(
            get_db(), user_id, current_app.permanent_session_lifetime
        ),
        failures=accounts.recent_failures(
            get_db(), user["username"], accounts.limits_from_config(current_app.config)
        ),
    )


@bp.route("/users/<int:user_id>/sign-out", methods=["POST"])
@allow("admin")
def sign_out_user(user_id: int):
    """End every session a user has (a lost phone, someone leaving)."""
    user = users_q.get(get_db(), user_id)
    # CSRF is checked for every POST (fieldapp.http); the button sends nothing else.
    ended = sessions.end_all(get_db(), user_id, "signed out by an administrator")
    audit.record("user.sign_out_everywhere", "users", user_id, db=get_db(), ended=ended)
    flash(f"{user['username']} has been signed out everywhere.", "success")
    return redirect(url_for("admin.edit_user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/unlock", methods=["POST"])
@allow("admin")
def unlock_user(user_id: int):
    """Clear a user's sign-in delays so they can try again at once."""
    user = users_q.get(get_db(), user_id)
    accounts.unlock(get_db(), user_id)
    flash(f"{user['username']} can sign in again straight away.", "success")
    return redirect(url_for("admin.edit_user", user_id=user_id), code=303)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@allow("admin")
def reset_password(user_id: int):
    """Give a user a new password and end their sessions."""
    user = users_q.get(get_db(), user_id)
    form = ResetPasswordForm(user)
    if form.validate_on_submit():
        try:
            accounts.reset_password(get_db(), user_id, form.password.data)
        except accounts.UserError as error:
            form.password.errors = [*form.password.errors, error.message]
        else:
            flash(f"Password for {user['username']} reset. They have been signed out.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/reset_password.html", form=form, user=user)


bp.add_app_template_filter(audit_labels.detail_items, "audit_detail")

# Records the log can link to, where the page exists: table -> (endpoint, its id argument,
# whether the id is a number). Shown as links only to a user that page lets in.
RECORD_PAGES = {
    "users": ("admin.edit_user", "user_id", True),
    "premises": ("premises.detail", "premises_id", True),
    "visits": ("visits.result", "visit_id", False),
    "operations": ("operations.detail", "operation_id", True),
}


@bp.app_template_global("audit_record_href")
def audit_record_href(table: str | None, record_id: str | None) -> str | None:
    """The address of the page showing this record, if there is one the user may open."""
    page = RECORD_PAGES.get(table or "")
    if page is None or not record_id:
        return None
    endpoint, argument, numeric = page
    if not can(endpoint):
        return None
    if numeric:
        if not (record_id.isascii() and record_id.isdigit() and len(record_id) <= 18):
            return None
        return url_for(endpoint, **{argument: int(record_id)})
    return url_for(endpoint, **{argument: record_id})


@bp.route("/audit")
@allow("admin")
def audit_log():
    """The audit trail (changes) or the read log (reads), newest first, a page at a time,
    narrowed by the filters above it."""
    kind = "reads" if request.args.get("kind") == "reads" else "changes"
    read_audit.consulted("reads" if kind == "reads" else "audit", None, "audit_review")
    page = page_number(AUDIT_PAGE_SIZE)
    chosen = audit_filters.read(request.args, kind)
    rows = []
    if not chosen.errors:
        recent = read_audit_q.recent if kind == "reads" else audit_q.recent
        rows = recent(
            get_db(),
            limit=AUDIT_PAGE_SIZE + 1,
            offset=(page - 1) * AUDIT_PAGE_SIZE,
            filters=chosen.values,
        )
    return render_template(
        "admin/audit.html",
        kind=kind,
        rows=rows[:AUDIT_PAGE_SIZE],
        page=page,
        has_next=len(rows) > AUDIT_PAGE_SIZE,
        chosen=chosen,
        error_list=audit_filters.error_list(chosen),
        record_choices=audit_filters.RECORD_CHOICES[kind],
        actions=audit_labels.ACTIONS,
        record_types=audit_labels.RECORD_TYPES,
        why_labels=read_audit_q.WHY,
    ), (400 if chosen.errors else 200)
