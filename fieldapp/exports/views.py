"""Export pages: downloads for coordinators and partners, and the admin's tokens and log."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from fieldapp import agencies, export_profiles, exporting, filters
from fieldapp.db import get_db
from fieldapp.exports import (
    Requester,
    agencies_for_current_user,
    all_tokens,
    bp,
    create_token,
    export_log,
    export_response,
    exports_with_sha256,
    revoke_token,
)
from fieldapp.forms import StripWhitespaceForm
from fieldapp.permissions import allow
from fieldapp.queries import sites as sites_q

EXPORT_ROLES = ("coordinator", "partner")
LOG_PAGE_SIZE = 100


class TokenForm(StripWhitespaceForm):
    """Make an API token for one agency's system."""

    agency = SelectField(
        "Agency",
        widget=GovSelect(),
        validators=[DataRequired(message="Select the agency the token is for")],
    )
    name = StringField(
        "What the token is for",
        widget=GovTextInput(),
        description="For example, GLAA case system. Shown in the export log.",
        validators=[
            DataRequired(message="Say what the token is for"),
            Length(max=100, message="Keep it to 100 characters or fewer"),
        ],
    )
    submit = SubmitField("Create token", widget=GovSubmitInput())


class VerifyForm(StripWhitespaceForm):
    """A file someone has handed back, to check against the export log."""

    file = FileField(
        "Upload the file",
        widget=GovFileInput(),
        description="The CSV, GeoJSON or KML file exactly as it was received.",
        validators=[FileRequired(message="Select the file to check")],
    )
    submit = SubmitField("Check the file", widget=GovSubmitInput())


@bp.route("/exports")
@allow(*EXPORT_ROLES)
def index():
    """What each agency receives, with downloads of the sites the list's filter shows."""
    f = sites_q.for_request()
    profiles = export_profiles.load()
    allowed = [profiles[a] for a, _ in agencies_for_current_user()]
    counts = sites_q.counts(get_db(), f) if not f.errors else {"total": 0}
    return render_template(
        "exports/index.html",
        f=f,
        count=counts["total"],
        profiles=allowed,
        field_help=export_profiles.FIELDS,
        categories=filters.CATEGORY_LABELS,
    )


@bp.route("/exports/sites.<any(csv, geojson, kml):fmt>")
@allow(*EXPORT_ROLES)
def download(fmt: str):
    """Stream the sites the list shows for this filter, as one agency's profile allows."""
    f = sites_q.for_request()
    agency = request.args.get("agency", "")
    if current_user.role == "partner":
        agency = agency or current_user.agency
        if agency != current_user.agency:
            abort(403)  # a partner never receives another agency's profile
    problems = dict(f.errors)
    if agency not in export_profiles.load():
        problems["agency"] = "Choose the agency the export is for from the exports page"
    if problems:
        return render_template("exports/problem.html", problems=problems, f=f), 400
    return export_response(f, agency, fmt, Requester.for_current_user())


# -- Admin: API tokens -----------------------------------------------------------------------


def _token_form() -> TokenForm:
    form = TokenForm()
    form.agency.choices = [("", "Choose an agency")] + [
        (a, agencies.name(a)) for a in export_profiles.load()
    ]
    return form


@bp.route("/admin/tokens")
@allow("admin")
def tokens():
    """Every API token, live or revoked, and a form to make one."""
    return render_template("exports/tokens.html", form=_token_form(), tokens=all_tokens(get_db()))


@bp.route("/admin/tokens", methods=["POST"])
@allow("admin")
def add_token():
    """Make a token and show it once; only its hash is kept."""
    form = _token_form()
    if not form.validate_on_submit():
        return render_template("exports/tokens.html", form=form, tokens=all_tokens(get_db())), 400
    token_id, token = create_token(
        get_db(), agency=form.agency.data, name=form.name.data, created_by=current_user.id
    )
    page = render_template(
        "exports/tokens.html",
        form=_token_form(),
        tokens=all_tokens(get_db()),
        new_token=token,
        new_token_id=token_id,
        new_token_agency=agencies.name(form.agency.data),
    )
    # The page holds the token itself: never keep it in a cache.
    return page, 201, {"Cache-Control": "no-store"}


@bp.route("/admin/tokens/<int:token_id>/revoke", methods=["POST"])
@allow("admin")
def revoke(token_id: int):
    """Stop a token working at once."""
    if revoke_token(get_db(), token_id, revoked_by=current_user.id):
        flash("Token revoked. It no longer works.", "success")
    else:
        flash("That token was already revoked.", "info")
    return redirect(url_for("exports.tokens"), code=303)


# -- Admin: the export log and checking a file -----------------------------------------------


def _log_page(form: VerifyForm, **extra):
    page = max(request.args.get("page", 1, type=int), 1)
    rows = export_log(get_db(), limit=LOG_PAGE_SIZE + 1, offset=(page - 1) * LOG_PAGE_SIZE)
    return render_template(
        "exports/log.html",
        rows=rows[:LOG_PAGE_SIZE],
        page=page,
        has_next=len(rows) > LOG_PAGE_SIZE,
        form=form,
        **extra,
    )


@bp.route("/admin/exports")
@allow("admin")
def log():
    """Every export and API call, newest first, and the "check a file" form."""
    return _log_page(VerifyForm())


@bp.route("/admin/exports/verify", methods=["POST"])
@allow("admin")
def verify_file():
    """Hash an uploaded file and say which logged export, if any, it is byte for byte."""
    form = VerifyForm()
    if not form.validate_on_submit():
        return _log_page(form), 400
    upload = form.file.data
    sha256 = exporting.sha256_of(upload.stream)
    return _log_page(
        VerifyForm(formdata=None),
        checked={
            "filename": upload.filename or "The file",
            "sha256": sha256,
            "matches": exports_with_sha256(get_db(), sha256),
        },
    )
