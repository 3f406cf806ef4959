"""API tokens for partner systems: make one (shown once), list them, revoke one."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from fieldapp import agencies
from fieldapp.db import get_db
from fieldapp.exports import profiles
from fieldapp.exports import tokens as api_tokens
from fieldapp.permissions import allow
from fieldapp.queries import exports as exports_q
from fieldapp.web.admin.forms import TokenForm
from fieldapp.web.admin.views import bp


def _token_form() -> TokenForm:
    form = TokenForm()
    form.agency.choices = [("", "Choose an agency")] + [
        (a, agencies.name(a)) for a in profiles.load()
    ]
    return form


@bp.route("/tokens")
@allow("admin")
def tokens():
    """Every API token, live or revoked, and a form to make one."""
    return render_template(
        "admin/tokens.html", form=_token_form(), tokens=exports_q.all_tokens(get_db())
    )


@bp.route("/tokens", methods=["POST"])
@allow("admin")
def add_token():
    """Make a token and show it once; only its hash is kept."""
    form = _token_form()
    if not form.validate_on_submit():
        listed = exports_q.all_tokens(get_db())
        return render_template("admin/tokens.html", form=form, tokens=listed), 400
    token_id, token = api_tokens.create(
        get_db(), agency=form.agency.data, name=form.name.data, created_by=current_user.id
    )
    page = render_template(
        "admin/tokens.html",
        form=_token_form(),
        tokens=exports_q.all_tokens(get_db()),
        new_token=token,
        new_token_id=token_id,
        new_token_agency=agencies.name(form.agency.data),
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
