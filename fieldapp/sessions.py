"""Sessions kept on the server: started at sign-in, checked on every request, ended at
sign-out, by "sign out everywhere", a password reset or disabling the account.

The browser's signed cookie holds only a random token. The database keeps its SHA-256,
so a copy of the database cannot be turned into a working cookie. A session is live while
it has not been ended and was used within the idle limit (the session lifetime). The SQL
is in fieldapp.queries.sessions.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlite_utils import Database

from fieldapp.queries import sessions as sessions_q
from fieldapp.queries import transaction
from fieldapp.timeutil import parse_stored, utcnow

# Last-seen times are written at most this often, so a signed-in page view costs a read,
# not a write.
TOUCH_EVERY = timedelta(minutes=5)


def token_hash(token: str) -> str:
    """What the database keeps for a session token."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def start(db: Database, user_id: int, *, persistent: bool, ip: str | None) -> str:
    """Start a session for a user who has just signed in; return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    with transaction(db):
        sessions_q.insert(
            db,
            session_hash=token_hash(token),
            user_id=user_id,
            at=utcnow().isoformat(),
            persistent=persistent,
            ip=ip,
        )
    return token


def user_for(db: Database, token: str, idle_limit: timedelta) -> dict | None:
    """The user row for a live session token, or None (ended, idle too long, unknown,
    or the account disabled)."""
    now = utcnow()
    key = token_hash(token)
    row = sessions_q.live_user(db, key, (now - idle_limit).isoformat())
    if row is not None and now - parse_stored(row["session_last_seen_at"]) >= TOUCH_EVERY:
        with transaction(db):
            sessions_q.touch(db, key, now.isoformat())
    return row


def end(db: Database, token: str, reason: str) -> None:
    """End one session (signing out)."""
    with transaction(db):
        sessions_q.end(db, token_hash(token), utcnow().isoformat(), reason)


def end_all(db: Database, user_id: int, reason: str) -> int:
    """End every session a user has; return how many were live."""
    with transaction(db):
        return sessions_q.end_all_for_user(db, user_id, utcnow().isoformat(), reason)


def live_count(db: Database, user_id: int, idle_limit: timedelta) -> int:
    """How many live sessions a user has (for the admin's user page)."""
    return sessions_q.count_live_for_user(db, user_id, (utcnow() - idle_limit).isoformat())
