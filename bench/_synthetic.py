"""Shared by the map and export benchmarks: a large synthetic register, straight into SQLite."""

from __future__ import annotations

import random
from pathlib import Path

from fieldapp.migrations import migrate
from fieldapp.queries import connect

BANDS = ["high", "medium", "low", None]


def synthetic_db(path: Path, premises: int, visits_per_premises: int = 0):
    """A database with ``premises`` sites spread over England (and optionally visits)."""
    db = connect(str(path))
    migrate(db)
    rng = random.Random(1)
    now = "2026-11-01T10:00:00+00:00"
    rows = []
    for i in range(premises):
        band = rng.choices(BANDS, weights=[2, 2, 4, 3])[0]
        rows.append(
            (
                f"00000000-0000-4000-8000-{i:012d}",
                f"Synthetic site {i}",
                rng.choice(["hand_car_wash", "nail_bar"]),
                f"{i} Synthetic Road",
                "ZZ1 1ZZ",
                round(rng.uniform(50.5, 54.5), 6),
                round(rng.uniform(-3.5, 1.5), 6),
                now,
                now,
                band,
                rng.uniform(0, 100) if band else None,
                now if band else None,
                now if band == "high" and rng.random() < 0.5 else None,
            )
        )
    db.conn.executemany(
        "INSERT INTO premises (uuid, name, sector, address, postcode, latitude, longitude, "
        "created_at, updated_at, risk_band, risk_score, last_visit_at, last_red_flag_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    if visits_per_premises:
        db.conn.execute(
            "INSERT INTO users (username, display_name, role, password_hash, "
            "created_at, updated_at) VALUES ('b', 'B', 'inspector', 'x', ?, ?)",
            [now, now],
        )
        db.conn.execute(
            "INSERT INTO checklist_versions VALUES ('h', 'hand_car_wash', 1, '{}', ?)", [now]
        )
        batch = []
        for pid in range(1, premises + 1):
            for v in range(visits_per_premises):
                vid = f"{pid:08x}-0000-4000-8000-{v:012x}"
                batch.append((vid, pid, vid, now, now))
            if len(batch) > 50_000:
                _insert_visits(db, batch)
                batch = []
        _insert_visits(db, batch)
    db.conn.commit()
    return db


def _insert_visits(db, batch):
    db.conn.executemany(
        "INSERT INTO visits (id, premises_id, inspector_id, root_id, visited_at, submitted_at, "
        "checklist_hash, checklist_id, checklist_version, location_method, score_total, "
        "score_maximum, result, content_hash) VALUES (?, ?, 1, ?, ?, ?, 'h', 'hand_car_wash', 1, "
        "'none', 0, 0, '{}', 'x')",
        batch,
    )
