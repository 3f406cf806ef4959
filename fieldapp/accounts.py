"""User accounts: the rules for creating and changing one, passwords, and sign-in limits.

Passwords are hashed with Argon2id (memory-hard, so a stolen database resists guessing).
The SQL is in fieldapp.queries.users; every change is on the audit trail.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

from fieldapp import audit
from fieldapp.permissions import ROLES
from fieldapp.queries import transaction
from fieldapp.queries import users as users_q
from fieldapp.timeutil import utcnow

MIN_PASSWORD_LENGTH = 12
# The address limit is this many times the account's, because offices share one address.
ADDRESS_FACTOR = 4

_hasher = PasswordHasher()


class UserError(ValueError):
    """A user record could not be written; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@cache
def _dummy_hash() -> str:
    # Checked against when the username is unknown, so a wrong username takes as long as a
    # wrong password and response times do not reveal which accounts exist. Made on first
    # use rather than at import, which would cost every process a hash.
    return _hasher.hash("fieldapp-timing-equaliser")


def hash_password(password: str) -> str:
    """Hash a password with Argon2id."""
    return _hasher.hash(password)


def check_password_rules(password: str) -> None:
    """Raise UserError unless the password is long enough to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError("password", f"Password must be {MIN_PASSWORD_LENGTH} characters or more")


def verify(db: Database, username: str, password: str) -> dict | None:
    """Return the active user whose password matches, else None."""
    user = users_q.find_by_username(db, username)
    try:
        _hasher.verify(user["password_hash"] if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user["active"]:
        return None
    if _hasher.check_needs_rehash(user["password_hash"]):
        with transaction(db):
            users_q.set_password_hash(db, user["id"], hash_password(password), end_sessions=False)
    return user


def _validate(role: str, agency: str | None) -> None:
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
    if users_q.find_by_username(db, username):
        raise UserError("username", f"The username {username} is already taken")
    with transaction(db):
        user_id = users_q.insert(
            db,
            username=username,
            display_name=display_name.strip(),
            role=role,
            agency=agency.strip() if role == "partner" and agency else None,
            password_hash=hash_password(password),
        )
        audit.record(
            "user.create", "users", user_id, db=db, new_username=username, role=role, agency=agency
        )
    return user_id


def update(
    db: Database, user_id: int, *, display_name: str, role: str, agency: str | None, active: bool
) -> dict:
    """Change a user's name, role, agency or active state; audit what changed."""
    before = users_q.get(db, user_id)
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
    end_sessions = bool({"role", "active", "agency"} & set(changes))
    with transaction(db):
        users_q.update(db, user_id, after, end_sessions=end_sessions)
        audit.record("user.update", "users", user_id, db=db, changes=changes)
    return users_q.get(db, user_id)


def set_active(db: Database, user_id: int, active: bool) -> dict:
    """Enable or disable an account (disabling ends its sessions)."""
    user = users_q.get(db, user_id)
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
    users_q.get(db, user_id)
    check_password_rules(password)
    with transaction(db):
        users_q.set_password_hash(db, user_id, hash_password(password), end_sessions=True)
        audit.record("user.reset_password", "users", user_id, db=db)


def is_throttled(
    db: Database, username: str, ip: str | None, max_failures: int, window_minutes: int
) -> bool:
    """True when the username, or the address, has failed too often within the window.

    Failures before the account's last success do not count, so a user who signs in
    correctly starts afresh. The address limit is four times higher because offices share
    one public address.
    """
    since = (utcnow() - timedelta(minutes=window_minutes)).isoformat()
    by_user, by_ip = users_q.recent_failures(db, username.strip(), ip, since)
    return by_user >= max_failures or by_ip >= max_failures * ADDRESS_FACTOR
