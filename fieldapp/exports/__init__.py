"""Partner exports on the record: the pages, the token API, and what they store.

An export is the site list's filter run again, shaped by the receiving agency's profile
(fieldapp.export_profiles), encoded as it streams (fieldapp.exporting), hashed as it goes,
and logged in ``export_log`` when the last byte has gone: who asked (a user or an API
token), for which agency, the filter, the row count, and the SHA-256 of exactly the bytes
sent. An admin can later hash a file someone hands back and find the export it came from.

The SQL for tokens, the log and the rows of an export lives here with the feature.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Flask, Response, current_app, request
from flask_login import current_user
from sqlite_utils import Database

from fieldapp import agencies, audit, export_profiles, exporting
from fieldapp.db import connect, one, query, write_transaction
from fieldapp.filters import CATEGORIES, SORTS, SiteFilter, flagged_sql, where
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import now_iso, utcnow

bp = Blueprint("exports", __name__)

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
TOKEN_PREFIX = "fa_"  # noqa: S105 - a label on tokens, not a secret
ROWS_PER_FETCH = 1000


@dataclass(frozen=True)
class Requester:
    """Who an export is for the record: a signed-in user or an API token."""

    label: str
    user_id: int | None = None
    token_id: int | None = None

    @classmethod
    def for_current_user(cls) -> Requester:
        """The signed-in user, named as they appear in the export's header."""
        return cls(
            label=f"{current_user.display_name} ({current_user.username})",
            user_id=current_user.id,
        )


# -- The rows of an export -------------------------------------------------------------------
#
# SQLite works out each site's fields and writes them as a JSON object, in C: at 50,000
# sites that is several times faster than building and encoding dicts in Python, and it is
# the one place a profile's fields are defined, whatever the format.

# The latest visit of a premises, as refresh_risk chose it (its visited_at is the premises'
# last_visit_at; the later submission wins a tie).
_LATEST = (
    "(SELECT {column} FROM current_visits v WHERE v.premises_id = premises.id "
    "AND v.visited_at = premises.last_visit_at ORDER BY v.submitted_at DESC LIMIT 1)"
)


def _scope(profile: export_profiles.Profile, category_sql: str) -> str:
    """SQL that is true when an indicator's category is in the profile's scope."""
    if not profile.categories:
        return "1"
    # Codes are checked against the fixed list when the profile is loaded: safe to inline.
    assert all(c in CATEGORIES for c in profile.categories)
    return f"{category_sql} IN ({', '.join(repr(c) for c in profile.categories)})"


def _field_sql(name: str, profile: export_profiles.Profile, flag_sql: str) -> str:
    """The SQL expression for one profile field (not location), over a premises row."""
    in_scope = _scope(profile, "json_extract(value, '$.category')")
    flags_in_scope = f"FROM json_each(premises.red_flags) WHERE {in_scope}"
    expressions = {
        "id": "premises.id",
        "name": "premises.name",
        "sector": "premises.sector",
        "address": "premises.address",
        "postcode": "premises.postcode",
        "local_authority": "premises.local_authority",
        "risk_band": "premises.risk_band",
        "risk_score": "round(premises.risk_score, 1)",
        "flagged": f"json(CASE WHEN {flag_sql} THEN 'true' ELSE 'false' END)",
        "last_visit_date": "substr(premises.last_visit_at, 1, 10)",
        "location_mismatch": (
            "json(CASE WHEN premises.last_visit_mismatch THEN 'true' ELSE 'false' END)"
        ),
        "red_flag_count": f"(SELECT count(*) {flags_in_scope})",
        "red_flag_categories": (
            "json((SELECT json_group_array(c) FROM (SELECT DISTINCT "  # noqa: S608
            f"json_extract(value, '$.category') AS c {flags_in_scope} ORDER BY c)))"
        ),
        "red_flags": (
            f"json((SELECT json_group_array(json_extract(value, '$.question')) {flags_in_scope}))"
        ),
        "top_indicators": (
            "json((SELECT json_group_array(json_extract(value, '$.question')) "
            "FROM json_each(premises.top_indicators)))"
        ),
        # Warning signs present at the latest visit, weightiest first, in scope only.
        "indicators": (
            "json((SELECT json_group_array(q) FROM (SELECT json_extract(value, '$.question') "  # noqa: S608
            f"AS q FROM json_each({_LATEST.format(column='result')}, '$.contributions') "
            f"WHERE json_extract(value, '$.points') > 0 AND {in_scope} "
            "ORDER BY json_extract(value, '$.points') DESC, json_extract(value, '$.id'))))"
        ),
        "checklist": _LATEST.format(column="v.checklist_id || ' v' || v.checklist_version"),
    }
    return expressions[name]


@dataclass(frozen=True)
class _ExportSQL:
    rows: str
    rows_params: list
    count: str
    versions: str
    where_params: list


def _export_sql(f: SiteFilter, profile: export_profiles.Profile, now: datetime) -> _ExportSQL:
    """SQL for an export's rows, count and checklist versions.

    Built from the pieces fieldapp.queries.sites.select uses (the same WHERE clause, flag
    rule and ORDER BY), so an export holds the list's rows in the list's order.
    """
    flag_sql, flag_params = flagged_sql(sites_q.rules(), now)
    where_sql, params = where(f, sites_q.rules(), now)
    pairs = [
        f"'{name}', {_field_sql(name, profile, flag_sql)}"
        for name in profile.fields
        if name != "location"
    ]
    located = "location" in profile.fields
    rows = (
        "SELECT premises.id, "  # noqa: S608 - every value is a parameter
        + ("round(latitude, 6), round(longitude, 6), " if located else "NULL, NULL, ")
        + f"json_object({', '.join(pairs)}) FROM premises WHERE {where_sql} "
        f"ORDER BY {SORTS[f.sort]}, premises.id"
    )
    count = f"SELECT count(*) FROM premises WHERE {where_sql}"  # noqa: S608
    versions = (
        "SELECT DISTINCT v.checklist_id, v.checklist_version "  # noqa: S608
        f"FROM (SELECT id, last_visit_at FROM premises WHERE {where_sql}) AS p "
        "JOIN current_visits v ON v.premises_id = p.id AND v.visited_at = p.last_visit_at "
        "ORDER BY 1, 2"
    )
    uses_flag = "flagged" in profile.fields
    return _ExportSQL(rows, [*(flag_params if uses_flag else []), *params], count, versions, params)


def _sites(db: Database, sql: str, params: list) -> Iterator[exporting.Site]:
    """The export's sites, read from a cursor a batch at a time (so 50,000 sites stream)."""
    cursor = db.execute(sql, params)
    while batch := cursor.fetchmany(ROWS_PER_FETCH):
        for row in batch:
            yield exporting.Site(*row)


def export_ids(db: Database, f: SiteFilter, now: datetime | None = None) -> list[int]:
    """The premises ids an export of ``f`` holds, in order (for checks against the list)."""
    profile = export_profiles.Profile("check", "", ("id",), ())
    sql = _export_sql(f, profile, now or utcnow())
    return [row[0] for row in db.execute(sql.rows, sql.rows_params)]


# -- Streaming an export and putting it on the record ----------------------------------------


def export_response(f: SiteFilter, agency: str, fmt: str, who: Requester) -> Response:
    """Stream the export of ``f`` for ``agency`` in ``fmt`` and log it when it has gone.

    The export reads on its own connection inside one read transaction, so the header's
    count and checklist versions describe exactly the rows that follow, and it does not
    depend on the request's connection (which is tidied away before the body is sent).
    """
    profile = export_profiles.load()[agency]
    config = current_app.config
    logger = current_app.logger
    now = utcnow()
    mimetype, extension = exporting.FORMATS[fmt]
    headers = {
        "Content-Disposition": (
            f'attachment; filename="sites-{agency}-{now:%Y%m%dT%H%M%SZ}.{extension}"'
        ),
        "Cache-Control": "no-store",
        "X-Handling-Marking": config.get("EXPORT_MARKING", DEFAULT_MARKING),
    }
    if request.method == "HEAD":
        return Response(mimetype=mimetype, headers=headers)  # nothing sent, nothing to log
    sql = _export_sql(f, profile, now)
    db = connect(config["DATABASE"], config["SQLITE_BUSY_TIMEOUT_MS"])
    try:
        db.conn.execute("BEGIN")
        count = db.execute(sql.count, sql.where_params).fetchone()[0]
        versions = tuple(
            f"{checklist_id} v{version}"
            for checklist_id, version in db.execute(sql.versions, sql.where_params)
        )
    except BaseException:
        db.conn.close()
        raise
    meta = exporting.Metadata(
        marking=headers["X-Handling-Marking"],
        made_at=now.isoformat(),
        made_by=who.label,
        agency=agency,
        agency_name=agencies.name(agency),
        filter=f.describe(),
        checklist_versions=versions,
        site_count=count,
        fields=tuple(exporting.columns(profile)),
    )

    def done(sha256: str, size: int, complete: bool) -> None:
        try:
            if db.conn.in_transaction:
                db.conn.execute("ROLLBACK")  # end the read; nothing was written
            log_export(
                db,
                who=who,
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

    chunks = exporting.encode(fmt, meta, profile, _sites(db, sql.rows, sql.rows_params))
    return Response(exporting.measured(chunks, done), mimetype=mimetype, headers=headers)


def log_export(
    db: Database,
    *,
    who: Requester,
    agency: str,
    fmt: str,
    filter_text: str,
    row_count: int,
    byte_count: int,
    sha256: str,
) -> int:
    """Append one row to the export log; return its id."""
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO export_log (at, user_id, token_id, agency, format, filter, row_count, "
            "byte_count, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                now_iso(),
                who.user_id,
                who.token_id,
                agency,
                fmt,
                filter_text,
                row_count,
                byte_count,
                sha256,
            ],
        )
    return cursor.lastrowid


_LOG_SELECT = (
    "SELECT export_log.*, users.username, users.display_name, api_tokens.name AS token_name, "
    "api_tokens.token_hint FROM export_log "
    "LEFT JOIN users ON users.id = export_log.user_id "
    "LEFT JOIN api_tokens ON api_tokens.id = export_log.token_id "
)


def export_log(db: Database, limit: int = 100, offset: int = 0) -> list[dict]:
    """Logged exports, newest first."""
    return query(db, _LOG_SELECT + "ORDER BY export_log.id DESC LIMIT ? OFFSET ?", [limit, offset])


def exports_with_sha256(db: Database, sha256: str) -> list[dict]:
    """Every logged export whose bytes had this SHA-256 (the same file can be sent twice)."""
    return query(db, _LOG_SELECT + "WHERE export_log.sha256 = ? ORDER BY export_log.id", [sha256])


# -- API tokens ------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are long and random, so no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(db: Database, *, agency: str, name: str, created_by: int) -> tuple[int, str]:
    """Make a token for an agency; return (id, the token). The token is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO api_tokens (agency, name, token_hash, token_hint, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?)",
            [agency, name, token_hash(token), token[:9] + "…", now_iso(), created_by],
        )
        token_id = cursor.lastrowid
        audit.record("api_token.create", "api_tokens", token_id, db=db, agency=agency, name=name)
    return token_id, token


def revoke_token(db: Database, token_id: int, *, revoked_by: int) -> bool:
    """Revoke a token at once; False if it was already revoked or does not exist."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? "
            "WHERE id = ? AND revoked_at IS NULL",
            [now_iso(), revoked_by, token_id],
        )
        if cursor.rowcount:
            audit.record("api_token.revoke", "api_tokens", token_id, db=db)
    return bool(cursor.rowcount)


def active_token(db: Database, token: str) -> dict | None:
    """The live token row for a presented token, or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = one(
        db,
        "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [token_hash(token)],
    )
    if row is not None:
        with write_transaction(db):
            db.execute(
                "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now_iso(), row["id"]]
            )
    return row


def all_tokens(db: Database) -> list[dict]:
    """Every token ever made (live first), with who made it."""
    return query(
        db,
        "SELECT api_tokens.*, users.username AS created_by_name FROM api_tokens "
        "LEFT JOIN users ON users.id = api_tokens.created_by "
        "ORDER BY revoked_at IS NOT NULL, api_tokens.id DESC",
    )


# -- Wiring ----------------------------------------------------------------------------------


def agencies_for_current_user() -> list[tuple[str, str]]:
    """(id, name) of the agencies the signed-in user may export for: a partner, their own."""
    ids = list(export_profiles.load())
    if current_user.is_authenticated and current_user.role == "partner":
        ids = [a for a in ids if a == current_user.agency]
    return [(a, agencies.name(a)) for a in ids]


def init_app(app: Flask) -> None:
    """Check the profiles, register the pages and the API, and set the default marking."""
    from fieldapp import csrf
    from fieldapp.exports import views  # noqa: F401 - registers routes on bp
    from fieldapp.exports.api import api_bp

    app.config.setdefault("EXPORT_MARKING", DEFAULT_MARKING)
    export_profiles.load()  # a broken profiles file stops the app starting, not an export
    app.register_blueprint(bp)
    app.register_blueprint(api_bp)
    # Partner systems authenticate with a bearer token, not a session cookie, so a forged
    # cross-site request has nothing to ride on.
    csrf.exempt(api_bp)
    app.add_template_global(agencies_for_current_user, "export_agencies")
