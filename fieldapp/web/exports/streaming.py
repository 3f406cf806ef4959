"""Streaming an export to the person or system that asked, and putting it on the record."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import Flask, Response, current_app, request
from flask_login import current_user
from sqlite_utils import Database

from fieldapp.db import open_db
from fieldapp.exports import DEFAULT_MARKING, Requester, encoders
from fieldapp.queries import exports as exports_q
from fieldapp.sitefilter import SiteFilter
from fieldapp.timeutil import utcnow
from fieldapp.web.checklists import agency_name, export_profiles
from fieldapp.web.filtering import flag_rules


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


def export_response(f: SiteFilter, agency: str, fmt: str, who: Requester) -> Response:
    """Stream the export of ``f`` for ``agency`` in ``fmt`` and log it when it has gone.

    The export reads on its own connection inside one read transaction, so the header's
    count and checklist versions describe exactly the rows that follow, and it does not
    depend on the request's connection (which is tidied away before the body is sent).
    """
    profile = export_profiles()[agency]
    now = utcnow()
    mimetype, extension = encoders.FORMATS[fmt]
    marking = current_app.config.get("EXPORT_MARKING", DEFAULT_MARKING)
    headers = _headers(agency, now, extension, marking)
    if request.method == "HEAD":
        return Response(mimetype=mimetype, headers=headers)  # nothing sent, nothing to log
    sql = exports_q.export_sql(f, profile, now, flag_rules())
    db = open_db()
    try:
        count, versions = exports_q.begin(db, sql)
    except BaseException:
        db.conn.close()
        raise
    meta = encoders.Metadata(
        marking=marking,
        made_at=now.isoformat(),
        made_by=who.label,
        agency=agency,
        agency_name=agency_name(agency),
        filter=f.describe(),
        checklist_versions=versions,
        site_count=count,
        fields=tuple(encoders.columns(profile)),
    )
    done = _log_when_sent(db, f, agency, fmt, who, count)
    chunks = encoders.encode(fmt, meta, profile, exports_q.sites(db, sql))
    return Response(encoders.measured(chunks, done), mimetype=mimetype, headers=headers)


def _headers(agency: str, now: datetime, extension: str, marking: str) -> dict[str, str]:
    """A download named for the agency and time, never cached, carrying its marking."""
    return {
        "Content-Disposition": (
            f'attachment; filename="sites-{agency}-{now:%Y%m%dT%H%M%SZ}.{extension}"'
        ),
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
