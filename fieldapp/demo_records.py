"""The demo's records beyond visits: referrals, joint operations and first responder training.

Each is written through the app's own functions (fieldapp.referrals parses a referral as the
form does; fieldapp.operations and fieldapp.training write and audit), so every rule and
audit row applies as if an officer had typed it. Nothing names a person. All choices come
from the demo's seeded generator, and a second run adds only what is missing.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import date, timedelta

from sqlite_utils import Database

from fieldapp import operations, referrals, training
from fieldapp.checklists import ChecklistFolder as Reference
from fieldapp.queries import operations as operations_q
from fieldapp.queries import premises as premises_q
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries import training as training_q
from fieldapp.queries import visits as visits_q
from fieldapp.reports.periods import financial_year
from fieldapp.safeguarding import referral_routes
from fieldapp.submission import Submission, parse_timestamp
from fieldapp.timeutil import UK, uk_today, utcnow

# The agencies a referral from a visit most often tells, when they are in agencies.toml.
TOLD = ["police", "glaa", "immigration"]


def load(
    db: Database,
    rng: random.Random,
    *,
    users: Mapping[str, int],
    visits: list[Submission],
    reference: Reference,
    agencies: Mapping[str, dict],
) -> dict[str, int]:
    """Add referrals to ``visits`` (those with potential victims), the joint operations and
    the officers' training; return how many of each were added this time."""
    today = uk_today()
    return {
        "referrals": add_referrals(db, rng, visits, reference, agencies, users["demo.inspector"]),
        "operations": add_operations(db, rng, today, users["demo.coordinator"], agencies),
        "training": add_training(db, today, users),
    }


# -- Referrals on routine visits -------------------------------------------------------------


def _referral_form(rng: random.Random, sub: Submission, agencies: Mapping[str, dict]) -> dict:
    """What an officer would type for a referral about ``sub``'s potential victims: the
    route and counts only, a made-up reference in the Home Office's style, never who."""
    victims = sub.potential_victims or 1
    route = rng.choice(["nrm", "nrm", "duty_to_notify", "child", "adult_safeguarding"])
    children = 1 if route == "child" else 0
    adults = victims - children if route != "child" else 0
    made = parse_timestamp(sub.visited_at).astimezone(UK) + timedelta(hours=rng.randint(1, 5))
    prefix = {"nrm": "NRM", "duty_to_notify": "DTN"}.get(route, "LCC/SG")
    return {
        "route": route,
        "reference": f"{prefix}/{made.year}/{rng.randint(1000, 99999):05d}",
        "made_at": made.strftime("%Y-%m-%dT%H:%M"),
        "adults": str(adults),
        "children": str(children),
        "exploitation": rng.choice([["labour"], ["labour", "criminal"], ["other"]]),
        "consent_recorded": "yes" if route == "nrm" else "",
        "agencies_told": [a for a in TOLD if a in agencies and rng.random() < 0.5],
    }


def add_referrals(
    db: Database,
    rng: random.Random,
    visits: list[Submission],
    reference: Reference,
    agencies: Mapping[str, dict],
    inspector_id: int,
) -> int:
    """One referral for each visit that identified potential victims, unless it has one."""
    routes = {r["id"]: r for r in referral_routes(reference.safeguarding)}
    added = 0
    for sub in visits:
        form = _referral_form(rng, sub, agencies)  # drawn first, so a re-run draws the same
        visit = visits_q.get(db, sub.visit_id)
        if form["route"] not in routes or referrals_q.for_visit(db, visit["root_id"]):
            continue
        context = referrals.Context(
            routes=routes,
            agencies=agencies,
            visited_at=parse_timestamp(visit["visited_at"]),
            now=utcnow(),
            zone=UK,
        )
        referral, errors = referrals.parse(form, context)
        if errors:  # the demo's own mistake: say so rather than store a broken record
            raise ValueError(f"Demo referral refused: {errors}")
        referrals_q.add(db, visit=visit, referral=referral, user_id=inspector_id)
        added += 1
    return added


# -- Joint operations ------------------------------------------------------------------------

# Each operation: its name, lead agency, partners, how many sites, and when, as days after
# the start of last financial year, of this one, or from today (planned: no outcomes).
OPERATIONS = [
    ("Operation Kestrel", "police", ["glaa", "immigration", "fire"], 5, ("last_fy", 200)),
    ("Operation Harrier", "council", ["glaa", "hse_eh"], 4, ("this_fy", 0.5)),
    ("Operation Merlin", "glaa", ["police", "immigration", "fire"], 5, ("today", 24)),
]
BRIEFING = (
    "Meet at 08:30 at the council depot. Police lead entry; officers speak to workers away "
    "from the manager, with a telephone interpreter. No names in any notes."
)
ACTIONS = ["prohibition_notice", "improvement_notice", "civil_penalty", "closure"]


def operation_day(when: tuple, today: date) -> date:
    """The date of a demo operation, on a Tuesday (a weekday, as most are): never after
    today unless it is the planned one, and in the financial year it is meant for."""
    kind, amount = when
    if kind == "today":
        day = today + timedelta(days=amount)
        return day + timedelta(days=(1 - day.weekday()) % 7)
    year = financial_year(today)
    if kind == "last_fy":
        start = financial_year(year.start - timedelta(days=1)).start
        day = start + timedelta(days=amount)
    else:  # this year's: part of the way from its start to today (today itself on 1 April)
        start = year.start
        day = start + timedelta(days=int((today - start).days * amount))
    tuesday = day - timedelta(days=(day.weekday() - 1) % 7)
    return tuesday if tuesday >= start else day


def _sites(db: Database, rng: random.Random, count: int) -> list[int]:
    """``count`` of the riskiest demo premises, chosen at random among the top few."""
    rows = premises_q.demo_rows(db)
    rank = {"high": 2, "medium": 1}
    rows.sort(key=lambda r: (-rank.get(r["risk_band"] or "", 0), -(r["risk_score"] or 0), r["id"]))
    top = [r["id"] for r in rows[: count * 3]]
    return rng.sample(top, min(count, len(top)))


def add_operations(
    db: Database,
    rng: random.Random,
    today: date,
    coordinator_id: int,
    agencies: Mapping[str, dict],
) -> int:
    """The demo's joint operations, with outcomes at the sites of those already held. An
    agency this deployment does not list is left out (a lead becomes the council)."""
    existing = {op["name"] for op in operations_q.listing(db)}
    added = 0
    for name, planned_lead, planned_partners, count, when in OPERATIONS:
        lead = planned_lead if planned_lead in agencies else "council"
        partners = [a for a in planned_partners if a in agencies]
        sites = _sites(db, rng, count)
        day = operation_day(when, today)
        outcomes = [site_outcome(rng, position) for position in range(len(sites))]
        if name in existing:
            continue
        details = {
            "name": name,
            "operation_date": day.isoformat(),
            "lead_agency": lead,
            "briefing": BRIEFING,
            "start_address": "",
            "start_latitude": None,
            "start_longitude": None,
        }
        operation_id = operations.create(
            db,
            details=details,
            partners=[*partners, *([lead] if lead != "council" else [])],
            premises_ids=sites,
            source_filter="",
            user_id=coordinator_id,
        )
        added += 1
        if operations.outcomes_not_yet(operations_q.get(db, operation_id), today):
            continue  # planned: nothing can have happened yet
        for premises_id, values in zip(sites, outcomes, strict=True):
            operations.save_outcome(db, operation_id, premises_id, values, user_id=coordinator_id)
    return added


def site_outcome(rng: random.Random, position: int) -> dict:
    """What a team found at one site, within the rules the outcome form checks: potential
    victims never more than workers spoken to, NRM and Duty to Notify referrals together
    never more than potential victims. The first site always found some, and a notice was
    served there, so each operation shows a result; now and then a site was closed."""
    if position > 0 and rng.random() < 0.2:
        return {
            "visited": False,
            "not_visited_reason": "Closed when the team arrived",
            **dict.fromkeys(operations.COUNTS, 0),
            "enforcement_actions": [],
            "note": "",
        }
    workers = rng.randint(2, 7)
    victims = rng.randint(1, min(3, workers)) if position == 0 else rng.randint(0, 2)
    nrm = rng.randint(0, victims)
    actions = rng.sample(ACTIONS, rng.randint(0, 2))
    if position == 0 and "prohibition_notice" not in actions:
        actions.append("prohibition_notice")  # people sleeping in the back, with no escape
    return {
        "visited": True,
        "not_visited_reason": "",
        "workers_spoken_to": workers,
        "potential_victims": victims,
        "referrals_nrm": nrm,
        "referrals_duty_to_notify": victims - nrm,
        "referrals_childrens_services": 0,
        "enforcement_actions": actions,
        "note": "Workers spoken to away from the manager. Follow-up visit with HMRC planned.",
    }


# -- Training --------------------------------------------------------------------------------


def add_training(db: Database, today: date, users: Mapping[str, int]) -> int:
    """First responder training for the officers, so the Reports page counts staff trained
    in this year and the last: the inspector did the e-learning early last year and again
    this year (and the year before last, so that year has someone trained too); the
    coordinator did the local course last year."""
    this_year = financial_year(today).start
    last_year = financial_year(this_year - timedelta(days=1)).start
    records = [
        (users["demo.inspector"], training.COURSES[0], last_year - timedelta(days=300)),
        (users["demo.inspector"], training.COURSES[0], last_year + timedelta(days=20)),
        (users["demo.coordinator"], training.COURSES[1], last_year + timedelta(days=90)),
        (users["demo.inspector"], training.COURSES[0], min(today, this_year + timedelta(days=30))),
    ]
    added = 0
    for user_id, course, day in records:
        if training_q.same_record(db, user_id, course, day):
            continue
        training.record(db, user_id, course=course, trained_on=day, recorded_by=users["demo.admin"])
        added += 1
    return added
