"""Times are stored as UTC ISO-8601 text, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time in UTC, without microseconds."""
    return datetime.now(UTC).replace(microsecond=0)


def now_iso() -> str:
    """The current time as ISO-8601 text, e.g. ``2026-11-22T12:00:00+00:00``."""
    return utcnow().isoformat()
