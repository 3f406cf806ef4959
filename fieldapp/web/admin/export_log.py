"""The export log: every export and API call, and checking a file against it."""

from __future__ import annotations

from flask import render_template

from fieldapp.db import get_db
from fieldapp.exports import encoders
from fieldapp.permissions import allow
from fieldapp.queries import exports as exports_q
from fieldapp.web import read_audit
from fieldapp.web.admin.forms import VerifyForm
from fieldapp.web.admin.views import bp
from fieldapp.web.paging import page_number

LOG_PAGE_SIZE = 100


def _log_page(form: VerifyForm, **extra):
    page = page_number(LOG_PAGE_SIZE)
    offset = (page - 1) * LOG_PAGE_SIZE
    rows = exports_q.export_log(get_db(), limit=LOG_PAGE_SIZE + 1, offset=offset)
    return render_template(
        "admin/export_log.html",
        rows=rows[:LOG_PAGE_SIZE],
        page=page,
        has_next=len(rows) > LOG_PAGE_SIZE,
        form=form,
        **extra,
    )


@bp.route("/exports")
@allow("admin")
def export_log():
    """Every export and API call, newest first, and the "check a file" form."""
    read_audit.consulted("export_log", None, "audit_review")
    return _log_page(VerifyForm())


@bp.route("/exports/verify", methods=["POST"])
@allow("admin")
def verify_file():
    """Hash an uploaded file and say which logged export, if any, it is byte for byte."""
    form = VerifyForm()
    if not form.validate_on_submit():
        return _log_page(form), 400
    upload = form.file.data
    sha256 = encoders.sha256_of(upload.stream)
    return _log_page(
        VerifyForm(formdata=None),
        checked={
            "filename": upload.filename or "The file",
            "sha256": sha256,
            "matches": exports_q.exports_with_sha256(get_db(), sha256),
        },
    )
