"""Import premises from a CSV file: upload and check, look up addresses, then import.

The checked file stays on the server between the steps (``instance/imports/<token>.csv``
with a ``.json`` beside it saying who uploaded it and when), so the page never carries the
file back and forth and only its uploader can use it. Files are removed once imported, and
any older than a day are removed whenever someone uploads.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from datetime import datetime, timedelta
from pathlib import Path, PureWindowsPath

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from fieldapp import geo, imports, places
from fieldapp.db import get_db
from fieldapp.http import wants_json
from fieldapp.imports import run_import
from fieldapp.permissions import REGISTER_ROLES, allow
from fieldapp.queries import imports as imports_q
from fieldapp.timeutil import now_iso, utcnow
from fieldapp.web.geocoder import shared_geocoder
from fieldapp.web.imports import claims
from fieldapp.web.imports.forms import UploadForm

bp = Blueprint("imports", __name__, url_prefix="/imports")
EXPIRY = timedelta(hours=24)
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Lookups per request: at the public server's one a second a batch takes ~10 s, well inside
# gunicorn's 30 s worker timeout, and the page asks again until every address is done.
LOOKUP_BATCH = 10
LOOKUP_SECONDS = 10.0
# Longer lists of rows are cut short on the page (the counts are always complete).
SHOW_AT_MOST = 500

LOOKUP_UNAVAILABLE = (
    "The address lookup service could not be reached. Try again later, or import now: "
    "premises without a location can be placed on the map when they are visited."
)
LOOKUP_DISABLED = "Address lookup is not switched on for this service."


# -- Keeping the checked file between steps --------------------------------------------------


def _folder() -> Path:
    folder = Path(
        current_app.config.get("IMPORT_DIR") or Path(current_app.instance_path) / "imports"
    )
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def _paths(token: str) -> tuple[Path, Path, Path]:
    """The file, its details, and the name the file has while it is being imported."""
    folder = _folder()
    return folder / f"{token}.csv", folder / f"{token}.json", folder / f"{token}.importing"


def _write_meta(token: str, meta: dict) -> None:
    meta_path = _paths(token)[1]
    temporary = meta_path.with_suffix(".tmp")
    temporary.write_text(json.dumps(meta))
    os.replace(temporary, meta_path)


def _save(data: bytes, filename: str) -> str:
    """Keep an uploaded file for its uploader; return the token that names it."""
    token = secrets.token_urlsafe(18)
    fd = os.open(_paths(token)[0], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    _write_meta(token, {"user_id": current_user.id, "filename": filename, "uploaded_at": now_iso()})
    return token


def _delete(token: str) -> None:
    for path in _paths(token):
        path.unlink(missing_ok=True)


def _expired(meta: dict) -> bool:
    return datetime.fromisoformat(meta["uploaded_at"]) < utcnow() - EXPIRY


def _sweep() -> None:
    """Remove uploads older than a day, whoever made them, unless an import holds them (what
    an import that did not finish left goes too)."""
    claims.sweep(_folder(), utcnow() - EXPIRY)


def _gone():
    """Stop with a page saying the upload cannot be used (expired, imported, or not yours)."""
    abort(make_response(render_template("imports/gone.html"), 404))


def _upload(token: str) -> dict:
    """The details of the signed-in user's upload ``token``, or a 404 page.

    Someone else's upload is "not found" rather than forbidden: that it exists is not
    theirs to know.
    """
    if not TOKEN.fullmatch(token):
        _gone()
    try:
        meta = json.loads(_paths(token)[1].read_text())
    except (OSError, ValueError):
        _gone()
    if meta.get("user_id") != current_user.id:
        _gone()
    if _expired(meta):
        _delete(token)
        _gone()
    return meta


def _mapping(meta: dict) -> imports.Mapping:
    """The column and sector mapping the uploader confirmed."""
    return imports.Mapping.from_dict(meta["mapping"])


def _parsed(token: str, meta: dict) -> imports.ParsedFile:
    """The kept file, read again with its confirmed mapping."""
    try:
        data = _paths(token)[0].read_bytes()
    except FileNotFoundError:
        _gone()
    return imports.parse(data, _mapping(meta))


def _settle(token: str) -> claims.Settled:
    """Where the upload stands (see claims.settle), asking the audit trail whether an import
    that died had committed first."""
    return claims.settle(
        claims.Files(*_paths(token)), committed=lambda: imports_q.committed(get_db(), token)
    )


def _display_name(filename: str | None) -> str:
    """The uploaded file's own name, without any folders, for the report and audit."""
    return PureWindowsPath(filename or "").name[:100] or "upload.csv"


# -- Pages -----------------------------------------------------------------------------------


@bp.route("", methods=["GET", "POST"])
@allow(*REGISTER_ROLES)
def upload():
    """Choose a CSV file; it is checked at once and kept for the next step."""
    form = UploadForm()
    if form.validate_on_submit():
        data = form.file.data.stream.read(imports.MAX_BYTES + 1)
        try:
            imports.read_table(data)
        except imports.ImportFileError as error:
            form.file.errors.append(error.message)
        else:
            _sweep()
            token = _save(data, _display_name(form.file.data.filename))
            return redirect(url_for("imports.columns", token=token))
    return render_template("imports/upload.html", form=form, places=places.summary(get_db()))


@bp.route("/<token>")
@allow(*REGISTER_ROLES)
def check(token: str):
    """The report: what importing the file would do, and the rows that cannot be imported."""
    meta = _upload(token)
    settled = _settle(token)  # puts back an unfinished import
    if settled.state is not claims.READY:  # imported, being imported, or gone
        return redirect(url_for("imports.done", token=token))
    meta = settled.meta
    if not meta.get("confirmed"):
        return redirect(url_for("imports.columns", token=token))
    try:
        parsed = _parsed(token, meta)
    except imports.ImportFileError as error:
        flash(error.message, "error")  # the mapping no longer fits: choose again
        return redirect(url_for("imports.columns", token=token))
    plan = imports.plan(get_db(), parsed)
    geocoder = shared_geocoder()
    done, total = plan.lookup_progress()
    remaining = total - done
    delay = float(current_app.config.get("GEOCODER_MIN_DELAY_SECONDS", 1.0))
    return render_template(
        "imports/check.html",
        token=token,
        meta=meta,
        plan=plan,
        lookup_enabled=geocoder.enabled,
        lookup_done=done,
        lookup_total=total,
        lookup_remaining=remaining,
        lookup_time=_duration(remaining * max(delay, 0.5)),
        show_at_most=SHOW_AT_MOST,
    )


@bp.route("/<token>/lookup", methods=["POST"])
@allow(*REGISTER_ROLES)
def lookup(token: str):
    """Look up the next few addresses of the file, then say how far it has got.

    The page's script calls this again and again (JSON), showing a progress bar; without
    JavaScript the button does one batch per press and returns to the report.
    """
    meta = _upload(token)
    if not meta.get("confirmed"):
        return redirect(url_for("imports.columns", token=token))
    parsed = _parsed(token, meta)
    db = get_db()
    geocoder = shared_geocoder()
    error = None
    if not geocoder.enabled:
        error = LOOKUP_DISABLED
    else:
        batch = int(current_app.config.get("IMPORT_LOOKUP_BATCH", LOOKUP_BATCH))
        deadline = time.monotonic() + float(
            current_app.config.get("IMPORT_LOOKUP_SECONDS", LOOKUP_SECONDS)
        )
        for query in imports.plan(db, parsed).lookup_queries()[:batch]:
            try:
                geocoder.geocode(db, query)
            except geo.GeocoderUnavailable:
                error = LOOKUP_UNAVAILABLE
                break
            if time.monotonic() > deadline:
                break
    done, total = imports.plan(db, parsed).lookup_progress()
    if wants_json():
        return {"done": done, "total": total, "remaining": total - done, "error": error}
    if error:
        flash(error, "error")
    return redirect(url_for("imports.check", token=token))


@bp.route("/<token>/import", methods=["POST"])
@allow(*REGISTER_ROLES)
def accept(token: str):
    """Import every good row in one go, then show what was done."""
    meta = _upload(token)
    if "result" in meta:
        return redirect(url_for("imports.done", token=token))
    if not meta.get("confirmed"):
        return redirect(url_for("imports.columns", token=token))
    # Of two presses of the button only one takes the file; "done" tells the other why not.
    claim = claims.take(claims.Files(*_paths(token)))
    if claim is None:
        return redirect(url_for("imports.done", token=token))
    claimed, meta = claim.path, claim.meta  # the details as the claim left them
    try:
        plan, result = run_import(
            get_db(),
            imports.parse(claimed.read_bytes(), _mapping(meta)),
            source=meta["filename"],
            created_by=current_user.id,
            upload=token,
        )
    except BaseException:
        claim.give_back()  # nothing was written: let them try again
        raise
    meta["imported_at"] = now_iso()
    meta["result"] = {
        **result.as_dict(),
        "created": [list(p) for p in result.created[:SHOW_AT_MOST]],
        "updated": [list(p) for p in result.updated[:SHOW_AT_MOST]],
        "created_count": len(result.created),
        "updated_count": len(result.updated),
    }
    try:
        _write_meta(token, meta)
    finally:
        claim.finish()
    return redirect(url_for("imports.done", token=token))


@bp.route("/<token>/done")
@allow(*REGISTER_ROLES)
def done(token: str):
    """What the import did, with links to the premises."""
    _upload(token)
    settled = _settle(token)  # puts back an unfinished import
    if settled.state is claims.READY:
        return redirect(url_for("imports.check", token=token))
    if settled.state is claims.GONE:
        _gone()
    meta = settled.meta
    return render_template("imports/done.html", meta=meta, result=meta.get("result"))


def _duration(seconds: float) -> str:
    """Roughly how long, in words."""
    if seconds < 90:
        return "less than a minute" if seconds < 60 else "about a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minutes"
    return f"about {round(minutes / 60)} hours"
