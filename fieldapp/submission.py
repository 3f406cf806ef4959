"""Reading a submitted visit: the form, the offline outbox's JSON, or the demo loader's dict.

Every field is checked here and each problem named by field, so a visit is either whole or
refused with a message the officer can act on; fieldapp.recording assesses and stores it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

from fieldapp.checklists import Checklist, parse_answer
from fieldapp.photos import Photo
from fieldapp.text import clean
from fieldapp.timeutil import utcnow

ACCURACY_LIMIT_M = 100
MISMATCH_DISTANCE_M = 250
NOTE_MAX = 500
REASON_MAX = 300
# A visit recorded offline can arrive days later; one claiming to be older than this, or
# from the future, is more likely a wrong clock than a real visit.
MAX_AGE = timedelta(days=30)
CLOCK_SKEW = timedelta(minutes=10)
# Why a visit could not judge the risk, as the officer picks it. A visit with one of these is
# kept and shown, but never changes a premises' current risk or flag. "too_little" is also
# what visits stored before this choice existed, with nothing checked, were given.
NOT_INSPECTED_REASONS = {
    "closed": "Closed",
    "refused_entry": "Refused entry",
    "unsafe": "Unsafe to inspect",
    "no_workers": "No one was working",
    "partial": "Only part of the checklist could be checked",
}
STORED_REASONS = {**NOT_INSPECTED_REASONS, "too_little": "Too little was checked"}
TOO_LITTLE_MESSAGE = (
    "Too little was checked to judge the risk of exploitation. Answer more of the questions, "
    "or choose why you could not inspect"
)


@dataclass
class Submission:
    """A visit as sent, after parsing; ``errors`` maps field names to messages."""

    visit_id: str = ""
    visited_at: str = ""
    answers: dict[str, str | int] = field(default_factory=dict)
    question_notes: dict[str, str] = field(default_factory=dict)
    location_method: str = ""
    latitude: float | None = None
    longitude: float | None = None
    accuracy_m: float | None = None
    fix_at: str | None = None
    location_reason: str = ""
    notes: str = ""
    outcome_reason: str = ""
    # The people the officer found, never who: a count, the language, the interpreter.
    potential_victims: int | None = None
    conversation_language: str = ""
    interpreter: str = ""
    photos: list[Photo] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)

    def content_hash(self, premises_id: int) -> str:
        """A fingerprint of everything sent, to tell a re-send from a different visit."""
        content = {
            "premises_id": premises_id,
            "visited_at": self.visited_at,
            "answers": self.answers,
            "question_notes": self.question_notes,
            "location": [
                self.location_method,
                self.latitude,
                self.longitude,
                self.accuracy_m,
                self.fix_at,
                self.location_reason,
            ],
            "notes": self.notes,
            "outcome_reason": self.outcome_reason,
            "photos": sorted(p.sha256 for p in self.photos),
        }
        # Only when given, so a visit sent before these were asked hashes as it always did
        # (a phone's outbox re-sending it must not be taken for a different visit).
        people = {
            "potential_victims": self.potential_victims,
            "conversation_language": self.conversation_language,
            "interpreter": self.interpreter,
        }
        if any(v not in (None, "") for v in people.values()):
            content["people"] = people
        text = json.dumps(content, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _float(form, name: str, low: float, high: float, label: str, errors: dict) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        errors[name] = f"{label} must be a number"
        return None
    if not low <= value <= high:
        errors[name] = f"{label} must be between {low:g} and {high:g}"
        return None
    return value


def parse_timestamp(raw: str, naive_zone: tzinfo = UTC) -> datetime | None:
    """ISO-8601 text to an aware datetime, or None if unreadable.

    Text without a zone is taken to be in ``naive_zone``: UTC for what phones send, UK time
    for what an officer types into a date-and-time box.
    """
    try:
        parsed = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_zone)


def parse(checklist: Checklist, form) -> Submission:
    """Read a submitted visit form (or the same fields as a dict) into a Submission."""
    # A plain dict: werkzeug's MultiDict raises (and builds) an exception for every field
    # that is absent, and most notes and unanswered questions are absent.
    form = form.to_dict() if hasattr(form, "to_dict") else form
    sub = Submission()
    errors = sub.errors
    raw_id = (form.get("visit_id") or "").strip()
    try:
        sub.visit_id = str(uuid.UUID(raw_id))
    except ValueError:
        errors["visit_id"] = "The visit reference is missing. Reload the page and try again."

    visited = parse_timestamp(form.get("visited_at") or "")
    now = utcnow()
    if visited is None:
        errors["visited_at"] = "The visit time is missing. Reload the page and try again."
    elif visited > now + CLOCK_SKEW or visited < now - MAX_AGE:
        errors["visited_at"] = (
            "The visit time is wrong: check the phone's date and time, then send again."
        )
    else:
        sub.visited_at = visited.astimezone(UTC).replace(microsecond=0).isoformat()

    for item in [*checklist.indicators, *checklist.follow_ups]:
        name = f"q-{item.id}"
        raw = form.get(name)
        if raw is None or str(raw).strip() == "":
            continue
        parent = getattr(item, "parent", None)
        if parent and sub.answers.get(parent) != "yes" and form.get(f"q-{parent}") != "yes":
            continue  # a follow-up only counts when its question was answered yes
        try:
            sub.answers[item.id] = parse_answer(item, str(raw))
        except ValueError as error:
            errors[name] = str(error)
        note = (form.get(f"note-{item.id}") or "").strip()
        if note:
            if len(note) > NOTE_MAX:
                errors[f"note-{item.id}"] = f"Note must be {NOTE_MAX} characters or fewer"
            sub.question_notes[item.id] = note

    _parse_location(form, sub)
    sub.notes = (form.get("notes") or "").strip()
    if len(sub.notes) > 2000:
        errors["notes"] = "Notes must be 2,000 characters or fewer"
    _parse_people(form, sub)
    reason = (form.get("outcome_reason") or "").strip()
    if reason and reason != "inspected" and reason not in NOT_INSPECTED_REASONS:
        errors["outcome_reason"] = "Choose why you could not inspect from the list"
    elif reason in NOT_INSPECTED_REASONS:
        sub.outcome_reason = reason
    return sub


def _parse_location(form, sub: Submission) -> None:
    errors = sub.errors
    method = (form.get("location_method") or "").strip()
    sub.location_reason = (form.get("location_reason") or "").strip()
    if len(sub.location_reason) > REASON_MAX:
        errors["location_reason"] = f"Reason must be {REASON_MAX} characters or fewer"
    sub.latitude = _float(form, "latitude", -90, 90, "Latitude", errors)
    sub.longitude = _float(form, "longitude", -180, 180, "Longitude", errors)
    if method not in ("gps", "map", "none"):
        method = "gps" if sub.latitude is not None else "none"
    sub.location_method = method
    if method == "none":
        sub.latitude = sub.longitude = None
        if not sub.location_reason:
            errors["location_reason"] = (
                "Say why the visit has no location, for example: location was blocked on the phone"
            )
        return
    if sub.latitude is None or sub.longitude is None:
        errors["location"] = (
            "The location is missing. Use your location again, place the premises on the "
            "map, or choose no location and say why"
        )
        return
    if method == "map":
        # A hand-placed point has no measured accuracy: stored as 0 so it can be told apart.
        sub.accuracy_m = 0.0
        sub.fix_at = None
        return
    sub.accuracy_m = _float(form, "accuracy_m", 0, 1_000_000, "Accuracy", errors)
    fix = parse_timestamp(form.get("fix_at") or "")
    sub.fix_at = fix.astimezone(UTC).replace(microsecond=0).isoformat() if fix else None
    if sub.accuracy_m is None:
        errors["location"] = "The location's accuracy is missing. Use your location again"
    elif sub.accuracy_m > ACCURACY_LIMIT_M and not sub.location_reason:
        errors["location_reason"] = (
            f"Your location is only accurate to {sub.accuracy_m:,.0f} m (more than "
            f"{ACCURACY_LIMIT_M} m). Try again outside, place the premises on the map, or "
            "say why this location will do"
        )


# Whether workers were spoken to through an interpreter, and what kind (never a manager or
# co-worker: their answers are not the worker's).
INTERPRETERS = {
    "professional": "A professional interpreter, in person",
    "telephone": "A telephone interpreting service",
    "not_needed": "Not needed: we shared a language",
    "none_available": "Needed, but none was available",
}
MAX_POTENTIAL_VICTIMS = 500
LANGUAGE_MAX = 60


def _parse_people(form, sub: Submission) -> None:
    """How many potential victims the officer identified (with or without a referral:
    some people decline), and the language and interpreter used."""
    errors = sub.errors
    raw = str(form.get("potential_victims") or "").strip()
    if raw:
        if not (raw.isascii() and raw.isdecimal()) or int(raw) > MAX_POTENTIAL_VICTIMS:
            errors["potential_victims"] = (
                "Enter how many potential victims you identified as a whole number from 0 to "
                f"{MAX_POTENTIAL_VICTIMS}, or leave it blank"
            )
        else:
            sub.potential_victims = int(raw)
    language = " ".join(clean(str(form.get("conversation_language") or "")).split())
    if len(language) > LANGUAGE_MAX:
        errors["conversation_language"] = (
            f"Enter the language in {LANGUAGE_MAX} characters or fewer, like Romanian"
        )
    sub.conversation_language = language
    interpreter = str(form.get("interpreter") or "")
    if interpreter and interpreter not in INTERPRETERS:
        errors["interpreter"] = "Choose whether you used an interpreter from the list"
    else:
        sub.interpreter = interpreter
