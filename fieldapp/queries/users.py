"""Accounts and sign-in attempts (the rules for them are in fieldapp.accounts)."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import one, one_or_missing, query, transaction
from fieldapp.queries import sessions as sessions_q
from fieldapp.timeutil import now_iso


def get(db: Database, user_id: int) -> dict:
    """Fetch one user by id or raise NotFoundError."""
    return one_or_missing(db, "SELECT * FROM users WHERE id = ?", [user_id], f"No user {user_id}")


def find_by_username(db: Database, username: str) -> dict | None:
    """Fetch one user by username (case-insensitive), or None."""
    return one(db, "SELECT * FROM users WHERE username = ?", [username.strip()])


def all_users(db: Database) -> list[dict]:
    """Every account, active first, then by role and name."""
    return query(db, "SELECT * FROM users ORDER BY active DESC, role, display_name COLLATE NOCASE")


def insert(
    db: Database,
    *,
    username: str,
    display_name: str,
    role: str,
    agency: str | None,
    password_hash: str,
) -> int:
    """Add an account; return its id."""
    now = now_iso()
    cursor = db.execute(
        "INSERT INTO users (username, display_name, role, agency, password_hash, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [username, display_name, role, agency, password_hash, now, now],
    )
    return cursor.lastrowid


def update(db: Database, user_id: int, values: dict, *, end_sessions: bool) -> None:
    """Write a user's name, role, agency and active state; optionally end their sessions."""
    now = now_iso()
    db.execute(
        "UPDATE users SET display_name = ?, role = ?, agency = ?, active = ?, "
        "session_version = session_version + ?, updated_at = ? WHERE id = ?",
        [
            values["display_name"],
            values["role"],
            values["agency"],
            values["active"],
            1 if end_sessions else 0,
            now,
            user_id,
        ],
    )
    if end_sessions:
        sessions_q.end_all_for_user(db, user_id, now, "account changed")


def set_password_hash(db: Database, user_id: int, password_hash: str, *, end_sessions: bool):
    """Store a new password hash; a reset also ends every session, a rehash does not."""
    if end_sessions:
        now = now_iso()
        db.execute(
            "UPDATE users SET password_hash = ?, session_version = session_version + 1, "
            "updated_at = ? WHERE id = ?",
            [password_hash, now, user_id],
        )
        sessions_q.end_all_for_user(db, user_id, now, "password reset")
    else:
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user_id])


def record_attempt(
    db: Database, username: str, ip: str | None, succeeded: bool, at: str | None = None
) -> None:
    """Remember a sign-in attempt for throttling."""
    with transaction(db):
        db.execute(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, ?)",
            [username.strip()[:200], ip, at or now_iso(), 1 if succeeded else 0],
        )


def signed_in_from(db: Database, username: str, ip: str, since: str) -> bool:
    """Whether the account has signed in successfully from this address since ``since``."""
    row = db.execute(
        "SELECT 1 FROM login_attempts WHERE username = ? AND ip = ? AND succeeded = 1 "
        "AND at >= ? LIMIT 1",
        [username, ip, since],
    ).fetchone()
    return row is not None


def failures_for_user(
    db: Database, username: str, since: str, ip: str | None = None
) -> tuple[int, str | None]:
    """Failed sign-ins to one account since ``since`` and since its last success (only
    those from ``ip`` when given): how many, and when the latest was."""
    count, latest = db.execute(
        "SELECT count(*), max(at) FROM login_attempts "
        "WHERE username = ? AND succeeded = 0 AND at >= ? AND (? IS NULL OR ip = ?) "
        # Later rows have larger ids: this holds even within one second of the success.
        "AND id > coalesce((SELECT max(id) FROM login_attempts "
        "WHERE username = ? AND succeeded = 1), 0)",
        [username, since, ip, ip, username],
    ).fetchone()
    return count, latest


def failures_from_address(db: Database, ip: str, since: str) -> tuple[int, str | None]:
    """Failed sign-ins to any account from one address since ``since``: how many, and
    when the latest was."""
    count, latest = db.execute(
        "SELECT count(*), max(at) FROM login_attempts WHERE ip = ? AND succeeded = 0 AND at >= ?",
        [ip, since],
    ).fetchone()
    return count, latest


def clear_failures(db: Database, username: str) -> int:
    """Forget an account's failed sign-ins (an unlock); return how many there were.

    They stop counting against the account and against the addresses they came from; the
    audit trail keeps its own record of each.
    """
    cursor = db.execute(
        "DELETE FROM login_attempts WHERE username = ? AND succeeded = 0", [username]
    )
    return cursor.rowcount
