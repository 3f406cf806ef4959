"""First responder training records, and who is trained, overdue or untrained on a day.

The rule for "in date" is here, beside the counting that uses it, so the Training page,
its CSV and the reports all say the same thing (see :func:`standing`). Rows are never
changed or deleted (the tables refuse it): a wrong record is withdrawn, and a withdrawn
record never counts, whatever day is asked about.
"""

from __future__ import annotations

from datetime import date

from sqlite_utils import Database

from fieldapp.queries import one, one_or_missing, query
from fieldapp.timeutil import add_months, now_iso

# The officers whose training is counted: the roles that go out on visits. The same as
# fieldapp.permissions.FIELD_ROLES (a test holds them together); kept here because the
# queries know nothing of the web layer.
OFFICER_ROLES = ("inspector", "coordinator")
TRAINED, OVERDUE, UNTRAINED = "trained", "overdue", "untrained"


def refresh_due(trained_on: date, refresh_months: int) -> date:
    """The last day training done on ``trained_on`` is in date: the same day of the month,
    ``refresh_months`` later (or that month's last day, if it is shorter)."""
    return add_months(trained_on, refresh_months)


def standing(latest: date | None, on: date, refresh_months: int) -> str:
    """TRAINED, OVERDUE or UNTRAINED on the UK calendar day ``on``, for someone whose
    latest training on or before ``on`` was on ``latest`` (None for none).

    Training is in date from the day it was done up to and including its refresh due
    date: done on 1 April 2025 with a 12-month refresh, it is in date on 1 April 2026 and
    overdue from 2 April 2026.
    """
    if latest is None or latest > on:
        return UNTRAINED
    return TRAINED if on <= refresh_due(latest, refresh_months) else OVERDUE


def insert(db: Database, *, user_id: int, course: str, trained_on: date, recorded_by) -> int:
    """Add a training record; return its id."""
    cursor = db.execute(
        "INSERT INTO training (user_id, course, trained_on, recorded_by, recorded_at) "
        "VALUES (?, ?, ?, ?, ?)",
        [user_id, course, trained_on.isoformat(), recorded_by, now_iso()],
    )
    return cursor.lastrowid


def withdraw(db: Database, training_id: int, *, reason: str, withdrawn_by) -> None:
    """Mark a record as wrong, with why (the record itself stays)."""
    db.execute(
        "INSERT INTO training_withdrawals (training_id, reason, withdrawn_by, withdrawn_at) "
        "VALUES (?, ?, ?, ?)",
        [training_id, reason, withdrawn_by, now_iso()],
    )


_RECORD = (
    "SELECT t.*, r.display_name AS recorded_by_name, w.reason AS withdrawn_reason, "
    "w.withdrawn_at, wb.display_name AS withdrawn_by_name "
    "FROM training t "
    "LEFT JOIN users r ON r.id = t.recorded_by "
    "LEFT JOIN training_withdrawals w ON w.training_id = t.id "
    "LEFT JOIN users wb ON wb.id = w.withdrawn_by "
)


def get(db: Database, training_id: int) -> dict:
    """One record, with who recorded it and any withdrawal, or NotFoundError."""
    return one_or_missing(
        db, _RECORD + "WHERE t.id = ?", [training_id], f"No training record {training_id}"
    )


def for_user(db: Database, user_id: int) -> list[dict]:
    """Everything recorded for one person, withdrawn records too, latest training first."""
    return query(
        db, _RECORD + "WHERE t.user_id = ? ORDER BY t.trained_on DESC, t.id DESC", [user_id]
    )


def same_record(db: Database, user_id: int, course: str, trained_on: date) -> dict | None:
    """A record still standing for this person, course and day, if there is one."""
    return one(
        db,
        "SELECT t.id FROM training t LEFT JOIN training_withdrawals w ON w.training_id = t.id "
        "WHERE w.training_id IS NULL AND t.user_id = ? AND t.course = ? AND t.trained_on = ?",
        [user_id, course, trained_on.isoformat()],
    )


# Each active officer with their latest record standing on or before a day (NULLs if none).
_LATEST = f"""
    WITH standing AS (
        SELECT t.*, row_number() OVER (
            PARTITION BY t.user_id ORDER BY t.trained_on DESC, t.id DESC
        ) AS n
        FROM training t LEFT JOIN training_withdrawals w ON w.training_id = t.id
        WHERE w.training_id IS NULL AND t.trained_on <= :on
    )
    SELECT u.id AS user_id, u.username, u.display_name, u.role,
        s.id AS training_id, s.course, s.trained_on, s.recorded_at,
        r.display_name AS recorded_by_name
    FROM users u
    LEFT JOIN standing s ON s.user_id = u.id AND s.n = 1
    LEFT JOIN users r ON r.id = s.recorded_by
    WHERE u.active = 1 AND u.role IN ({", ".join(repr(r) for r in OFFICER_ROLES)})
    ORDER BY u.display_name COLLATE NOCASE, u.id
"""  # noqa: S608 - constant role names


def officers(db: Database, on: date, refresh_months: int) -> list[dict]:
    """Every active officer on the day ``on`` with their latest training by then (or
    None), its refresh due date and their ``standing``, in name order.

    Who is an active officer is today's answer: accounts keep no history of their role.
    """
    rows = query(db, _LATEST, {"on": on.isoformat()})
    for row in rows:
        latest = date.fromisoformat(row["trained_on"]) if row["trained_on"] else None
        row["due_on"] = refresh_due(latest, refresh_months) if latest else None
        row["standing"] = standing(latest, on, refresh_months)
    return rows


def latest_for_user(db: Database, user_id: int, on: date) -> dict | None:
    """One person's latest record standing on or before ``on``, or None."""
    return one(
        db,
        "SELECT t.* FROM training t LEFT JOIN training_withdrawals w ON w.training_id = t.id "
        "WHERE w.training_id IS NULL AND t.user_id = ? AND t.trained_on <= ? "
        "ORDER BY t.trained_on DESC, t.id DESC LIMIT 1",
        [user_id, on.isoformat()],
    )


def trained_count(db: Database, on: date, refresh_months: int) -> dict:
    """How many active officers were, on the UK calendar day ``on``, trained and in date,
    overdue, or untrained, and how many officers there are in all.

    ``{"officers": 9, "trained": 6, "overdue": 2, "untrained": 1}``. Training done on or
    before ``on`` counts, and is in date up to its refresh due date (:func:`standing`);
    withdrawn records never count. The officers are those active now (see :func:`officers`).
    """
    counts = {TRAINED: 0, OVERDUE: 0, UNTRAINED: 0}
    for row in officers(db, on, refresh_months):
        counts[row["standing"]] += 1
    return {"officers": sum(counts.values()), **counts}
