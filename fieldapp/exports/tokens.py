"""API tokens for partner systems: long random strings of which only a hash is kept.

Each token expires (an admin chooses when, within the limits in the settings) and may make
only so many requests a minute. Each reads one thing, its scope: an agency's flagged sites,
or the de-identified aggregate figures a regional partnership pools. A token for one is
refused by the other, so a partnership's feed can never read records.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from fieldapp.queries import exports as exports_q
from fieldapp.timeutil import parse_stored, utcnow

TOKEN_PREFIX = "fa_"  # noqa: S105 - a label on tokens, not a secret
FLAGGED_SITES, AGGREGATES = "flagged_sites", "aggregates"
# What each scope reads, as an administrator chooses it and a refusal names it.
SCOPES = {
    FLAGGED_SITES: "Flagged sites",
    AGGREGATES: "Aggregate figures",
}
# Who an aggregate-figures token can be for besides an agency: a regional partnership is
# no partner agency with an export profile, and reads figures only.
PARTNERSHIP = "partnership"
PARTNERSHIP_NAME = "A regional partnership (aggregate figures only)"
SCOPE_HINTS = {
    FLAGGED_SITES: (
        "The agency's system reads flagged sites with the fields in the agency's export profile."
    ),
    AGGREGATES: (
        "A regional partnership reads counts by month, sector and area, with small numbers "
        "hidden. No names, addresses or records."
    ),
}


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are long and random, so no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(
    db: Database,
    *,
    agency: str,
    name: str,
    created_by: int,
    days: int,
    scope: str = FLAGGED_SITES,
) -> tuple[int, str, str]:
    """Make a token for an agency lasting ``days`` that reads ``scope``; return (id, the
    token, when it expires).

    The token is never stored.
    """
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = (utcnow() + timedelta(days=days)).isoformat()
    token_id = exports_q.create_token(
        db,
        agency=agency,
        name=name,
        created_by=created_by,
        digest=token_hash(token),
        hint=token[:9] + "…",
        expires_at=expires_at,
        scope=scope,
    )
    return token_id, token, expires_at


@dataclass(frozen=True)
class Check:
    """What a presented token is: ``row`` when it may be used now, else why not."""

    row: dict | None = None
    refused: str | None = None  # "unknown" (or revoked), "expired", "rate_limited"
    expired_at: str | None = None
    retry_after: int | None = None


def check(db: Database, token: str, per_minute: int) -> Check:
    """Whether a presented token may make a request now; a request let in counts as its use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return Check(refused="unknown")
    digest = token_hash(token)
    row = exports_q.active_token(db, digest)
    if row is None:
        return Check(refused="unknown")
    if row["expires_at"] and parse_stored(row["expires_at"]) <= utcnow():
        return Check(refused="expired", expired_at=row["expires_at"])
    wait = LIMITER.hit(digest, per_minute)
    if wait is not None:
        return Check(refused="rate_limited", retry_after=wait)
    exports_q.token_used(db, row["id"])
    return Check(row=row)


class SlidingWindow:
    """At most ``limit`` requests per key in any ``window`` seconds.

    Kept in this process's memory: right for the single-server deployment the council runs
    (one machine, its workers each holding their own window, so the true ceiling is the limit
    times the number of workers). Several servers would need a shared store instead.
    """

    def __init__(self, window: float = 60.0):
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, limit: int, now: float | None = None) -> int | None:
        """Count a request; None if allowed, else whole seconds until one would be."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= limit:
                return max(1, math.ceil(hits[0] + self.window - now))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle tokens, so memory stays bounded
                self._forget_idle(now)
            return None

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.window]:
            del self._hits[key]


LIMITER = SlidingWindow()
