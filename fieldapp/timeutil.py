"""Times are stored as UTC ISO-8601 text, to the second, and shown in UK time.

Every page, export and report speaks UK local time (Europe/London, GMT in winter and BST
in summer) with the zone's name, because that is the clock an officer and a board read.
A visit's *date* is its UK date too: a visit at 00:30 BST on 1 April happened on 1 April,
though it was still 31 March in UTC, and the wage rate of 1 April applies.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current time in UTC, without microseconds."""
    return datetime.now(UTC).replace(microsecond=0)


def now_iso() -> str:
    """The current time as ISO-8601 text, e.g. ``2026-11-22T12:00:00+00:00``."""
    return utcnow().isoformat()


def parse_stored(value: str | datetime) -> datetime:
    """Stored ISO text (or a datetime) as an aware datetime; text without a zone is UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def uk_time(value: str | datetime) -> datetime:
    """A stored time in UK local time (aware, in Europe/London)."""
    return parse_stored(value).astimezone(UK)


def uk_date(value: str | datetime) -> date:
    """The UK calendar date of a stored time: the date a visit is "on"."""
    return uk_time(value).date()


def uk_day_start_utc(day: date) -> datetime:
    """The UTC instant a UK calendar day begins (midnight GMT or BST), for date filters."""
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def uk_day_end_utc(day: date) -> datetime:
    """The UTC instant the UK day after ``day`` begins: the exclusive end of ``day``."""
    return uk_day_start_utc(day + timedelta(days=1))
