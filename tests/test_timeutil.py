"""UK time: how a stored UTC time is said to people and to software (fieldapp.timeutil).

In 2026 the clocks go forward at 01:00 GMT on 29 March (1am becomes 2am BST) and back at
01:00 GMT on 25 October (2am BST becomes 1am GMT, so 1:30am happens twice).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from fieldapp.queries import connect, uk_date_sql
from fieldapp.timeutil import (
    clock,
    format_uk_date,
    format_uk_datetime,
    parse_stored,
    uk_day_end_utc,
    uk_day_start_utc,
    uk_iso,
)

# (stored UTC time, what a person reads, ISO-8601 in UK time for software)
TIMES = [
    ("2026-01-15T09:05:00+00:00", "15 January 2026, 9:05am GMT", "2026-01-15T09:05:00+00:00"),
    ("2026-07-01T13:30:00+00:00", "1 July 2026, 2:30pm BST", "2026-07-01T14:30:00+01:00"),
    # Still 31 March in UTC, but 1 April in the UK: the visit is on 1 April.
    ("2026-03-31T23:30:00+00:00", "1 April 2026, 12:30am BST", "2026-04-01T00:30:00+01:00"),
    # The night the clocks go forward: the last minute of GMT, then 2am BST.
    ("2026-03-29T00:59:00+00:00", "29 March 2026, 12:59am GMT", "2026-03-29T00:59:00+00:00"),
    ("2026-03-29T01:00:00+00:00", "29 March 2026, 2am BST", "2026-03-29T02:00:00+01:00"),
    # The night they go back: 1:30am twice, first in BST, then in GMT.
    ("2026-10-25T00:30:00+00:00", "25 October 2026, 1:30am BST", "2026-10-25T01:30:00+01:00"),
    ("2026-10-25T01:30:00+00:00", "25 October 2026, 1:30am GMT", "2026-10-25T01:30:00+00:00"),
    ("2026-01-01T00:00:00+00:00", "1 January 2026, midnight GMT", "2026-01-01T00:00:00+00:00"),
    ("2026-06-01T11:00:00+00:00", "1 June 2026, midday BST", "2026-06-01T12:00:00+01:00"),
    ("2026-12-31T23:59:59+00:00", "31 December 2026, 11:59pm GMT", "2026-12-31T23:59:59+00:00"),
    # Stored text without a zone is UTC; another offset is the same instant.
    ("2026-07-01T13:30:00", "1 July 2026, 2:30pm BST", "2026-07-01T14:30:00+01:00"),
    ("2026-07-01T15:30:00+02:00", "1 July 2026, 2:30pm BST", "2026-07-01T14:30:00+01:00"),
]


@pytest.mark.parametrize(("stored", "words", "iso"), TIMES)
def test_a_stored_time_reads_in_uk_time_with_its_zone(stored, words, iso):
    assert format_uk_datetime(stored) == words
    assert uk_iso(stored) == iso
    assert datetime.fromisoformat(iso) == parse_stored(stored)  # the same instant


def test_an_aware_datetime_is_formatted_like_its_text():
    moment = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert format_uk_datetime(moment) == "1 April 2026, 12:30am BST"
    assert format_uk_date(moment) == "1 April 2026"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-03-31T23:30:00+00:00", "1 April 2026"),  # 12:30am BST on 1 April
        ("2026-03-31T22:59:59+00:00", "31 March 2026"),  # 11:59pm BST on 31 March
        ("2026-12-31T23:30:00+00:00", "31 December 2026"),  # GMT: the UTC date
        ("2026-10-24T23:30:00+00:00", "25 October 2026"),  # 12:30am BST, clocks go back
        ("2026-03-29T00:30:00+00:00", "29 March 2026"),  # 12:30am GMT, clocks go forward
        # A calendar date (an operation's date) is already a UK day: never moved.
        ("2026-04-01", "1 April 2026"),
        (date(2026, 4, 1), "1 April 2026"),
    ],
)
def test_a_date_is_the_uk_day(value, words):
    assert format_uk_date(value) == words


@pytest.mark.parametrize("formatter", [format_uk_datetime, format_uk_date])
def test_no_time_is_empty_or_the_missing_text_and_bad_text_is_shown_as_it_is(formatter):
    assert formatter(None) == ""
    assert formatter("") == ""
    assert formatter(None, "Never") == "Never"
    assert formatter("", "—") == "—"
    assert formatter("not a time") == "not a time"  # never an exception on a page


@pytest.mark.parametrize(
    ("hour", "minute", "words"),
    [
        (0, 0, "midnight"),
        (0, 45, "12:45am"),
        (9, 0, "9am"),
        (9, 5, "9:05am"),
        (12, 0, "midday"),
        (12, 30, "12:30pm"),
        (17, 0, "5pm"),
        (17, 30, "5:30pm"),
        (23, 59, "11:59pm"),
    ],
)
def test_the_clock_is_gov_uk_style(hour, minute, words):
    assert clock(time(hour, minute)) == words


@pytest.mark.parametrize(
    ("moment", "words"),
    [(time(0, 0, 0), "12:00:00am"), (time(9, 5, 7), "9:05:07am"), (time(17, 30, 9), "5:30:09pm")],
)
def test_the_logs_clock_has_seconds(moment, words):
    assert clock(moment, seconds=True) == words
    stamp = f"2026-01-15T{moment.isoformat()}+00:00"
    assert format_uk_datetime(stamp, seconds=True) == f"15 January 2026, {words} GMT"


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (date(2026, 1, 15), "2026-01-15T00:00:00+00:00", "2026-01-16T00:00:00+00:00"),
        (date(2026, 4, 1), "2026-03-31T23:00:00+00:00", "2026-04-01T23:00:00+00:00"),
        # 23 hours long: the clocks go forward.
        (date(2026, 3, 29), "2026-03-29T00:00:00+00:00", "2026-03-29T23:00:00+00:00"),
        # 25 hours long: the clocks go back.
        (date(2026, 10, 25), "2026-10-24T23:00:00+00:00", "2026-10-26T00:00:00+00:00"),
    ],
)
def test_a_uk_day_as_utc_bounds(day, start, end):
    assert uk_day_start_utc(day).isoformat() == start
    assert uk_day_end_utc(day).isoformat() == end


def test_sql_gives_the_uk_date_of_a_stored_time(tmp_path):
    db = connect(str(tmp_path / "t.db"))
    db.execute("CREATE TABLE t (at TEXT)")
    stored = [
        "2026-03-31T23:30:00+00:00",  # 1 April in the UK (BST)
        "2026-03-31T22:59:59+00:00",  # still 31 March
        "2026-12-31T23:30:00+00:00",  # GMT: the UTC date
        "2026-10-24T23:00:00+00:00",  # midnight BST, 25 October
        "2026-10-25T23:00:00+00:00",  # 11pm GMT, 25 October
        None,
    ]
    db.conn.executemany("INSERT INTO t VALUES (?)", [(s,) for s in stored])
    rows = db.execute(f"SELECT {uk_date_sql('at')}, uk_date(at) FROM t ORDER BY rowid")  # noqa: S608
    assert [tuple(r) for r in rows] == [
        ("2026-04-01", "2026-04-01"),
        ("2026-03-31", "2026-03-31"),
        ("2026-12-31", "2026-12-31"),
        ("2026-10-25", "2026-10-25"),
        ("2026-10-25", "2026-10-25"),
        (None, None),
    ]
