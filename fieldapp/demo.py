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
from pathlib import Path

from sqlite_utils import Database

from fieldapp import audit
from fieldapp.queries import users as users_q
from fieldapp.timeutil import now_iso

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

DEMO_USERS = [
    ("demo.inspector", "Asha Inspector", "inspector", None),
    ("demo.coordinator", "Ben Coordinator", "coordinator", None),
    ("demo.partner", "Cara Partner", "partner", "glaa"),
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


def load(db: Database, *, seed: int = 2026, instance_path: str, premises: int = 120) -> str:
    """Create demo users and premises (and visits once checklists exist); return a summary."""
    rng = random.Random(seed)
    logins = []
    for username, name, role, agency in DEMO_USERS:
        if users_q.find_by_username(db, username):
            continue
        password = secrets.token_urlsafe(12)
        users_q.create(
            db, username=username, display_name=name, role=role, password=password, agency=agency
        )
        logins.append((username, password, role, agency))
    if logins:
        _save_logins(instance_path, logins)

    now = now_iso()
    rows = [
        {**row, "created_at": now, "updated_at": now} for row in generate_premises(rng, premises)
    ]
    with db.atomic():
        db["premises"].insert_all(rows, ignore=True)
        audit.record("demo.load", "premises", None, db=db, premises=len(rows), seed=seed)
    return f"Loaded demo data: {len(logins)} users, {len(rows)} premises in {LOCAL_AUTHORITY}."


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
