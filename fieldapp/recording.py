"""Recording a visit: read what the officer sent, check it, score it, store it once.

Kept apart from the views so the form, the offline outbox's JSON and the demo loader all
go through the same checks and the same single transaction.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from sqlite_utils import Database

from fieldapp import audit, geo
from fieldapp.assessment import counted_red_flags, evaluate
from fieldapp.checklists import MEDIAN_RULE, Checklist, WageRates, parse_answer
from fieldapp.photos import Photo
from fieldapp.prices import Reference, lower_median
from fieldapp.queries import premises as premises_q
from fieldapp.queries import transaction
from fieldapp.queries import visits as visits_q
from fieldapp.timeutil import now_iso, uk_date, utcnow

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


class VisitConflict(Exception):
    """The visit id is already stored with different content."""


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
    reason = (form.get("outcome_reason") or "").strip()
    if reason and reason != "inspected" and reason not in NOT_INSPECTED_REASONS:
        errors["outcome_reason"] = "Choose why you could not inspect from the list"
    elif reason in NOT_INSPECTED_REASONS:
        sub.outcome_reason = reason
    return sub


def references_for(db: Database, checklist: Checklist, exclude_root: str = "") -> dict:
    """The median price of each question a price comparison uses, from other judged visits."""
    questions = tuple(c.price for c in checklist.computed if c.rule == MEDIAN_RULE)
    if not questions:
        return {}
    found = visits_q.price_references(db, checklist.id, questions, exclude_root)
    return {
        question: Reference(lower_median(values), len(values))
        for question, values in found.items()
        if values
    }


def judge(
    checklist: Checklist,
    sub: Submission,
    wage_rates: WageRates,
    references: dict[str, Reference] | None = None,
) -> dict:
    """The visit's result. Adds an error when it cannot judge the risk and no reason is given.

    A visit with too little checked is not a risk judgement; it is kept only when the officer
    says why (closed, refused entry...), so a thin submission is never accepted silently.
    """
    result = evaluate(checklist, sub.answers, uk_date(sub.visited_at), wage_rates, references or {})
    if not result["judged"] and not sub.outcome_reason:
        sub.errors["outcome_reason"] = TOO_LITTLE_MESSAGE
    return result


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


@dataclass(frozen=True)
class Stored:
    """The outcome of a submit: the visit id and whether this call created it."""

    visit_id: str
    created: bool


def store(
    db: Database,
    *,
    checklist: Checklist,
    wage_rates: WageRates,
    premises: dict,
    sub: Submission,
    inspector_id: int,
    amends: dict | None = None,
    amendment_reason: str | None = None,
    result: dict | None = None,
    references: dict[str, Reference] | None = None,
) -> Stored:
    """Assess and store a checked submission in one transaction; safe to call again.

    ``result`` is :func:`judge`'s, when the caller has it already. A visit that could not
    judge the risk is stored only with the officer's reason (ValueError otherwise).

    The same id with the same content returns the stored visit; the same id with other
    content raises VisitConflict. The visit, its answers, photos, the premises' current
    risk and the audit row are written together or not at all.
    """
    content_hash = sub.content_hash(premises["id"])
    if result is None:
        if references is None:
            references = references_for(db, checklist, amends["root_id"] if amends else "")
        result = judge(checklist, sub, wage_rates, references)
        if "outcome_reason" in sub.errors:
            raise ValueError(sub.errors["outcome_reason"])
    distance = None
    if sub.latitude is not None and premises["latitude"] is not None:
        distance = round(
            geo.distance_m(
                sub.latitude, sub.longitude, premises["latitude"], premises["longitude"]
            ),
            1,
        )
    # Everything that can be worked out before taking the write lock is, so the lock is
    # held for the writes alone and concurrent submissions wait less.
    result_json = json.dumps(result)
    with transaction(db):
        found = visits_q.existing(db, sub.visit_id)  # another worker may have won the race
        if found:
            if found["content_hash"] == content_hash:
                return Stored(sub.visit_id, created=False)
            raise VisitConflict(sub.visit_id)
        _write(
            db,
            checklist,
            premises,
            sub,
            result,
            result_json,
            inspector_id,
            distance,
            content_hash,
            amends,
            amendment_reason,
        )
    return Stored(sub.visit_id, created=True)


_SNAPSHOTS: dict[str, str] = {}


def _snapshot(checklist: Checklist) -> str:
    """The checklist as stored JSON, made once per version rather than once per visit."""
    if checklist.hash not in _SNAPSHOTS:
        _SNAPSHOTS[checklist.hash] = json.dumps(checklist.to_dict())
    return _SNAPSHOTS[checklist.hash]


def _write(
    db: Database,
    checklist: Checklist,
    premises: dict,
    sub: Submission,
    result: dict,
    result_json: str,
    inspector_id: int,
    distance: float | None,
    content_hash: str,
    amends: dict | None,
    amendment_reason: str | None,
) -> None:
    """All the rows for one visit. Runs inside the caller's write transaction."""
    now = now_iso()
    # The officer's reason makes a visit "could not inspect" whatever was answered; such a
    # visit keeps its result for the record but never becomes the premises' current risk.
    assessed = result["judged"] and not sub.outcome_reason
    mismatch = 1 if distance is not None and distance > MISMATCH_DISTANCE_M else 0
    visits_q.add_checklist_version(
        db, checklist.hash, checklist.id, checklist.version, _snapshot(checklist), now
    )
    visits_q.insert_visit(
        db,
        {
            "id": sub.visit_id,
            "premises_id": premises["id"],
            "inspector_id": inspector_id,
            "root_id": amends["root_id"] if amends else sub.visit_id,
            "revision": amends["revision"] + 1 if amends else 1,
            "amends": amends["id"] if amends else None,
            "amendment_reason": amendment_reason,
            "visited_at": sub.visited_at,
            "submitted_at": now,
            "checklist_hash": checklist.hash,
            "checklist_id": checklist.id,
            "checklist_version": checklist.version,
            **_location_values(sub, distance, mismatch),
            "score_total": result["total"],
            "score_maximum": result["maximum"],
            "score_percentage": result["percentage"],
            "band": result["band"] if assessed else None,
            "red_flag_count": len(counted_red_flags(result)) if assessed else 0,
            "outcome": "assessed" if assessed else "not_assessed",
            "outcome_reason": sub.outcome_reason or None,
            "result": result_json,
            "notes": sub.notes or None,
            "content_hash": content_hash,
        },
    )
    visits_q.insert_answers(
        db,
        [
            (sub.visit_id, question_id, str(value), sub.question_notes.get(question_id))
            for question_id, value in sub.answers.items()
        ],
    )
    visits_q.insert_photos(db, sub.visit_id, sub.photos, now)
    _apply_to_premises(db, premises, sub, result, mismatch, amends, assessed)


def _apply_to_premises(
    db: Database,
    premises: dict,
    sub: Submission,
    result: dict,
    mismatch: int,
    amends: dict | None,
    assessed: bool,
) -> None:
    """Make the visit the premises' current risk if it judged it and is the latest; audit it."""
    latest = {
        "band": result["band"],
        "score_percentage": result["percentage"],
        "red_flag_count": len(counted_red_flags(result)),
        "visited_at": sub.visited_at,
        "location_mismatch": mismatch,
    }
    # A correction, or a visit arriving after a later one, needs the full recomputation.
    # A visit that could not judge the risk changes nothing, unless it corrects one that did.
    if amends or (
        assessed and not premises_q.apply_latest_visit(db, premises["id"], latest, result)
    ):
        premises_q.refresh_risk(db, premises["id"])
    audit.record(
        "visit.amend" if amends else "visit.create",
        "visits",
        sub.visit_id,
        db=db,
        premises_id=premises["id"],
        band=result["band"] if assessed else None,
        outcome="assessed" if assessed else "not_assessed",
        red_flags=len(counted_red_flags(result)) if assessed else 0,
        photos=len(sub.photos),
        amends=amends["id"] if amends else None,
    )


def _location_values(sub: Submission, distance: float | None, mismatch: int) -> dict:
    """Where the visit was recorded, and how far from the premises' mapped position."""
    return {
        "location_method": sub.location_method,
        "latitude": sub.latitude,
        "longitude": sub.longitude,
        "accuracy_m": sub.accuracy_m,
        "fix_at": sub.fix_at,
        "location_reason": sub.location_reason or None,
        "distance_m": distance,
        "location_mismatch": mismatch,
    }


PHOTO_NAME = re.compile(r"^[0-9a-f-]{36}\.(jpg|png|webp)$")


def photo_dir(upload_dir: str, visit_id: str) -> Path:
    """Where a visit's photos live."""
    return Path(upload_dir) / "visits" / visit_id
