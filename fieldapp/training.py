"""First responder training: the rules for recording it, withdrawing it, and the CSV.

Councils are first responders under the Modern Slavery Act 2015. An administrator records
that an officer did a course on a day; a record found to be wrong is withdrawn with a
reason, never changed or deleted. Who is in date is worked out by
fieldapp.queries.training (``standing``), with the refresh period from the
TRAINING_REFRESH_MONTHS setting. Every change is on the audit trail.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterable, Mapping
from datetime import date

from sqlite_utils import Database

from fieldapp import audit, text
from fieldapp.exports.encoders import BOM, safe_cell
from fieldapp.permissions import ROLE_LABELS
from fieldapp.queries import training as training_q
from fieldapp.queries import transaction
from fieldapp.queries import users as users_q
from fieldapp.timeutil import uk_iso, uk_today

# The courses officers most often do, offered first; anything else is typed in.
COURSES = (
    "Home Office first responder e-learning",
    "Local modern slavery awareness",
)
MAX_COURSE_LENGTH = 200
MAX_REASON_LENGTH = 500
# The Act made councils first responders in 2015: training before then is not this.
EARLIEST = date(2015, 1, 1)
STANDING_LABELS = {
    training_q.TRAINED: "In date",
    training_q.OVERDUE: "Overdue",
    training_q.UNTRAINED: "Untrained",
}


class TrainingError(ValueError):
    """A training record could not be written; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def refresh_months(config: Mapping) -> int:
    """The TRAINING_REFRESH_MONTHS setting, which must be a whole number of months, 1 or more."""
    value = config["TRAINING_REFRESH_MONTHS"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"TRAINING_REFRESH_MONTHS must be a whole number of months, not {value!r}")
    return value


def check_date(trained_on: date, today: date | None = None) -> None:
    """Raise TrainingError unless ``trained_on`` is a UK day from 2015 up to today."""
    today = today or uk_today()
    if trained_on > today:
        raise TrainingError("trained_on", "Date of the training must be today or in the past")
    if trained_on < EARLIEST:
        raise TrainingError(
            "trained_on",
            "Date of the training must be in 2015 or later, when the Modern Slavery Act "
            "made councils first responders",
        )


def clean_course(course: str) -> str:
    """The course name as stored: no control or direction characters, trimmed."""
    course = text.clean(course or "").strip()
    if not course:
        raise TrainingError("other_course", "Enter the name of the course")
    if len(course) > MAX_COURSE_LENGTH:
        raise TrainingError(
            "other_course", f"Name of the course must be {MAX_COURSE_LENGTH} characters or fewer"
        )
    return course


def record(
    db: Database,
    user_id: int,
    *,
    course: str,
    trained_on: date,
    recorded_by: int | None,
    today: date | None = None,
) -> int:
    """Record that an officer did ``course`` on ``trained_on``; audit it; return its id."""
    user = users_q.get(db, user_id)
    if user["role"] not in training_q.OFFICER_ROLES:
        raise TrainingError("course", "Training is recorded only for inspectors and coordinators")
    course = clean_course(course)
    check_date(trained_on, today)
    if training_q.same_record(db, user_id, course, trained_on):
        raise TrainingError("course", "This course on this day is already recorded for them")
    with transaction(db):
        training_id = training_q.insert(
            db, user_id=user_id, course=course, trained_on=trained_on, recorded_by=recorded_by
        )
        audit.record(
            "training.record",
            "training",
            training_id,
            db=db,
            for_user_id=user_id,
            course=course,
            trained_on=trained_on.isoformat(),
        )
    return training_id


def withdraw(db: Database, training_id: int, *, reason: str, withdrawn_by: int | None) -> dict:
    """Withdraw a wrong record with the reason; audit it; return the record as it was."""
    row = training_q.get(db, training_id)
    if row["withdrawn_at"]:
        raise TrainingError("reason", "This record has already been withdrawn")
    reason = text.clean(reason or "").strip()
    if not reason:
        raise TrainingError("reason", "Enter why the record is wrong")
    if len(reason) > MAX_REASON_LENGTH:
        raise TrainingError("reason", f"Reason must be {MAX_REASON_LENGTH} characters or fewer")
    try:
        with transaction(db):
            training_q.withdraw(db, training_id, reason=reason, withdrawn_by=withdrawn_by)
            audit.record(
                "training.withdraw",
                "training",
                training_id,
                db=db,
                for_user_id=row["user_id"],
                reason=reason,
            )
    except sqlite3.IntegrityError:  # withdrawn by someone else a moment ago
        raise TrainingError("reason", "This record has already been withdrawn") from None
    return row


def by_standing(rows: Iterable[dict]) -> dict[str, list[dict]]:
    """Officers (from ``training_q.officers``) grouped untrained, overdue, then in date."""
    groups: dict[str, list[dict]] = {
        training_q.UNTRAINED: [],
        training_q.OVERDUE: [],
        training_q.TRAINED: [],
    }
    for row in rows:
        groups[row["standing"]].append(row)
    return groups


CSV_COLUMNS = (
    "Name",
    "Username",
    "Role",
    "Status",
    "Latest training",
    "Course",
    "Refresh due",
    "Recorded by",
    "Recorded at",
)


def csv_bytes(rows: Iterable[dict], on: date) -> bytes:
    """The training list as CSV (UTF-8 with a byte order mark, for Excel), every cell safe
    to open in a spreadsheet: text that looks like a formula is shown as text."""
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(["Status on", on.isoformat()])
    writer.writerow([])
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        cells = (
            row["display_name"],
            row["username"],
            ROLE_LABELS.get(row["role"], row["role"]),
            STANDING_LABELS[row["standing"]],
            row["trained_on"],
            row["course"],
            row["due_on"].isoformat() if row["due_on"] else None,
            row["recorded_by_name"],
            uk_iso(row["recorded_at"]) if row["recorded_at"] else None,
        )
        writer.writerow([safe_cell(c) for c in cells])
    return buffer.getvalue().encode("utf-8")
