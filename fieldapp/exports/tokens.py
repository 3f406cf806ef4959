"""API tokens for partner systems: long random strings of which only a hash is kept."""

from __future__ import annotations

import hashlib
import secrets

from sqlite_utils import Database

from fieldapp.queries import exports as exports_q

TOKEN_PREFIX = "fa_"  # noqa: S105 - a label on tokens, not a secret


def token_hash(token: str) -> str:
    """What is stored for a token: its SHA-256 (tokens are long and random, so no salt)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(db: Database, *, agency: str, name: str, created_by: int) -> tuple[int, str]:
    """Make a token for an agency; return (id, the token). The token is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = exports_q.create_token(
        db,
        agency=agency,
        name=name,
        created_by=created_by,
        digest=token_hash(token),
        hint=token[:9] + "…",
    )
    return token_id, token


def active(db: Database, token: str) -> dict | None:
    """The live token row for a presented token, or None (unknown or revoked)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return exports_q.active_token(db, token_hash(token))
