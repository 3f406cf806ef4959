"""A council's year, made up: premises, a million visits, referrals and joint operations.

For bench.reports. Written straight into SQLite with executemany, in the shapes the app
stores (the visits' results are a kilobyte or two of JSON, as real ones are, with their red
flags in them), so the scrutiny figures read what they would read in a real database.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

from bench._synthetic import synthetic_db
from fieldapp.migrations import m018_report_figures as m018

INDICATORS = [
    ("id_retained", "CTL", "slavery"),
    ("living_on_site", "WEL", "slavery"),
    ("fearful", "CTL", "slavery"),
    ("no_ppe", "HS", "safety"),
    ("electrical", "HS", "safety"),
]
ROUTES = ["nrm", "duty_to_notify", "child", "police_999"]
EXPLOITATION = ["labour", "criminal", "sexual", "domestic_servitude", "other"]
ACTIONS = ["prohibition_notice", "improvement_notice", "arrest", "civil_penalty", "closure"]
AGENCIES = ["police", "glaa", "hmrc_nmw", "immigration", "fire", "hse_eh"]
BATCH = 50_000


def _results(rng: random.Random) -> list[tuple[str | None, int, str]]:
    """A few dozen stored results to choose from: (band, red flags counted, result JSON)."""
    padding = [
        {"id": f"q{n}", "question": "Is there a sign of this on site? " * 2, "answer": "no"}
        for n in range(12)
    ]
    made = []
    for n in range(40):
        band = rng.choice(["low", "low", "medium", "high"])
        flags = [] if n % 8 else rng.sample(INDICATORS, rng.randint(1, 3))
        red_flags = [
            {"id": i, "question": f"{i}?", "category": c, "concern": k} for i, c, k in flags
        ]
        counted = sum(1 for *_, k in flags if k == "slavery")
        band = "high" if counted else band
        result = {"model": 2, "band": band, "red_flags": red_flags, "contributions": padding}
        made.append((band, counted, json.dumps(result)))
    return made


def _visit_rows(rng, premises: int, visits: int, start: datetime, results):
    """Visit rows, an amended revision after one visit in a hundred."""
    seconds = 365 * 86400
    for n in range(visits):
        vid = f"{n:08x}-0000-4000-8000-000000000000"
        when = (start + timedelta(seconds=rng.randrange(seconds))).isoformat()
        pid = rng.randint(1, premises)
        not_assessed = rng.random() < 0.1
        band, counted, result = rng.choice(results)
        victims = rng.randint(1, 3) if rng.random() < 0.03 else None
        row = [vid, pid, vid, 1, None, None, when, band, counted, result, victims]
        if not_assessed:
            row[7:9] = [None, 0]
        yield (*row, "not_assessed" if not_assessed else "assessed")
        if n % 100 == 7:
            yield (
                f"{n:08x}-0000-4000-8000-000000000001",
                pid,
                vid,
                2,
                vid,
                "wrong premises chosen",
                when,
                "medium",
                0,
                "{}",
                victims,
                "assessed",
            )


def _insert_visits(db, rows) -> None:
    db.conn.executemany(
        "INSERT INTO visits (id, premises_id, root_id, revision, amends, amendment_reason, "
        "visited_at, band, red_flag_count, result, potential_victims, outcome, inspector_id, "
        "submitted_at, checklist_hash, checklist_id, checklist_version, location_method, "
        "score_total, score_maximum, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
        "1, ?7, 'h', 'hand_car_wash', 2, 'none', 0, 0, 'x')",
        rows,
    )


def _referrals(db, rng, visits: int, start: datetime, count: int) -> None:
    rows = []
    for n in range(count):
        visit = rng.randrange(visits)
        vid = f"{visit:08x}-0000-4000-8000-000000000000"
        made = (start + timedelta(seconds=rng.randrange(365 * 86400))).isoformat()
        kinds = json.dumps(rng.sample(EXPLOITATION, rng.randint(1, 2)))
        rows.append(
            (vid, rng.choice(ROUTES), made, rng.randint(0, 3), rng.randint(0, 1), kinds, None)
        )
        if n % 50 == 3:  # a correction of the row just added
            rows.append((vid, "duty_to_notify", made, 1, 0, kinds, len(rows)))
    db.conn.executemany(
        "INSERT INTO referrals (visit_id, premises_id, route, made_at, adults, children, "
        "exploitation, agencies_told, corrects, correction_reason, recorded_by, recorded_at) "
        "SELECT ?1, premises_id, ?2, ?3, ?4, ?5, ?6, '[]', ?7, CASE WHEN ?7 IS NULL THEN NULL "
        "ELSE 'miscounted' END, 1, ?3 FROM visits WHERE id = ?1",
        rows,
    )


def _operations(db, rng, premises: int, start: datetime, count: int) -> None:
    ops, sites, outcomes, partners = [], [], [], []
    for op in range(1, count + 1):
        day = (start + timedelta(days=rng.randrange(365))).date().isoformat()
        ops.append((op, f"Operation {op}", day, rng.choice(AGENCIES)))
        for agency in rng.sample(AGENCIES, rng.randint(1, 4)):
            partners.append((op, agency))
        for position, pid in enumerate(rng.sample(range(1, premises + 1), 10), start=1):
            sites.append((op, pid, position))
            visited = rng.random() < 0.9
            actions = json.dumps(rng.sample(ACTIONS, rng.randint(0, 2)) if visited else [])
            victims = rng.randint(0, 2) if visited else 0
            outcomes.append((op, pid, int(visited), rng.randint(0, 6), victims, actions))
    db.conn.executemany(
        "INSERT INTO operations (id, name, operation_date, lead_agency, created_at, created_by, "
        "updated_at) VALUES (?, ?, ?, ?, '', 1, '')",
        ops,
    )
    db.conn.executemany("INSERT INTO operation_partners VALUES (?, ?)", partners)
    db.conn.executemany("INSERT INTO operation_sites VALUES (?, ?, ?)", sites)
    db.conn.executemany(
        "INSERT INTO operation_outcomes (operation_id, premises_id, visited, workers_spoken_to, "
        "potential_victims, referrals_nrm, enforcement_actions, recorded_at, recorded_by) "
        "VALUES (?, ?, ?, ?, ?, ?5, ?, '', 1)",
        outcomes,
    )


def report_db(path, premises: int, visits: int, start: datetime):
    """A database with ``premises`` sites and ``visits`` visits in the year from ``start``."""
    db = synthetic_db(path, premises)
    # Loading only: no rollback journal and a large cache. The app's own settings (WAL)
    # are back before the figures are timed, on a connection of their own.
    db.conn.execute("PRAGMA journal_mode = OFF")
    db.conn.execute("PRAGMA synchronous = OFF")
    db.conn.execute("PRAGMA cache_size = -262144")
    rng = random.Random(7)
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    db.conn.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, "
        "updated_at) VALUES (1, 'bench', 'Bench', 'coordinator', 'x', ?1, ?1)",
        [now],
    )
    db.conn.execute(
        "INSERT INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', ?)", [now]
    )
    # Premises joined the register over the three years before the period, a few during it.
    db.conn.execute(
        "UPDATE premises SET created_at = strftime('%Y-%m-%dT%H:%M:%S+00:00', ?, "
        "'-' || (id * 37 % 1400) || ' days')",
        [(start + timedelta(days=300)).isoformat()[:19]],
    )
    # The register's running totals follow premises as they are added, not a date changed
    # afterwards, as the app never does: count them again from the new dates.
    db.conn.execute("DELETE FROM report_register_days")
    db.conn.execute(m018.register_days("1", "p.sector", 1))
    results = _results(rng)
    batch = []
    for row in _visit_rows(rng, premises, visits, start, results):
        batch.append(row)
        if len(batch) >= BATCH:
            _insert_visits(db, batch)
            batch = []
    _insert_visits(db, batch)
    _referrals(db, rng, visits, start, count=max(visits // 40, 10))
    _operations(db, rng, premises, start, count=max(visits // 2500, 2))
    flags = [
        ((start + timedelta(days=rng.randrange(365))).isoformat(), str(rng.randint(1, premises)))
        for _ in range(max(visits // 500, 2))
    ]
    db.conn.executemany(
        "INSERT INTO audit (at, action, table_name, record_id) VALUES (?, 'premises.flag', "
        "'premises', ?)",
        flags,
    )
    db.conn.commit()
    db.conn.execute("PRAGMA journal_mode = WAL")
    return db
