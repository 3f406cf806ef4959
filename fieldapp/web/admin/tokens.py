"""API tokens for partner systems: make one (shown once), list them, revoke one."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from fieldapp.db import get_db
from fieldapp.exports import tokens as api_tokens
from fieldapp.permissions import allow
from fieldapp.queries import exports as exports_q
from fieldapp.timeutil import now_iso
from fieldapp.web.admin.forms import TokenForm
from fieldapp.web.admin.views import bp
from fieldapp.web.checklists import agency_name, export_profiles


def _token_form() -> TokenForm:
    form = TokenForm()
    form.agency.choices = [
        ("", "Choose an agency"),
        *((a, agency_name(a)) for a in export_profiles()),
        (api_tokens.PARTNERSHIP, api_tokens.PARTNERSHIP_NAME),
    ]
    config = current_app.config
    form.days.description = (
        f"From 1 to {config['API_TOKEN_MAX_DAYS']}. Leave it empty for "
        f"{config['API_TOKEN_DAYS']} days. Make a new token before it runs out."
    )
    if not form.days.data:
        form.days.data = str(config["API_TOKEN_DAYS"])
    return form


def _days(form: TokenForm) -> int | None:
    """The days chosen, within the installation's limit; None (with the error) if outside."""
    limit = current_app.config["API_TOKEN_MAX_DAYS"]
    days = int(form.days.data) if form.days.data else current_app.config["API_TOKEN_DAYS"]
    if not 1 <= days <= limit:
        form.days.errors = [f"Enter a number of days from 1 to {limit}"]
        return None
    return days


def _page(form: TokenForm, **new):
    listed = exports_q.all_tokens(get_db())
    return render_template(
        "admin/tokens.html",
        form=form,
        tokens=listed,
        now=now_iso(),
        scopes=api_tokens.SCOPES,
        scope_hints=api_tokens.SCOPE_HINTS,
        **new,
    )


@bp.route("/tokens")
@allow("admin")
def tokens():
    """Every API token, live, expired or revoked, and a form to make one."""
    return _page(_token_form())


@bp.route("/tokens", methods=["POST"])
@allow("admin")
def add_token():
    """Make a token and show it once with when it expires; only its hash is kept."""
    form = _token_form()
    valid = form.validate_on_submit()
    if (
        valid
        and form.agency.data == api_tokens.PARTNERSHIP
        and (form.scope.data != api_tokens.AGGREGATES)
    ):
        form.agency.errors = [
            "A regional partnership's token reads aggregate figures only: choose Aggregate "
            "figures below, or choose an agency"
        ]
        valid = False
    days = _days(form) if valid else None
    if days is None:
        return _page(form), 400
    token_id, token, expires_at = api_tokens.create(
        get_db(),
        agency=form.agency.data,
        name=form.name.data,
        created_by=current_user.id,
        days=days,
        scope=form.scope.data,
    )
    page = _page(
        _token_form(),
        new_token=token,
        new_token_id=token_id,
        new_token_agency=agency_name(form.agency.data),
        new_token_scope=api_tokens.SCOPES[form.scope.data],
        new_token_expires_at=expires_at,
    )
    # The page holds the token itself: never keep it in a cache.
    return page, 201, {"Cache-Control": "no-store"}


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("admin")
def revoke(token_id: int):
    """Stop a token working at once."""
    if exports_q.revoke_token(get_db(), token_id, revoked_by=current_user.id):
        flash("Token revoked. It no longer works.", "success")
    else:
        flash("That token was already revoked.", "info")
    return redirect(url_for("admin.tokens"), code=303)
