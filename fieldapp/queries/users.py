"""Accounts and sign-in attempts."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from fieldapp import audit
from fieldapp.queries import one, one_or_missing, query, transaction
from fieldapp.timeutil import now_iso, utcnow

_hasher = PasswordHasher()

# Checked against when the username is unknown, so a wrong username takes as long as a
# wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = _hasher.hash("fieldapp-timing-equaliser")

MIN_PASSWORD_LENGTH = 12


class UserError(ValueError):
    """A user record could not be written; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    """Raise UserError unless the password is long enough to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"Password must be {MIN_PASSWORD_LENGTH} characters or more")


def get(db: Database, user_id: int) -> dict:
    """Fetch one user by id or raise NotFoundError."""
    return one_or_missing(db, "SELECT * FROM users WHERE id = ?", [user_id], f"No user {user_id}")


def find_by_username(db: Database, username: str) -> dict | None:
    """Fetch one user by username (case-insensitive), or None."""
    return one(db, "SELECT * FROM users WHERE username = ?", [username.strip()])


def all_users(db: Database) -> list[dict]:
    """Every account, active first, then by role and name."""
    return query(db, "SELECT * FROM users ORDER BY active DESC, role, display_name COLLATE NOCASE")


def verify(db: Database, username: str, password: str) -> dict | None:
    """Return the active user whose password matches, else None."""
    user = find_by_username(db, username)
    try:
        _hasher.verify(user["password_hash"] if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user["active"]:
        return None
    if _hasher.check_needs_rehash(user["password_hash"]):
        db.execute(
            "UPDATE users SET password_hash = ? WHERE id = ?",
            [hash_password(password), user["id"]],
        )
        db.conn.commit()
    return user


def _validate(role: str, agency: str | None) -> None:
    from fieldapp.permissions import ROLES

    if role not in ROLES:
        raise UserError("role", "Select a role")
    if role == "partner" and not (agency or "").strip():
        raise UserError("agency", "Select the agency this partner user belongs to")


def create(
    db: Database,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    agency: str | None = None,
) -> int:
    """Create an account and audit it; return its id."""
    username = username.strip()
    if not username:
        raise UserError("username", "Enter a username")
    if not display_name.strip():
        raise UserError("display_name", "Enter the person's full name")
    _validate(role, agency)
    check_password_rules(password)
    if find_by_username(db, username):
        raise UserError("username", f"The username {username} is already taken")
    now = now_iso()
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO users (username, display_name, role, agency, password_hash, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                username,
                display_name.strip(),
                role,
                agency.strip() if role == "partner" and agency else None,
                hash_password(password),
                now,
                now,
            ],
        )
        user_id = cursor.lastrowid
        audit.record(
            "user.create", "users", user_id, db=db, new_username=username, role=role, agency=agency
        )
    return user_id


def update(
    db: Database, user_id: int, *, display_name: str, role: str, agency: str | None, active: bool
) -> dict:
    """Change a user's name, role, agency or active state; audit what changed."""
    before = get(db, user_id)
    if not display_name.strip():
        raise UserError("display_name", "Enter the person's full name")
    _validate(role, agency)
    after = {
        "display_name": display_name.strip(),
        "role": role,
        "agency": agency.strip() if role == "partner" and agency else None,
        "active": 1 if active else 0,
    }
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if not changes:
        return before
    # A change of role or a disable must end sessions held under the old rights.
    bump = 1 if ("role" in changes or "active" in changes or "agency" in changes) else 0
    with transaction(db):
        db.execute(
            "UPDATE users SET display_name = ?, role = ?, agency = ?, active = ?, "
            "session_version = session_version + ?, updated_at = ? WHERE id = ?",
            [*after.values(), bump, now_iso(), user_id],
        )
        audit.record("user.update", "users", user_id, db=db, changes=changes)
    return get(db, user_id)


def set_active(db: Database, user_id: int, active: bool) -> dict:
    """Enable or disable an account (disabling ends its sessions)."""
    user = get(db, user_id)
    return update(
        db,
        user_id,
        display_name=user["display_name"],
        role=user["role"],
        agency=user["agency"],
        active=active,
    )


def reset_password(db: Database, user_id: int, password: str) -> None:
    """Set a new password, end the user's sessions and audit it (not the password)."""
    get(db, user_id)
    check_password_rules(password)
    with transaction(db):
        db.execute(
            "UPDATE users SET password_hash = ?, session_version = session_version + 1, "
            "updated_at = ? WHERE id = ?",
            [hash_password(password), now_iso(), user_id],
        )
        audit.record("user.reset_password", "users", user_id, db=db)


def record_attempt(db: Database, username: str, ip: str | None, succeeded: bool) -> None:
    """Remember a sign-in attempt for throttling."""
    with transaction(db):
        db.execute(
            "INSERT INTO login_attempts (username, ip, at, succeeded) VALUES (?, ?, ?, ?)",
            [username.strip()[:200], ip, now_iso(), 1 if succeeded else 0],
        )


def is_throttled(
    db: Database, username: str, ip: str | None, max_failures: int, window_minutes: int
) -> bool:
    """True when the username, or the address, has failed too often within the window.

    Failures before the account's last success do not count, so a user who signs in
    correctly starts afresh. The address limit is four times higher because offices share
    one public address.
    """
    since = (utcnow() - timedelta(minutes=window_minutes)).isoformat()
    by_user = db.execute(
        "SELECT count(*) FROM login_attempts WHERE username = ? AND succeeded = 0 AND at >= ? "
        "AND at > coalesce((SELECT max(at) FROM login_attempts "
        "WHERE username = ? AND succeeded = 1), '')",
        [username.strip(), since, username.strip()],
    ).fetchone()[0]
    by_ip = db.execute(
        "SELECT count(*) FROM login_attempts WHERE ip = ? AND succeeded = 0 AND at >= ?",
        [ip, since],
    ).fetchone()[0]
    return by_user >= max_failures or by_ip >= max_failures * 4
