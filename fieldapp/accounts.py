"""User accounts: the rules for creating and changing one, passwords, and sign-in limits.

Passwords are hashed with Argon2id (memory-hard, so a stolen database resists guessing).
The SQL is in fieldapp.queries.users; every change is on the audit trail.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from sqlite_utils import Database

from fieldapp import audit, passwords
from fieldapp.permissions import ROLES
from fieldapp.queries import transaction
from fieldapp.queries import users as users_q
from fieldapp.timeutil import parse_stored, utcnow

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
MAX_PASSWORD_LENGTH = passwords.MAX_LENGTH
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,64}")
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


def _service_names() -> tuple[str, ...]:
    # The configured name when an app is running (web or CLI), and always our own.
    names = [current_app.config.get("SERVICE_NAME", "")] if has_app_context() else []
    return tuple(n for n in (*names, "fieldapp") if n)


def check_password_rules(password: str, *, username: str = "", display_name: str = "") -> None:
    """Raise UserError unless the password meets the policy (fieldapp.passwords): long
    enough, not a common password, not containing the username, the person's name or the
    service's name."""
    message = passwords.problem(
        password, username=username, display_name=display_name, service_names=_service_names()
    )
    if message:
        raise UserError("password", message)


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
    if not USERNAME_PATTERN.fullmatch(username):
        raise UserError(
            "username",
            "Username can only contain letters, numbers, dots, hyphens and underscores, "
            "and be 64 characters or fewer",
        )
    if not display_name.strip():
        raise UserError("display_name", "Enter the person's full name")
    _validate(role, agency)
    check_password_rules(password, username=username, display_name=display_name)
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
    user = users_q.get(db, user_id)
    check_password_rules(password, username=user["username"], display_name=user["display_name"])
    with transaction(db):
        users_q.set_password_hash(db, user_id, hash_password(password), end_sessions=True)
        # A reset is how an owner gets back in: it clears their sign-in delays too.
        cleared = users_q.clear_failures(db, user["username"])
        audit.record("user.reset_password", "users", user_id, db=db, failures_cleared=cleared)


@dataclass(frozen=True)
class SignInLimits:
    """How sign-in failures slow further attempts (from the LOGIN_* settings)."""

    free_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    max_delay_seconds: int = 60
    known_address_days: int = 30


def limits_from_config(config: Mapping) -> SignInLimits:
    """The sign-in limits from the app's LOGIN_* settings."""
    return SignInLimits(
        free_failures=int(config["LOGIN_MAX_FAILURES"]),
        window=timedelta(minutes=float(config["LOGIN_FAILURE_WINDOW_MINUTES"])),
        max_delay_seconds=int(config["LOGIN_MAX_DELAY_SECONDS"]),
        known_address_days=int(config["LOGIN_KNOWN_ADDRESS_DAYS"]),
    )


@dataclass(frozen=True)
class Wait:
    """A sign-in attempt must wait ``seconds`` more; ``scope`` says whose failures caused it."""

    seconds: int
    scope: str  # "account" or "address"


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds to wait after the latest of ``failures``: none below ``free``, then 1, 2, 4...
    doubling with each further failure, never more than ``cap``."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 32), cap)


def _remaining(failures: int, latest: str | None, free: int, cap: int, now: datetime) -> int:
    if latest is None:
        return 0
    ready = parse_stored(latest) + timedelta(seconds=delay_after(failures, free, cap))
    return max(0, math.ceil((ready - now).total_seconds()))


def sign_in_wait(
    db: Database,
    username: str,
    ip: str | None,
    limits: SignInLimits,
    now: datetime | None = None,
) -> Wait | None:
    """How long this attempt must wait, or None if it may be checked now.

    Progressive delays, never a lock (OWASP and NCSC): each failure past the free ones
    doubles the wait, up to ``max_delay_seconds``, and attempts refused while waiting are
    not counted, so the owner's correct password always gets through after at most that.
    An address the account has signed in from before (the owner's phone, their office)
    counts only its own failures against the account and is exempt from the address's
    delay, so a guesser elsewhere, or a colleague behind the same office address, cannot
    slow the owner down. Other addresses share the account's delay, and each address has
    its own delay at ADDRESS_FACTOR times the free failures (offices share an address).
    """
    now = now or utcnow()
    username = username.strip()
    since = (now - limits.window).isoformat()
    free, cap = limits.free_failures, limits.max_delay_seconds
    known_since = (now - timedelta(days=limits.known_address_days)).isoformat()
    if ip is not None and users_q.signed_in_from(db, username, ip, known_since):
        count, latest = users_q.failures_for_user(db, username, since, ip=ip)
        seconds = _remaining(count, latest, free, cap, now)
        return Wait(seconds, "account") if seconds else None
    count, latest = users_q.failures_for_user(db, username, since)
    seconds = _remaining(count, latest, free, cap, now)
    if seconds:
        return Wait(seconds, "account")
    if ip is not None:
        count, latest = users_q.failures_from_address(db, ip, since)
        seconds = _remaining(count, latest, free * ADDRESS_FACTOR, cap, now)
        if seconds:
            return Wait(seconds, "address")
    return None


def record_sign_in(
    db: Database, username: str, ip: str | None, succeeded: bool, limits: SignInLimits
) -> Wait | None:
    """Remember an attempt whose password was checked; return the wait a failure leaves
    before the next attempt (None after a success, or a failure within the free ones)."""
    now = utcnow()
    users_q.record_attempt(db, username, ip, succeeded, at=now.isoformat())
    return None if succeeded else sign_in_wait(db, username, ip, limits, now)


def recent_failures(db: Database, username: str, limits: SignInLimits) -> int:
    """Failed sign-ins to an account within the window since its last success (what an
    unlock would clear), for the admin's user page."""
    since = (utcnow() - limits.window).isoformat()
    return users_q.failures_for_user(db, username, since)[0]


def unlock(db: Database, user_id: int) -> int:
    """Clear an account's sign-in delays and audit it; return the failures forgotten."""
    user = users_q.get(db, user_id)
    with transaction(db):
        cleared = users_q.clear_failures(db, user["username"])
        audit.record("user.unlock", "users", user_id, db=db, failures_cleared=cleared)
    return cleared
