"""Repeatable, clearly fictional demo data in one real English district (Leicester).

Business names are invented words, so no real business is ever shown as high risk. Streets
and rough locations are real so the map looks as it would in use. The same seed always gives
the same premises and visits; demo passwords are random and kept in ``instance/``.
"""

from __future__ import annotations

import os
import random
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from fieldapp import accounts, audit, demo_records, passwords, recording, submission
from fieldapp import agencies as agency_file
from fieldapp.checklists import PRICE_RULE
from fieldapp.checklists import ChecklistFolder as Reference
from fieldapp.queries import premises as premises_q
from fieldapp.queries import transaction
from fieldapp.queries import users as users_q
from fieldapp.queries import visits as visits_q
from fieldapp.reports.periods import financial_year
from fieldapp.timeutil import now_iso, uk_day_start_utc, uk_today, utcnow

LOCAL_AUTHORITY = "Leicester"

# (street, postcode district, approximate latitude, longitude)
STREETS = [
    ("Narborough Road", "LE3", 52.6205, -1.1600),
    ("Hinckley Road", "LE3", 52.6300, -1.1720),
    ("Fosse Road North", "LE3", 52.6400, -1.1520),
    ("Groby Road", "LE3", 52.6500, -1.1620),
    ("Belgrave Road", "LE4", 52.6500, -1.1250),
    ("Melton Road", "LE4", 52.6620, -1.1150),
    ("Abbey Lane", "LE4", 52.6620, -1.1350),
    ("Catherine Street", "LE4", 52.6480, -1.1170),
    ("Humberstone Road", "LE5", 52.6400, -1.1150),
    ("Uppingham Road", "LE5", 52.6410, -1.0900),
    ("London Road", "LE2", 52.6200, -1.1200),
    ("Aylestone Road", "LE2", 52.6100, -1.1400),
    ("Welford Road", "LE2", 52.6150, -1.1300),
    ("Saffron Lane", "LE2", 52.6000, -1.1400),
    ("Evington Road", "LE2", 52.6280, -1.1050),
]

_FIRST = ["Glim", "Bright", "Spar", "Shin", "Brill", "Clean", "Gleam", "Crys", "Swift", "Aqua"]
_SECOND = ["merfold", "wick", "hollow", "stead", "thorpe", "combe", "mere", "ford", "by", "ton"]
CAR_WASH_SUFFIX = ["Hand Car Wash", "Car Valeting", "Hand Wash & Valet", "Auto Spa"]
NAIL_BAR_SUFFIX = ["Nails", "Nail Bar", "Nail & Beauty", "Nail Studio"]

# One partner login for each agency a newcomer is most likely to work with, so each can see
# what its own users are shown (agency ids from checklists/agencies.toml). demo.partner
# keeps its name: it is the GLAA's, which is due to join the Fair Work Agency.
DEMO_USERS = [
    ("demo.inspector", "Asha Inspector", "inspector", None),
    ("demo.coordinator", "Ben Coordinator", "coordinator", None),
    ("demo.partner", "Cara Partner", "partner", "glaa"),
    ("demo.police", "Dina Constable", "partner", "police"),
    ("demo.immigration", "Eli Immigration", "partner", "immigration"),
    ("demo.fire", "Fay Firefighter", "partner", "fire"),
    ("demo.admin", "Dev Admin", "admin", None),
]
LOGINS_FILE = "demo-logins.txt"


def _jitter(rng: random.Random, lat: float, lon: float, metres: float = 350) -> tuple:
    # About 111 km per degree of latitude; longitude degrees are shorter at 52.6 N.
    return (
        round(lat + rng.uniform(-metres, metres) / 111_000, 6),
        round(lon + rng.uniform(-metres, metres) / 67_500, 6),
    )


def generate_premises(rng: random.Random, count: int) -> list[dict]:
    """Build ``count`` premises rows, about two car washes for each nail bar."""
    rows, names = [], set()
    while len(rows) < count:
        sector = "hand_car_wash" if rng.random() < 0.65 else "nail_bar"
        suffix = rng.choice(CAR_WASH_SUFFIX if sector == "hand_car_wash" else NAIL_BAR_SUFFIX)
        name = f"{rng.choice(_FIRST)}{rng.choice(_SECOND)} {suffix}"
        if name in names:
            continue
        names.add(name)
        street, district, lat, lon = rng.choice(STREETS)
        lat, lon = _jitter(rng, lat, lon)
        number = rng.randint(1, 420)
        postcode = f"{district} {rng.randint(0, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" + (
            rng.choice("ABDEFGHJLNPQRSTUWXYZ")
        )
        rows.append(
            {
                "uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "name": name,
                "sector": sector,
                "address": f"{number} {street}, Leicester",
                "postcode": postcode,
                "local_authority": LOCAL_AUTHORITY,
                "latitude": lat,
                "longitude": lon,
                "location_source": "demo",
            }
        )
    return rows


def load(
    db: Database,
    *,
    seed: int = 2026,
    instance_path: str,
    reference: Reference | None = None,
    premises: int = 120,
    agencies: Mapping[str, dict] | None = None,
) -> str:
    """Create demo users, premises and (given the checklists) visits, referrals, joint
    operations and training; return a summary. ``agencies`` are the deployment's partner
    agencies (agencies.toml), the shipped ones if not given."""
    rng = random.Random(seed)
    agencies = agencies if agencies is not None else agency_file.load()
    logins = _create_users(db, agencies)
    if logins:
        _save_logins(instance_path, logins)

    now = now_iso()
    # On the register from before the first demo visit, as a council's list would be, so
    # the Reports page counts them for every period it compares.
    today = uk_today()
    listed = uk_day_start_utc(today - timedelta(days=history_days(today) + 1)).isoformat()
    rows = [
        {**row, "created_at": listed, "updated_at": now} for row in generate_premises(rng, premises)
    ]
    with transaction(db):
        db["premises"].insert_all(rows, ignore=True)
        audit.record("demo.load", "premises", None, db=db, premises=len(rows), seed=seed)
    if reference is None:
        return (
            f"Loaded demo data: {len(logins)} users and {len(rows)} premises in {LOCAL_AUTHORITY}."
        )
    found = (users_q.find_by_username(db, u[0]) for u in DEMO_USERS)
    users = {user["username"]: user["id"] for user in found if user}
    # Loaded before? Visit dates count back from today and a visit's content includes its
    # date, so loading again on a later day would send the same visits with other content,
    # which the service rightly refuses.
    if visits_q.recent(db, inspector_id=users["demo.inspector"], limit=1):
        return _summary(logins, rows, [], {}) + " The demo's visits were already there."
    # One transaction for the lot: each visit's own becomes a savepoint, so the database
    # commits once rather than hundreds of times (most of the load's time), and a demo that
    # fails half way leaves nothing behind.
    with transaction(db):
        stored = load_visits(db, rng, reference, users["demo.inspector"])
        # Demo visits are dated in the past but stored today: date each checklist version
        # from the first visit that used it, as it would have been.
        visits_q.date_checklist_versions_from_visits(db)
        added = demo_records.load(
            db,
            rng,
            users=users,
            visits=[s for s in stored if s.potential_victims],
            reference=reference,
            agencies=agencies,
        )
    return _summary(logins, rows, stored, added)


def _summary(logins: list, rows: list, stored: list, added: Mapping[str, int]) -> str:
    return (
        f"Loaded demo data: {len(logins)} users, {len(rows)} premises, {len(stored)} visits, "
        f"{added.get('referrals', 0)} referrals, {added.get('operations', 0)} joint operations "
        f"and {added.get('training', 0)} training records in {LOCAL_AUTHORITY}."
    )


def _create_users(db: Database, agencies: Mapping[str, dict]) -> list[tuple]:
    """Create the demo users not there yet; return their (username, password, role, agency).
    A partner whose agency this deployment's agencies.toml does not list is left out."""
    logins = []
    for username, name, role, agency in DEMO_USERS:
        if users_q.find_by_username(db, username) or (agency and agency not in agencies):
            continue
        password = secrets.token_urlsafe(12)
        while passwords.problem(password, username=username, display_name=name):
            password = secrets.token_urlsafe(12)  # one in thousands holds a name: draw again
        accounts.create(
            db, username=username, display_name=name, role=role, password=password, agency=agency
        )
        logins.append((username, password, role, agency))
    return logins


# How often a visit finds the premises closed or is refused entry: it is recorded, but it
# changes nothing about the premises' current risk.
NOT_INSPECTED_CHANCE = 0.05
NOT_INSPECTED_DEMO_REASONS = ["closed", "refused_entry", "no_workers", "unsafe"]
# How often a warning sign is seen at each kind of demo site.
YES_CHANCE = {"risky": 0.5, "middling": 0.27, "fine": 0.08}
RED_FLAG_CHANCE = {"risky": 0.22, "middling": 0.0, "fine": 0.0}
# How often an officer at a high-risk site identifies potential victims (who then get a
# referral, in demo_records), and the languages they spoke in.
POTENTIAL_VICTIMS_CHANCE = 0.3
LANGUAGES = ["Romanian", "Albanian", "Vietnamese", "Kurdish", "Bulgarian", "Polish"]


def _answers(rng: random.Random, checklist, tier: str) -> dict:
    """Plausible answers: risky sites show many signs, others few; some things not seen."""
    answers: dict[str, str | int] = {}
    for indicator in checklist.indicators:
        if indicator.is_measurement:
            continue
        if rng.random() < 0.12:
            answers[indicator.id] = "not_seen"
            continue
        chance = RED_FLAG_CHANCE[tier] if indicator.red_flag else YES_CHANCE[tier]
        answers[indicator.id] = "yes" if rng.random() < chance else "no"
        for follow in checklist.follow_ups_for(indicator.id):
            if answers[indicator.id] == "yes":
                answers[follow.id] = rng.randint(1, 3)
    for computed in checklist.computed:
        if computed.rule != PRICE_RULE:
            continue  # the other price checks read the same price question
        workers = rng.randint(2, 4) if tier == "risky" else rng.randint(1, 2)
        minutes = rng.choice([10, 15, 20, 25])
        cheap = tier == "risky" and rng.random() < 0.7
        price = rng.choice([500, 600, 700, 800]) if cheap else rng.choice([1000, 1200, 1500, 2000])
        answers[computed.workers] = workers
        answers[computed.minutes] = minutes
        answers[computed.price] = price
    return answers


def history_days(today: date) -> int:
    """How far back demo visits go: to the start of the financial year before last, so the
    Reports page's "last financial year" has a year before it to compare with."""
    earliest = financial_year(today).start.replace(year=financial_year(today).start.year - 2)
    return max(700, (today - earliest).days)


def _tiers(rng: random.Random, rows: list[dict]) -> dict[int, str]:
    # Tiers are handed out by quota, not by chance, so the share of high-risk visits stays
    # near a third for car washes (as the Clewer Initiative's app reports from real use)
    # whatever the seed.
    tiers: dict[int, str] = {}
    for sector, risky_share in (("hand_car_wash", 0.33), ("nail_bar", 0.25)):
        ids = [r["id"] for r in rows if r["sector"] == sector]
        rng.shuffle(ids)
        risky, middling = round(len(ids) * risky_share), round(len(ids) * 0.25)
        for position, premises_id in enumerate(ids):
            tiers[premises_id] = (
                "risky"
                if position < risky
                else "middling"
                if position < risky + middling
                else "fine"
            )
    return tiers


def _submission(rng: random.Random, row: dict, checklist, tier: str, day: date):
    """One demo visit to ``row`` on ``day``, as a phone would send it."""
    visited_at = datetime(
        day.year, day.month, day.day, rng.randint(9, 17), rng.randint(0, 59), tzinfo=UTC
    )
    mismatch = rng.random() < 0.04
    lat, lon = _jitter(rng, row["latitude"], row["longitude"], 400 if mismatch else 25)
    not_inspected = rng.random() < NOT_INSPECTED_CHANCE
    sub = submission.Submission(
        visit_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        visited_at=visited_at.isoformat(),
        answers={} if not_inspected else _answers(rng, checklist, tier),
        outcome_reason=rng.choice(NOT_INSPECTED_DEMO_REASONS) if not_inspected else "",
        location_method="gps",
        latitude=lat,
        longitude=lon,
        accuracy_m=float(rng.randint(4, 60)),
        fix_at=visited_at.isoformat(),
    )
    if tier == "risky" and not not_inspected and rng.random() < POTENTIAL_VICTIMS_CHANCE:
        # A count only, never who: as the visit form records it.
        sub.potential_victims = rng.randint(1, 3)
        sub.conversation_language = rng.choice(LANGUAGES)
        sub.interpreter = rng.choice(["professional", "telephone", "none_available"])
    return sub


def load_visits(
    db: Database, rng: random.Random, reference: Reference, inspector_id: int
) -> list[submission.Submission]:
    """Give most demo premises a history of visits over the last two to three years;
    return the visits as sent."""
    today = utcnow().date()
    span = history_days(today)
    rows = premises_q.demo_rows(db)
    tiers = _tiers(rng, rows)
    stored = []
    for row in rows:
        checklist = reference.by_sector[row["sector"]]
        for days_ago in sorted(rng.sample(range(3, span), rng.randint(0, 4)), reverse=True):
            day = today - timedelta(days=days_ago)
            sub = _submission(rng, row, checklist, tiers[row["id"]], day)
            recording.store(
                db,
                checklist=checklist,
                wage_rates=reference.wage_rates,
                premises=row,
                sub=sub,
                inspector_id=inspector_id,
            )
            stored.append(sub)
    return stored


def _save_logins(instance_path: str, logins: list[tuple]) -> None:
    path = Path(instance_path) / LOGINS_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as fh:
        for username, password, role, agency in logins:
            fh.write(f"{role}\t{username}\t{password}\t{agency or ''}\n")


def logins_text(instance_path: str) -> str:
    """The demo logins as a small table for the terminal, or a note if there are none."""
    path = Path(instance_path) / LOGINS_FILE
    if not path.exists():
        return "No demo logins recorded (the database was not filled by the demo loader)."
    lines = ["Demo logins (also in instance/demo-logins.txt):"]
    for line in path.read_text().splitlines():
        role, username, password, agency = (line.split("\t") + [""])[:4]
        extra = f" [{agency}]" if agency else ""
        lines.append(f"  {role:<12} {username:<18} {password}{extra}")
    return "\n".join(lines)
