"""Accounts and sign-in attempts (the rules for them are in fieldapp.accounts)."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import one, one_or_missing, query, transaction
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
    db.execute(
        "UPDATE users SET display_name = ?, role = ?, agency = ?, active = ?, "
        "session_version = session_version + ?, updated_at = ? WHERE id = ?",
        [
            values["display_name"],
            values["role"],
            values["agency"],
            values["active"],
            1 if end_sessions else 0,
            now_iso(),
            user_id,
        ],
    )


def set_password_hash(db: Database, user_id: int, password_hash: str, *, end_sessions: bool):
    """Store a new password hash; a reset also ends every session, a rehash does not."""
    if end_sessions:
        db.execute(
            "UPDATE users SET password_hash = ?, session_version = session_version + 1, "
            "updated_at = ? WHERE id = ?",
            [password_hash, now_iso(), user_id],
        )
    else:
        db.execute("UPDATE users SET password_hash = ? WHERE id = ?", [password_hash, user_id])


def record_attempt(db: Database, username: str, ip: str | None, succeeded: bool) -> None:
    """Remember a sign-in attempt for throttling."""
    with transaction(db):
        db.execute(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, ?)",
            [username.strip()[:200], ip, now_iso(), 1 if succeeded else 0],
        )


def recent_failures(db: Database, username: str, ip: str | None, since: str) -> tuple[int, int]:
    """Failed sign-ins since ``since``: for the username (after its last success), and from
    the address."""
    by_user = db.execute(
        "SELECT count(*) FROM login_attempts WHERE username = ? AND succeeded = 0 AND at >= ? "
        "AND at > coalesce((SELECT max(at) FROM login_attempts "
        "WHERE username = ? AND succeeded = 1), '')",
        [username, since, username],
    ).fetchone()[0]
    by_ip = db.execute(
        "SELECT count(*) FROM login_attempts WHERE ip = ? AND succeeded = 0 AND at >= ?",
        [ip, since],
    ).fetchone()[0]
    return by_user, by_ip
