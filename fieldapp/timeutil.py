"""Times are stored as UTC ISO-8601 text, to the second, and shown in UK time.

Every page, export and report speaks UK local time (Europe/London, GMT in winter and BST
in summer) with the zone's name, because that is the clock an officer and a board read.
A visit's *date* is its UK date too: a visit at 00:30 BST on 1 April happened on 1 April,
though it was still 31 March in UTC, and the wage rate of 1 April applies.

People read GOV.UK style ("1 April 2026, 12:45am BST": the day, the month's name, the
year; a 12-hour clock with am or pm, "midnight" and "midday"); machines read ISO-8601 with
the UK offset ("2026-04-01T00:45:00+01:00"). The format functions here are pure, so pages
(as Jinja filters), exports and reports all say a time the same way.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
# Spelt out, not strftime's %B, which follows the server's locale.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


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


def uk_today() -> date:
    """Today's date in the UK (the default end of a date range, "today" on a page)."""
    return uk_date(utcnow())


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months on (back, if negative), or the month's last
    day where it is shorter: 31 January plus one month is 28 (or 29) February."""
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def uk_iso(value: str | datetime) -> str:
    """A stored time as ISO-8601 in UK local time with its offset, for exports and APIs:
    ``2026-03-31T23:30:00+00:00`` becomes ``2026-04-01T00:30:00+01:00``."""
    return uk_time(value).isoformat()


def _readable(value: str | datetime | None) -> datetime | None:
    """The stored time in UK time, or None if there is none or it cannot be read."""
    if value is None or value == "":
        return None
    try:
        return uk_time(value)
    except (TypeError, ValueError):
        return None


def long_date(day: date) -> str:
    """A calendar date in GOV.UK style: ``1 April 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def clock(moment: datetime | time, *, seconds: bool = False) -> str:
    """A time of day in GOV.UK style: ``5pm``, ``5:30pm``, ``12:45am``, ``midnight``,
    ``midday``, to the minute; with ``seconds`` (for the logs), ``5:30:09pm``."""
    hour, minute = moment.hour, moment.minute
    if seconds:
        return f"{hour % 12 or 12}:{minute:02d}:{moment.second:02d}{'am' if hour < 12 else 'pm'}"
    if minute == 0 and hour in (0, 12):
        return "midnight" if hour == 0 else "midday"
    minutes = f":{minute:02d}" if minute else ""
    return f"{hour % 12 or 12}{minutes}{'am' if hour < 12 else 'pm'}"


def format_uk_datetime(
    value: str | datetime | None, missing: str = "", *, seconds: bool = False
) -> str:
    """A stored time for people: ``1 April 2026, 12:45am BST`` (GMT in winter).

    ``missing`` stands in for no time at all; text that is not a time is shown as it is,
    so a page never fails over one bad value. ``seconds`` is for the audit and export
    logs, where the order of events within a minute can matter.
    """
    moment = _readable(value)
    if moment is None:
        return missing if value is None or value == "" else str(value)
    return f"{long_date(moment.date())}, {clock(moment, seconds=seconds)} {moment.tzname()}"


def format_uk_date(value: str | date | datetime | None, missing: str = "") -> str:
    """The UK date of a stored time (``1 April 2026``), or a calendar date as it is.

    A plain date (``2026-04-01`` or a ``date``), such as an operation's date, is already a
    UK calendar day and is not moved; a time is moved to the UK date it fell on first.
    """
    if value is None or value == "":
        return missing
    if isinstance(value, date) and not isinstance(value, datetime):
        return long_date(value)
    if isinstance(value, str) and len(value) == 10:
        try:
            return long_date(date.fromisoformat(value))
        except ValueError:
            return value
    moment = _readable(value)
    return str(value) if moment is None else long_date(moment.date())


# A date typed into GOV.UK's day, month and year boxes: the boxes, and the years accepted
# (a typo such as 20026 or 206 is caught rather than searched for).
DATE_PARTS = ("day", "month", "year")
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def typed_date(
    parts: dict[str, str], label: str, example: str = "1 4 2026"
) -> tuple[date | None, str | None, tuple[str, ...]]:
    """Read GOV.UK date boxes (``parts`` by DATE_PARTS): the date, or None with the
    problem in the Design System's words and the boxes to mark wrong. All three blank is
    "Enter the ..."; a caller for which blank means "any date" checks that first."""
    missing = tuple(part for part in DATE_PARTS if not parts.get(part))
    if len(missing) == len(DATE_PARTS):
        return None, f"Enter the {label.lower()}", DATE_PARTS
    if missing:
        return None, f"{label} must include a {' and '.join(missing)}", missing
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        return None, f"{label} must be a real date, in numbers, like {example}", DATE_PARTS
    if len(parts["year"]) != 4:
        return None, "Year must include 4 numbers", ("year",)
    if len(parts["day"]) > 2 or len(parts["month"]) > 2:
        return None, f"{label} must be a real date", DATE_PARTS
    try:
        typed = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return None, f"{label} must be a real date", DATE_PARTS
    if not EARLIEST <= typed <= LATEST:
        return None, f"{label} must be between {EARLIEST.year} and {LATEST.year}", ("year",)
    return typed, None, ()
