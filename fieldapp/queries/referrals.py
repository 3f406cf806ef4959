"""Safeguarding referrals (never who they were about), their corrections and next steps.

Append-only: a correction is a new row that ``corrects`` the one before it, and each tick
or untick of a next step is a row of its own. What a page shows is the latest of each.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from fieldapp import audit
from fieldapp.queries import query, transaction
from fieldapp.timeutil import now_iso

_COLUMNS = (
    "visit_id, premises_id, route, reference, made_at, adults, children, exploitation, "
    "consent_recorded, agencies_told, corrects, correction_reason, recorded_by, recorded_at"
)
# Referrals no later row corrects: the ones that count.
CURRENT = "id NOT IN (SELECT corrects FROM referrals WHERE corrects IS NOT NULL)"


def add(db: Database, *, visit: dict, referral, user_id: int, corrects: dict | None = None) -> int:
    """Record a referral (a fieldapp.referrals.Referral), or a correction of ``corrects``."""
    with transaction(db):
        cursor = db.execute(
            f"INSERT INTO referrals ({_COLUMNS}) VALUES "  # noqa: S608 - fixed columns
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                visit["id"],
                visit["premises_id"],
                referral.route,
                referral.reference,
                referral.made_at,
                referral.adults,
                referral.children,
                json.dumps(referral.exploitation),
                None if referral.consent_recorded is None else int(referral.consent_recorded),
                json.dumps(referral.agencies_told),
                corrects["id"] if corrects else None,
                referral.correction_reason,
                user_id,
                now_iso(),
            ],
        )
        audit.record(
            "referral.correct" if corrects else "referral.create",
            "referrals",
            cursor.lastrowid,
            db=db,
            visit_id=visit["id"],
            route=referral.route,
            adults=referral.adults,
            children=referral.children,
            corrects=corrects["id"] if corrects else None,
        )
    return cursor.lastrowid


def _decoded(row: dict) -> dict:
    row["exploitation"] = json.loads(row["exploitation"] or "[]")
    row["agencies_told"] = json.loads(row["agencies_told"] or "[]")
    return row


def for_visit(db: Database, root_id: str) -> list[dict]:
    """The current referrals recorded against any revision of a visit, oldest first; each
    with ``earlier`` (the versions it corrected, newest first) and ``steps`` (next step id
    -> done, the latest tick of each, kept across corrections)."""
    rows = [
        _decoded(r)
        for r in query(
            db,
            "SELECT r.*, u.display_name AS recorded_by_name FROM referrals r "
            "JOIN users u ON u.id = r.recorded_by JOIN visits v ON v.id = r.visit_id "
            "WHERE v.root_id = ? ORDER BY r.id",
            [root_id],
        )
    ]
    by_id = {r["id"]: r for r in rows}
    corrected = {r["corrects"] for r in rows if r["corrects"]}
    current = [r for r in rows if r["id"] not in corrected]
    for referral in current:
        chain, row = [], referral
        while row["corrects"] in by_id:
            row = by_id[row["corrects"]]
            chain.append(row)
        referral["earlier"] = chain
        referral["first_id"] = row["id"]
        referral["steps"] = steps(db, row["id"])
    return sorted(current, key=lambda r: r["made_at"])


def get(db: Database, referral_id: int) -> dict | None:
    rows = query(db, "SELECT * FROM referrals WHERE id = ?", [referral_id])
    return _decoded(rows[0]) if rows else None


def for_premises(db: Database, premises_id: int) -> list[dict]:
    """The current referrals recorded at a premises, newest first."""
    return [
        _decoded(r)
        for r in query(
            db,
            f"SELECT * FROM referrals WHERE premises_id = ? AND {CURRENT} "  # noqa: S608
            "ORDER BY made_at DESC",
            [premises_id],
        )
    ]


def steps(db: Database, first_id: int) -> dict[str, bool]:
    """Each next step's latest state for the referral whose first version is ``first_id``."""
    done: dict[str, bool] = {}
    for row in query(
        db,
        "SELECT step, done FROM referral_steps WHERE referral_id = ? ORDER BY id",
        [first_id],
    ):
        done[row["step"]] = bool(row["done"])
    return done


def tick(db: Database, first_id: int, changes: dict[str, bool], user_id: int) -> None:
    """Record next steps ticked or unticked (only those whose state changed)."""
    if not changes:
        return
    now = now_iso()
    with transaction(db):
        db.conn.executemany(
            "INSERT INTO referral_steps (referral_id, step, done, recorded_by, recorded_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(first_id, step, int(done), user_id, now) for step, done in changes.items()],
        )
        audit.record(
            "referral.steps", "referrals", first_id, db=db, steps={k: v for k, v in changes.items()}
        )
