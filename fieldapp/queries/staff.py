"""What the database holds about one member of staff, for a subject access request, and
the changes that anonymise a leaver's account. Nothing here knows of Flask."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import query

# Each part of a subject access answer: what it is, and the rows recorded about or by
# the person (never a password hash or a session token's hash).
PARTS = {
    "sessions": (
        "Times they were signed in",
        "SELECT created_at, last_seen_at, ended_at, ended_reason, persistent, ip "
        "FROM sessions WHERE user_id = :id ORDER BY created_at",
    ),
    "sign_in_attempts": (
        "Attempts to sign in with their username",
        "SELECT at, ip, succeeded FROM login_attempts WHERE username = :username "
        "COLLATE NOCASE ORDER BY at",
    ),
    "visits": (
        "Visits they recorded",
        "SELECT v.id, v.premises_id, p.name AS premises, v.visited_at, v.submitted_at, "
        "v.outcome, v.band, v.amends, v.amendment_reason FROM visits v "
        "JOIN premises p ON p.id = v.premises_id WHERE v.inspector_id = :id "
        "ORDER BY v.visited_at",
    ),
    "referrals": (
        "Safeguarding referrals they recorded",
        "SELECT id, visit_id, route, made_at, recorded_at FROM referrals "
        "WHERE recorded_by = :id ORDER BY recorded_at",
    ),
    "operations": (
        "Joint operations they planned",
        "SELECT id, name, operation_date, created_at FROM operations WHERE created_by = :id "
        "ORDER BY created_at",
    ),
    "operation_outcomes": (
        "Operation outcomes they recorded",
        "SELECT operation_id, premises_id, recorded_at FROM operation_outcomes "
        "WHERE recorded_by = :id ORDER BY recorded_at",
    ),
    "training": (
        "Their first responder training records",
        "SELECT t.id, t.course, t.trained_on, t.recorded_at, w.reason AS withdrawn_because "
        "FROM training t LEFT JOIN training_withdrawals w ON w.training_id = t.id "
        "WHERE t.user_id = :id ORDER BY t.trained_on",
    ),
    "exports": (
        "Exports they made",
        "SELECT at, agency, format, row_count, sha256 FROM export_log WHERE user_id = :id "
        "ORDER BY at",
    ),
    "api_tokens": (
        "API tokens they made",
        "SELECT id, agency, name, created_at, revoked_at FROM api_tokens "
        "WHERE created_by = :id ORDER BY created_at",
    ),
    "records_read": (
        "Records they opened, from the read log",
        "SELECT at, table_name, record_id, why, ip FROM reads WHERE user_id = :id ORDER BY at",
    ),
    "audit_trail": (
        "What they did, from the audit trail",
        "SELECT at, action, table_name, record_id, ip FROM audit WHERE user_id = :id ORDER BY id",
    ),
}


def account(db: Database, user_id: int) -> dict | None:
    rows = query(
        db,
        "SELECT id, username, display_name, role, agency, active, created_at, updated_at "
        "FROM users WHERE id = ?",
        [user_id],
    )
    return rows[0] if rows else None


def part(db: Database, name: str, user_id: int, username: str) -> list[dict]:
    return query(db, PARTS[name][1], {"id": user_id, "username": username})


def anonymise(
    db: Database, user_id: int, *, pseudonym: str, username: str, password_hash: str, now: str
) -> None:
    """Replace the account's name and username with a pseudonym and its password with one
    nobody knows; forget its sign-in attempts (they hold the old username and addresses)."""
    old = account(db, user_id)
    db.execute(
        "UPDATE users SET display_name = ?, username = ?, password_hash = ?, "
        "updated_at = ? WHERE id = ?",
        [pseudonym, username, password_hash, now, user_id],
    )
    db.execute("DELETE FROM login_attempts WHERE username = ? COLLATE NOCASE", [old["username"]])
