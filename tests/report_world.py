"""A small council built by hand for the report tests, so every figure is known by construction.

Records are written straight into the tables (as the app stores them: UTC times, results
as JSON with their red flags) so each time and value is exactly what the test says; the
database's own triggers keep the report totals, as they do for the app's writes.

The financial year tested is 2025 to 2026 (1 April 2025 to 31 March 2026), beside 2024 to
2025. British Summer Time began on 30 March 2025 and 29 March 2026 and ended on 26 October
2025, so 23:30 UTC on 31 March 2025 is 12:30am BST on 1 April 2025 (the current year),
and 23:30 UTC on 25 and on 26 October 2025 are both on 26 October in the UK.
"""

from __future__ import annotations

import json
from itertools import count

from sqlite_utils import Database

from tests.conftest import AuthActions

_ids = count(1)

# Periods that the report pages turn away, each with the message its error summary gives
# (a page's tests add the ones particular to it).
HOSTILE_PERIODS = [
    ("period=bogus", "Select a period from the list"),
    ("period=%27%20OR%201=1--", "Select a period from the list"),
    ("period=custom&from-day=1&from-month=1&from-year=1e309", "Start date must be a real date"),
    (f"period={'x' * 5000}", "Select a period from the list"),
]

RED_FLAGS = {
    "id_retained": ("CTL", "slavery", "Has anyone's passport or ID been taken from them?"),
    "living_on_site": ("WEL", "slavery", "Is anyone living on site?"),
    "fearful": ("CTL", "slavery", "Do workers seem fearful?"),
    "electrical": ("HS", "safety", "Is there exposed electrical wiring near water?"),
    '=HYPERLINK("http://x")': ("CTL", "slavery", None),
    "<svg onload=x>": ("CTL", "slavery", None),
}


def add_premises(db: Database, name: str, sector: str, created_at: str) -> int:
    cursor = db.execute(
        "INSERT INTO premises (uuid, name, sector, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        [f"00000000-0000-4000-8000-{next(_ids):012d}", name, sector, created_at, created_at],
    )
    return cursor.lastrowid


def add_visit(
    db: Database,
    premises_id: int,
    at: str,
    band: str | None,
    *,
    red_flags: tuple[str, ...] = (),
    victims: int | None = None,
    amends: str | None = None,
) -> str:
    """A visit (band None: could not inspect); an amendment when ``amends`` is given."""
    visit_id = f"{next(_ids):08x}-0000-4000-8000-000000000000"
    root, revision = visit_id, 1
    if amends:
        root, revision = db.execute(
            "SELECT root_id, revision + 1 FROM visits WHERE id = ?", [amends]
        ).fetchone()
    flags = [
        {
            "id": i,
            "question": RED_FLAGS[i][2] or i,
            "category": RED_FLAGS[i][0],
            "concern": RED_FLAGS[i][1],
        }
        for i in red_flags
    ]
    counted = sum(1 for f in flags if f["concern"] == "slavery") if band else 0
    db.execute(
        "INSERT INTO visits (id, premises_id, inspector_id, root_id, revision, amends, "
        "amendment_reason, visited_at, submitted_at, checklist_hash, checklist_id, "
        "checklist_version, location_method, score_total, score_maximum, band, red_flag_count, "
        "result, content_hash, outcome, outcome_reason, potential_victims) VALUES (?, ?, 1, ?, ?, "
        "?, ?, ?, ?, 'h', 'hand_car_wash', 2, 'none', 0, 0, ?, ?, ?, 'x', ?, ?, ?)",
        [
            visit_id,
            premises_id,
            root,
            revision,
            amends,
            "corrected" if amends else None,
            at,
            at,
            band,
            counted,
            json.dumps({"model": 2, "band": band, "red_flags": flags}),
            "assessed" if band else "not_assessed",
            None if band else "closed",
            victims,
        ],
    )
    return visit_id


def add_referral(
    db: Database,
    visit_id: str,
    route: str,
    made_at: str,
    *,
    adults: int = 0,
    children: int = 0,
    kinds: tuple[str, ...] = (),
    corrects: int | None = None,
) -> int:
    cursor = db.execute(
        "INSERT INTO referrals (visit_id, premises_id, route, made_at, adults, children, "
        "exploitation, agencies_told, corrects, correction_reason, recorded_by, recorded_at) "
        "SELECT id, premises_id, ?, ?, ?, ?, ?, '[]', ?, ?, 1, ? FROM visits WHERE id = ?",
        [
            route,
            made_at,
            adults,
            children,
            json.dumps(list(kinds)),
            corrects,
            "wrong route" if corrects else None,
            made_at,
            visit_id,
        ],
    )
    return cursor.lastrowid


def add_operation(db: Database, day: str, partners: tuple[str, ...], outcomes: dict) -> int:
    """An operation on UK date ``day``; ``outcomes`` maps premises id to the outcome's values
    (visited, workers, victims, nrm, actions)."""
    cursor = db.execute(
        "INSERT INTO operations (name, operation_date, lead_agency, created_at, created_by, "
        "updated_at) VALUES (?, ?, 'police', ?, 1, ?)",
        [f"Operation {day}", day, day, day],
    )
    operation = cursor.lastrowid
    for agency in partners:
        db.execute("INSERT INTO operation_partners VALUES (?, ?)", [operation, agency])
    for position, (premises_id, o) in enumerate(outcomes.items(), start=1):
        db.execute(
            "INSERT INTO operation_sites VALUES (?, ?, ?)", [operation, premises_id, position]
        )
        db.execute(
            "INSERT INTO operation_outcomes (operation_id, premises_id, visited, "
            "not_visited_reason, workers_spoken_to, potential_victims, referrals_nrm, "
            "enforcement_actions, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [
                operation,
                premises_id,
                int(o.get("visited", True)),
                None if o.get("visited", True) else "closed",
                o.get("workers", 0),
                o.get("victims", 0),
                o.get("nrm", 0),
                json.dumps(o.get("actions", [])),
                day,
            ],
        )
    return operation


def hand_flag(db: Database, premises_id: int, at: str, action: str = "premises.flag") -> None:
    db.execute(
        "INSERT INTO audit (at, action, table_name, record_id) VALUES (?, ?, 'premises', ?)",
        [at, action, str(premises_id)],
    )


def build_council(db: Database) -> dict:
    """The hand-built council; returns the ids of what the tests refer to."""
    hcw, nb = "hand_car_wash", "nail_bar"
    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )
    p1 = add_premises(db, "Alpha Wash", hcw, "2024-01-10T09:00:00+00:00")
    p2 = add_premises(db, "Bravo Wash", hcw, "2024-01-10T09:00:00+00:00")
    p3 = add_premises(db, "Charlie Wash", hcw, "2024-06-01T09:00:00+00:00")
    p4 = add_premises(db, "Delta Wash", hcw, "2026-03-31T23:30:00+00:00")  # 1 April 2026, UK
    n1 = add_premises(db, "Echo Nails", nb, "2024-01-10T09:00:00+00:00")
    n2 = add_premises(db, "Foxtrot Nails", nb, "2025-05-01T09:00:00+00:00")
    n3 = add_premises(db, "Golf Nails", nb, "2025-03-31T23:30:00+00:00")  # 1 April 2025, UK
    # This financial year (2025 to 2026).
    v1 = add_visit(
        db, p1, "2025-03-31T23:30:00+00:00", "high", red_flags=("id_retained",), victims=2
    )
    v2 = add_visit(db, p1, "2025-06-10T10:00:00+00:00", "low")
    v3 = add_visit(
        db, p2, "2025-07-01T09:00:00+00:00", "medium", red_flags=("electrical",), victims=0
    )
    add_visit(db, p2, "2025-08-01T09:00:00+00:00", None, red_flags=("id_retained",), victims=1)
    add_visit(db, n1, "2025-10-25T23:30:00+00:00", "low")  # 26 October, BST
    first = add_visit(
        db,
        n1,
        "2025-10-26T23:30:00+00:00",  # 26 October, GMT: the clocks went back at 2am BST
        "high",
        red_flags=("living_on_site",),
        victims=3,
    )
    add_visit(db, n1, "2025-10-26T23:30:00+00:00", "medium", victims=1, amends=first)
    v7 = add_visit(
        db, n2, "2026-03-31T22:30:00+00:00", "high", red_flags=("living_on_site",), victims=0
    )  # 11:30pm BST on 31 March
    add_visit(db, p3, "2026-03-31T23:30:00+00:00", "high", red_flags=("fearful",))  # next year
    # The year before (2024 to 2025).
    add_visit(db, p1, "2024-05-01T10:00:00+00:00", "medium")
    w2 = add_visit(
        db, p3, "2025-03-31T22:59:59+00:00", "high", red_flags=("fearful",), victims=4
    )  # 11:59pm BST on 31 March 2025
    add_visit(db, n1, "2025-01-15T23:30:00+00:00", "low")  # GMT: still 15 January
    # Referrals: one corrected, one by a route no longer offered, one the next year.
    add_referral(db, v1, "nrm", "2025-04-01T10:00:00+00:00", adults=2, kinds=("labour",))
    wrong = add_referral(
        db,
        v3,
        "duty_to_notify",
        "2025-07-01T10:00:00+00:00",
        adults=1,
        kinds=("labour", "criminal"),
    )
    add_referral(
        db, v3, "child", "2025-07-01T10:00:00+00:00", children=1, kinds=("sexual",), corrects=wrong
    )
    add_referral(db, v7, "police_999", "2026-03-31T22:45:00+00:00", adults=1, kinds=("labour",))
    add_referral(db, v7, "nrm", "2026-03-31T23:15:00+00:00", adults=1, kinds=("labour",))
    add_referral(
        db, v2, "fair_work_agency", "2025-06-10T11:00:00+00:00", adults=1, kinds=("other",)
    )
    add_referral(db, w2, "nrm", "2025-03-31T22:00:00+00:00", adults=3, kinds=("labour",))
    # Joint operations, dated in UK days.
    add_operation(
        db,
        "2025-09-10",
        ("glaa", "police"),
        {
            p1: {"workers": 5, "victims": 2, "nrm": 1, "actions": ["prohibition_notice", "arrest"]},
            n1: {"visited": False},
        },
    )
    add_operation(db, "2025-03-31", ("police",), {p3: {"workers": 2, "actions": ["closure"]}})
    add_operation(db, "2026-04-01", ("fire",), {p2: {"workers": 9, "victims": 9}})
    # Flags set by hand: one already flagged by a visit, one not, one the next year, and an
    # unflag (which is not a flag).
    hand_flag(db, p1, "2025-05-01T09:00:00+00:00")
    hand_flag(db, p3, "2025-09-01T09:00:00+00:00")
    hand_flag(db, n1, "2026-03-31T23:30:00+00:00")
    hand_flag(db, n3, "2025-09-01T09:00:00+00:00", action="premises.unflag")
    db.conn.commit()
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "n1": n1, "n2": n2, "n3": n3}


# Each figure for 2025 to 2026 and for 2024 to 2025, as (hand car wash, nail bar, total);
# worked out from the records above, not from the app.
EXPECTED = {
    "register": ((3, 3, 6), (3, 1, 4)),
    "visited": ((2, 2, 4), (2, 1, 3)),
    "visits": ((4, 3, 7), (2, 1, 3)),
    "visits.high": ((1, 1, 2), (1, 0, 1)),
    "visits.medium": ((1, 1, 2), (1, 0, 1)),
    "visits.low": ((1, 1, 2), (0, 1, 1)),
    "visits.not_judged": ((1, 0, 1), (0, 0, 0)),
    "flagged": ((2, 1, 3), (1, 0, 1)),
    "red_flags": ((2, 1, 3), (1, 0, 1)),
    "red_flags.slavery.id_retained.CTL": ((1, 0, 1), (0, 0, 0)),
    "red_flags.slavery.living_on_site.WEL": ((0, 1, 1), (0, 0, 0)),
    "red_flags.slavery.fearful.CTL": ((0, 0, 0), (1, 0, 1)),
    "red_flags.safety.electrical.HS": ((1, 0, 1), (0, 0, 0)),
    "victims": ((5, 1, 6), (4, 0, 4)),
    "victims.visits": ((3, 1, 4), (4, 0, 4)),
    "victims.operations": ((2, 0, 2), (0, 0, 0)),
    "referrals": ((3, 1, 4), (1, 0, 1)),
    "referrals.police_999": ((0, 1, 1), (0, 0, 0)),
    "referrals.child": ((1, 0, 1), (0, 0, 0)),
    "referrals.nrm": ((1, 0, 1), (1, 0, 1)),
    "referrals.duty_to_notify": ((0, 0, 0), (0, 0, 0)),
    "referrals.other": ((1, 0, 1), (0, 0, 0)),
    "people": ((4, 1, 5), (3, 0, 3)),
    "people.adults": ((3, 1, 4), (3, 0, 3)),
    "people.children": ((1, 0, 1), (0, 0, 0)),
    "exploitation.labour": ((1, 1, 2), (1, 0, 1)),
    "exploitation.criminal": ((0, 0, 0), (0, 0, 0)),
    "exploitation.sexual": ((1, 0, 1), (0, 0, 0)),
    "exploitation.domestic_servitude": ((0, 0, 0), (0, 0, 0)),
    "exploitation.other": ((1, 0, 1), (0, 0, 0)),
    "operations": ((None, None, 1), (None, None, 1)),
    "operations.recorded": ((1, 1, 2), (1, 0, 1)),
    "operations.visited": ((1, 0, 1), (1, 0, 1)),
    "operations.not_visited": ((0, 1, 1), (0, 0, 0)),
    "operations.workers": ((5, 0, 5), (2, 0, 2)),
    "operations.referrals": ((1, 0, 1), (0, 0, 0)),
    "operations.referrals_nrm": ((1, 0, 1), (0, 0, 0)),
    "operations.referrals_duty_to_notify": ((0, 0, 0), (0, 0, 0)),
    "operations.referrals_childrens_services": ((0, 0, 0), (0, 0, 0)),
    "enforcement": ((2, 0, 2), (1, 0, 1)),
    "enforcement.prohibition_notice": ((1, 0, 1), (0, 0, 0)),
    "enforcement.improvement_notice": ((0, 0, 0), (0, 0, 0)),
    "enforcement.arrest": ((1, 0, 1), (0, 0, 0)),
    "enforcement.civil_penalty": ((0, 0, 0), (0, 0, 0)),
    "enforcement.closure": ((0, 0, 0), (1, 0, 1)),
    "enforcement.referral_other_agency": ((0, 0, 0), (0, 0, 0)),
    "partners": ((None, None, 2), (None, None, 1)),
    "partners.glaa": ((None, None, 1), (None, None, 0)),
    "partners.police": ((None, None, 1), (None, None, 1)),
}
ROUTES = [{"id": r} for r in ("police_999", "child", "nrm", "duty_to_notify")]


def signed_in(app, roles=("coordinator", "inspector", "partner", "admin")) -> dict:
    """A test client for each role, signed in through the real form."""
    clients = {}
    for role in roles:
        clients[role] = app.test_client()
        assert AuthActions(clients[role]).login(role).status_code == 302
    return clients
