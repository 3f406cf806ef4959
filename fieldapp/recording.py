"""Recording a visit: assess what the officer sent (fieldapp.submission read it), store it once.

Kept apart from the views so the form, the offline outbox's JSON and the demo loader all
go through the same checks and the same single transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from fieldapp import audit, faults, geo
from fieldapp.assessment import counted_red_flags, evaluate
from fieldapp.checklists import MEDIAN_RULE, Checklist, WageRates
from fieldapp.prices import Reference, lower_median
from fieldapp.queries import premises as premises_q
from fieldapp.queries import transaction
from fieldapp.queries import visits as visits_q
from fieldapp.submission import (
    MISMATCH_DISTANCE_M,
    TOO_LITTLE_MESSAGE,
    Submission,
)
from fieldapp.timeutil import now_iso, uk_date


class VisitConflict(Exception):
    """The visit id is already stored with different content."""


def _compared_prices(checklist: Checklist) -> tuple[str, ...]:
    """The price questions other visits are compared on (the median price checks)."""
    return tuple(c.price for c in checklist.computed if c.rule == MEDIAN_RULE)


def references_for(db: Database, checklist: Checklist, exclude_root: str = "") -> dict:
    """The median price of each question a price comparison uses, from other judged visits."""
    questions = _compared_prices(checklist)
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
    distance = _distance(sub, premises)
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
        # Fault points (fieldapp.faults, off but in benchmarks): here every row is written
        # and the photos are staged as pending files, but nothing is committed...
        faults.point("photos_staged")
    # ...and here it is committed, but the photos are still pending (the caller finalises).
    faults.point("committed")
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
            **_people_values(sub),
            "content_hash": content_hash,
        },
    )
    faults.point("visit_inserted")  # the visit row alone, inside the open transaction
    _write_answers(db, sub)
    visits_q.insert_photos(db, sub.visit_id, sub.photos, now)
    _write_prices(db, checklist, sub)
    _apply_to_premises(db, premises, sub, result, mismatch, amends, assessed)


def _distance(sub: Submission, premises: dict) -> float | None:
    """How far the visit's fix was from the premises' mapped position, in metres; None
    without both, or when the position is only its postcode's centre (never judge a fix by
    that)."""
    if sub.latitude is None or premises["latitude"] is None:
        return None
    if premises["location_source"] == geo.SOURCE_POSTCODE:
        return None
    return round(
        geo.distance_m(sub.latitude, sub.longitude, premises["latitude"], premises["longitude"]),
        1,
    )


# A fix this good is nearer the door than a postcode's centre (tens to hundreds of metres).
GOOD_FIX_M = 50


def _place_by_visit(db: Database, premises: dict, sub: Submission) -> None:
    """Put a premises with no position, or only its postcode's centre, where the officer's
    good fix (or pin) says it is: the first visit is the best survey it will get."""
    if premises["latitude"] is not None and premises["location_source"] != geo.SOURCE_POSTCODE:
        return
    if sub.latitude is None or sub.longitude is None:
        return
    if sub.location_method == "map":
        source = "map"
    elif sub.accuracy_m is not None and sub.accuracy_m <= GOOD_FIX_M:
        source = "gps"
    else:
        return
    if premises_q.place(db, premises["id"], sub.latitude, sub.longitude, source):
        audit.record(
            "premises.placed_by_visit",
            "premises",
            premises["id"],
            db=db,
            visit_id=sub.visit_id,
            was=premises["location_source"],
            location_source=source,
        )


def _write_answers(db: Database, sub: Submission) -> None:
    """Each answer, with the note the officer added to it."""
    visits_q.insert_answers(
        db,
        [
            (sub.visit_id, question_id, str(value), sub.question_notes.get(question_id))
            for question_id, value in sub.answers.items()
        ],
    )


def _write_prices(db: Database, checklist: Checklist, sub: Submission) -> None:
    """Keep the prices later visits are compared with (kept even for a visit that could not
    judge the risk: the median reads only judged ones)."""
    rows = [
        (sub.visit_id, checklist.id, question, sub.answers[question])
        for question in _compared_prices(checklist)
        if isinstance(sub.answers.get(question), int)
    ]
    if rows:
        visits_q.insert_price_observations(db, rows)


def _apply_to_premises(
    db: Database,
    premises: dict,
    sub: Submission,
    result: dict,
    mismatch: int,
    amends: dict | None,
    assessed: bool,
) -> None:
    """Make the visit the premises' current risk if it judged it and is the latest, and its
    fix the premises' position if it has no good one; audit it."""
    _place_by_visit(db, premises, sub)
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


def _people_values(sub: Submission) -> dict:
    """Who the officer found, as numbers and words only: never anyone's name."""
    return {
        "potential_victims": sub.potential_victims,
        "conversation_language": sub.conversation_language or None,
        "interpreter": sub.interpreter or None,
    }


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
