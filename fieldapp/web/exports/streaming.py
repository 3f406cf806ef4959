"""Streaming an export to the person or system that asked, and putting it on the record."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, current_app, request
from flask_login import current_user
from sqlite_utils import Database

from fieldapp.db import open_db
from fieldapp.exports import DEFAULT_MARKING, Requester, encoders, geopackage, kml, xlsx
from fieldapp.queries import exports as exports_q
from fieldapp.sitefilter import SiteFilter
from fieldapp.timeutil import utcnow
from fieldapp.web.checklists import agency_name, export_profiles
from fieldapp.web.filtering import flag_rules

ENCODERS = {
    **encoders.ENCODERS,
    "kml": kml.kml_chunks,
    "xlsx": xlsx.xlsx_chunks,
    "gpkg": geopackage.gpkg_chunks,
}


def requester() -> Requester:
    """The signed-in user, named as they appear in the export's header."""
    return Requester(
        label=f"{current_user.display_name} ({current_user.username})", user_id=current_user.id
    )


def agencies_for_current_user() -> list[tuple[str, str]]:
    """(id, name) of the agencies the signed-in user may export for: a partner, their own."""
    ids = list(export_profiles())
    if current_user.is_authenticated and current_user.role == "partner":
        ids = [a for a in ids if a == current_user.agency]
    return [(a, agency_name(a)) for a in ids]


def _metadata(f: SiteFilter, agency: str, now: datetime, who: Requester, count, versions):
    profile = export_profiles()[agency]
    return encoders.Metadata(
        marking=current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING),
        made_at=now.isoformat(),
        made_by=who.label,
        agency=agency,
        agency_name=agency_name(agency),
        filter=f.describe(),
        checklist_versions=versions,
        site_count=count,
        fields=tuple(encoders.columns(profile)),
        council=current_app.config.get("COUNCIL_NAME", ""),
        profile_description=profile.description,
    )


def export_response(f: SiteFilter, agency: str, fmt: str, who: Requester) -> Response:
    """Stream the export of ``f`` for ``agency`` in ``fmt`` and log it when it has gone.

    The export reads on its own connection inside one read transaction, so the header's
    count and checklist versions describe exactly the rows that follow, and it does not
    depend on the request's connection (which is tidied away before the body is sent).
    """
    profile = export_profiles()[agency]
    now = utcnow()
    mimetype, extension = encoders.FORMATS[fmt]
    headers = download_headers(f"sites-{agency}", now, extension)
    if request.method == "HEAD":
        return Response(mimetype=mimetype, headers=headers)  # nothing sent, nothing to log
    sql = exports_q.export_sql(f, profile, now, flag_rules())
    db = open_db()
    try:
        count, versions = exports_q.begin(db, sql)
    except BaseException:
        db.conn.close()
        raise
    meta = _metadata(f, agency, now, who, count, versions)
    done = _log_when_sent(db, f, agency, fmt, who, count)
    chunks = ENCODERS[fmt](meta, encoders.columns(profile), exports_q.sites(db, sql))
    return Response(encoders.measured(chunks, done), mimetype=mimetype, headers=headers)


def about_response(f: SiteFilter, agency: str, who: Requester) -> Response:
    """The "about this export" text for the CSV of ``f`` for ``agency``, made now.

    It holds no site's data (the facts about the export and what each column holds), so it
    is not an export and is not logged; its count and versions are read as the CSV's are.
    """
    profile = export_profiles()[agency]
    now = utcnow()
    sql = exports_q.export_sql(f, profile, now, flag_rules())
    db = open_db()
    try:
        count, versions = exports_q.begin(db, sql)
        exports_q.end_read(db)
    finally:
        db.conn.close()
    meta = _metadata(f, agency, now, who, count, versions)
    text = meta.about_text(encoders.table_columns(list(meta.fields), wkt=True))
    headers = download_headers(f"about-sites-{agency}", now, "txt")
    return Response(text, mimetype="text/plain", headers=headers)


def marking_for_file_name(marking: str) -> str:
    """The marking as it can go in a file name: letters, digits and single hyphens."""
    return re.sub(r"[^A-Za-z0-9]+", "-", marking).strip("-")[:60] or "MARKED"


def download_headers(stem: str, now: datetime, extension: str) -> dict[str, str]:
    """A download named for the agency, time and marking, never cached, carrying its marking.

    The marking is in the file name so it is seen wherever the file is saved or sent, even
    by someone who never opens it (the CSV has nowhere else to carry it).
    """
    marking = current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING)
    name = f"{stem}-{now:%Y%m%dT%H%M%SZ}-{marking_for_file_name(marking)}.{extension}"
    return {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Handling-Marking": marking,
    }


def _log_when_sent(
    db: Database, f: SiteFilter, agency: str, fmt: str, who: Requester, count: int
) -> Callable[[str, int, bool], None]:
    """The callback that ends the read, logs the export and closes ``db`` once it has gone.

    Made inside the request, so it holds the app's logger for after the request has ended.
    """
    logger = current_app.logger

    def done(sha256: str, size: int, complete: bool) -> None:
        try:
            exports_q.end_read(db)
            exports_q.log_export(
                db,
                user_id=who.user_id,
                token_id=who.token_id,
                agency=agency,
                fmt=fmt if complete else f"{fmt} (incomplete)",
                filter_text=f.describe(),
                row_count=count,
                byte_count=size,
                sha256=sha256,
            )
        except Exception:
            logger.exception("Could not log an export of %s for %s", fmt, agency)
        finally:
            db.conn.close()

    return done


def init_app(app: Flask) -> None:
    """Set the default marking (the profiles are checked at start-up: web.checklists)."""
    app.config.setdefault("EXPORT_MARKING", DEFAULT_MARKING)
    app.add_template_global(agencies_for_current_user, "export_agencies")
