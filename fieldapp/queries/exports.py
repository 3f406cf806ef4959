"""Partner exports: the rows of an export, the export log and API tokens.

SQLite works out each site's fields and writes them as a JSON object, in C: at 50,000
sites that is several times faster than building and encoding dicts in Python, and it is
the one place a profile's fields are defined, whatever the format.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from fieldapp import audit
from fieldapp.checklists.model import CATEGORIES
from fieldapp.exports.encoders import Site
from fieldapp.exports.profiles import Profile
from fieldapp.queries import one, query, transaction, uk_date_sql
from fieldapp.queries.sites import SORTS, flagged_sql, where
from fieldapp.sitefilter import FlagRules, SiteFilter
from fieldapp.timeutil import now_iso

ROWS_PER_FETCH = 1000

# The latest visit of a premises, as refresh_risk chose it (its visited_at is the premises'
# last_visit_at; the later submission wins a tie).
_LATEST = (
    "(SELECT {column} FROM current_visits v WHERE v.premises_id = premises.id "
    "AND v.visited_at = premises.last_visit_at ORDER BY v.submitted_at DESC LIMIT 1)"
)


def _scope(profile: Profile, category_sql: str) -> str:
    """SQL that is true when an indicator's category is in the profile's scope."""
    if not profile.categories:
        return "1"
    # Codes are checked against the fixed list when the profile is loaded: safe to inline.
    assert all(c in CATEGORIES for c in profile.categories)
    return f"{category_sql} IN ({', '.join(repr(c) for c in profile.categories)})"


def _field_sql(name: str, profile: Profile, flag_sql: str) -> str:
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
        "placed_by": "premises.location_source",
        "risk_band": "premises.risk_band",
        "risk_score": "round(premises.risk_score, 1)",
        "flagged": f"json(CASE WHEN {flag_sql} THEN 'true' ELSE 'false' END)",
        "last_visit_date": uk_date_sql("premises.last_visit_at"),
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
        # Warning signs present at the latest visit (answered yes, or a price check that
        # counted), weightiest first, in scope only.
        "indicators": (
            "json((SELECT json_group_array(q) FROM (SELECT json_extract(value, '$.question') "  # noqa: S608
            f"AS q FROM json_each({_LATEST.format(column='result')}, '$.contributions') "
            f"WHERE json_extract(value, '$.answer') = 'yes' AND {in_scope} "
            "ORDER BY json_extract(value, '$.points') DESC, json_extract(value, '$.id'))))"
        ),
        "checklist": _LATEST.format(column="v.checklist_id || ' v' || v.checklist_version"),
    }
    return expressions[name]


@dataclass(frozen=True)
class ExportSQL:
    """The statements of one export, built together so they agree."""

    rows: str
    rows_params: list
    count: str
    versions: str
    where_params: list


def export_sql(f: SiteFilter, profile: Profile, now: datetime, rules: FlagRules) -> ExportSQL:
    """SQL for an export's rows, count and checklist versions.

    Built from the pieces fieldapp.queries.sites.select uses (the same WHERE clause, flag
    rule and ORDER BY), so an export holds the list's rows in the list's order.
    """
    flag_sql, flag_params = flagged_sql(rules, now)
    where_sql, params = where(f, rules, now)
    pairs = [
        f"'{name}', {_field_sql(name, profile, flag_sql)}"
        for name in profile.fields
        if name not in ("location", "grid_reference")
    ]
    if "grid_reference" in profile.fields:
        pairs += ["'easting', premises.easting", "'northing', premises.northing"]
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
    return ExportSQL(rows, [*(flag_params if uses_flag else []), *params], count, versions, params)


def begin(db: Database, sql: ExportSQL) -> tuple[int, tuple[str, ...]]:
    """Start the export's read transaction; return its row count and checklist versions.

    One read transaction holds the whole export, so the header's count and versions
    describe exactly the rows that follow.
    """
    db.conn.execute("BEGIN")
    count = db.execute(sql.count, sql.where_params).fetchone()[0]
    versions = tuple(
        f"{checklist_id} v{version}"
        for checklist_id, version in db.execute(sql.versions, sql.where_params)
    )
    return count, versions


def end_read(db: Database) -> None:
    """End the export's read transaction (nothing was written)."""
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def sites(db: Database, sql: ExportSQL) -> Iterator[Site]:
    """The export's sites, read from a cursor a batch at a time (so 50,000 sites stream)."""
    cursor = db.execute(sql.rows, sql.rows_params)
    while batch := cursor.fetchmany(ROWS_PER_FETCH):
        for row in batch:
            yield Site(*row)


def log_export(
    db: Database,
    *,
    user_id: int | None,
    token_id: int | None,
    agency: str,
    fmt: str,
    filter_text: str,
    row_count: int,
    byte_count: int,
    sha256: str,
    why: str = "partner_disclosure",
) -> int:
    """Append one row to the export log, with the audit trail's head as it was (an anchor),
    and put the disclosure on the audit trail itself; return the export log row's id.

    ``why`` is the purpose on the audit row: an export to a partner is a disclosure, a visit
    report for the case file is case work."""
    with transaction(db):
        anchor = audit.head(db)
        cursor = db.execute(
            "INSERT INTO export_log (at, user_id, token_id, agency, format, filter, row_count, "
            "byte_count, sha256, audit_rows, audit_head) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                anchor.at,
                user_id,
                token_id,
                agency,
                fmt,
                filter_text,
                row_count,
                byte_count,
                sha256,
                anchor.rows,
                anchor.hash,
            ],
        )
        audit.record(
            "export.sent",
            "export_log",
            cursor.lastrowid,
            db=db,
            actor=_exporter(db, user_id, token_id),
            agency=agency,
            format=fmt,
            rows=row_count,
            sha256=sha256,
            why=why,
        )
    return cursor.lastrowid


def _exporter(db: Database, user_id: int | None, token_id: int | None) -> audit.Actor:
    """Who an export went to, named for the audit trail (it is logged after its request)."""
    if user_id is not None:
        row = one(db, "SELECT username FROM users WHERE id = ?", [user_id])
        return audit.Actor(user_id, row["username"] if row else None)
    row = one(db, "SELECT name, token_hint FROM api_tokens WHERE id = ?", [token_id])
    return audit.Actor(None, f"API token {row['name']} ({row['token_hint']})" if row else None)


_LOG_SELECT = (
    "SELECT export_log.*, users.username, users.display_name, api_tokens.name AS token_name, "
    "api_tokens.token_hint FROM export_log "
    "LEFT JOIN users ON users.id = export_log.user_id "
    "LEFT JOIN api_tokens ON api_tokens.id = export_log.token_id "
)


def export_log(db: Database, limit: int = 100, offset: int = 0) -> list[dict]:
    """Logged exports, newest first."""
    return query(db, _LOG_SELECT + "ORDER BY export_log.id DESC LIMIT ? OFFSET ?", [limit, offset])


# A visit report's export log row names its visit in the filter column, in these words, so
# the report page can find the PDFs made of that visit without a new column.
VISIT_PDF = "visit_pdf"


def visit_pdf_filter(visit_id: str) -> str:
    """The export log's filter text for a PDF report of one visit (one revision)."""
    return f"Visit report of visit {visit_id}"


def visit_pdfs(db: Database, visit_id: str) -> list[dict]:
    """The PDF reports logged for one visit revision, newest first."""
    return query(
        db,
        _LOG_SELECT + "WHERE export_log.format = ? AND export_log.filter = ? "
        "ORDER BY export_log.id DESC",
        [VISIT_PDF, visit_pdf_filter(visit_id)],
    )


def exports_with_sha256(db: Database, sha256: str) -> list[dict]:
    """Every logged export whose bytes had this SHA-256 (the same file can be sent twice)."""
    return query(db, _LOG_SELECT + "WHERE export_log.sha256 = ? ORDER BY export_log.id", [sha256])


def create_token(
    db: Database,
    *,
    agency: str,
    name: str,
    created_by: int,
    digest: str,
    hint: str,
    expires_at: str,
    scope: str = "flagged_sites",
) -> int:
    """Store a new token's hash for an agency; return its id. The token is never stored."""
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO api_tokens (agency, name, token_hash, token_hint, created_at, "
            "created_by, expires_at, scope) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [agency, name, digest, hint, now_iso(), created_by, expires_at, scope],
        )
        token_id = cursor.lastrowid
        audit.record(
            "api_token.create",
            "api_tokens",
            token_id,
            db=db,
            agency=agency,
            name=name,
            expires_at=expires_at,
            scope=scope,
        )
    return token_id


def revoke_token(db: Database, token_id: int, *, revoked_by: int) -> bool:
    """Revoke a token at once; False if it was already revoked or does not exist."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? "
            "WHERE id = ? AND revoked_at IS NULL",
            [now_iso(), revoked_by, token_id],
        )
        if cursor.rowcount:
            audit.record("api_token.revoke", "api_tokens", token_id, db=db)
    return bool(cursor.rowcount)


def active_token(db: Database, digest: str) -> dict | None:
    """The unrevoked token row whose hash is ``digest`` (expired or not), or None."""
    return one(
        db,
        "SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        [digest],
    )


def token_used(db: Database, token_id: int) -> None:
    """Note that a token was just let in (shown to admins as "last used")."""
    with transaction(db):
        db.execute("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [now_iso(), token_id])


def all_tokens(db: Database) -> list[dict]:
    """Every token ever made (live first), with who made it."""
    return query(
        db,
        "SELECT api_tokens.*, users.username AS created_by_name FROM api_tokens "
        "LEFT JOIN users ON users.id = api_tokens.created_by "
        "ORDER BY revoked_at IS NOT NULL, api_tokens.id DESC",
    )
