"""Server-side sessions (the rules for them are in fieldapp.sessions)."""

from __future__ import annotations

from sqlite_utils import Database

from fieldapp.queries import one


def insert(
    db: Database, *, session_hash: str, user_id: int, at: str, persistent: bool, ip: str | None
) -> None:
    """Start a session."""
    db.execute(
        "INSERT INTO sessions (id, user_id, created_at, last_seen_at, persistent, ip) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [session_hash, user_id, at, at, 1 if persistent else 0, ip],
    )


def live_user(db: Database, session_hash: str, seen_since: str) -> dict | None:
    """The active user of a live session seen since ``seen_since``, with the session's
    ``session_last_seen_at``; None if the session has ended, gone idle or never was.

    One primary-key lookup joined to the user row: this runs on every signed-in request.
    """
    return one(
        db,
        "SELECT users.*, sessions.last_seen_at AS session_last_seen_at FROM sessions "
        "JOIN users ON users.id = sessions.user_id "
        "WHERE sessions.id = ? AND sessions.ended_at IS NULL AND sessions.last_seen_at >= ? "
        "AND users.active = 1",
        [session_hash, seen_since],
    )


def touch(db: Database, session_hash: str, at: str) -> None:
    """Record that the session was used at ``at``."""
    db.execute("UPDATE sessions SET last_seen_at = ? WHERE id = ?", [at, session_hash])


def end(db: Database, session_hash: str, at: str, reason: str) -> None:
    """End one session."""
    db.execute(
        "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE id = ? AND ended_at IS NULL",
        [at, reason, session_hash],
    )


def end_all_for_user(db: Database, user_id: int, at: str, reason: str) -> int:
    """End every live session of one user; return how many were ended."""
    cursor = db.execute(
        "UPDATE sessions SET ended_at = ?, ended_reason = ? WHERE user_id = ? AND ended_at IS NULL",
        [at, reason, user_id],
    )
    return cursor.rowcount


def count_live_for_user(db: Database, user_id: int, seen_since: str) -> int:
    """How many sessions of one user are live (not ended, seen since ``seen_since``)."""
    return db.execute(
        "SELECT count(*) FROM sessions WHERE user_id = ? AND ended_at IS NULL "
        "AND last_seen_at >= ?",
        [user_id, seen_since],
    ).fetchone()[0]
