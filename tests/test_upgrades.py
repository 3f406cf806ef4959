"""Upgrades: a database left at any earlier schema, with records in it, migrates to today's
schema with every record intact.

For each step of fieldapp.migrations, a database is built with the steps before it only
(as a council that last upgraded then would have it), given a premises, an officer, a
visit with its answers and whatever else that schema already held, each filled in column
by column from the schema as it was; then it is migrated to the head and checked: the
same rows, the same values, no broken foreign key, an intact file, and (once the report
totals exist) totals that count the old visit.
"""

from __future__ import annotations

import json

import pytest
from sqlite_utils import Database

from fieldapp.migrations import STEPS, migrate, migrations

NAMES = [step.__name__.rsplit(".", 1)[-1] for step in STEPS]
AT = "2025-06-10T10:00:00+00:00"
NAME = "Tiệm Nail <svg onload=x> =HYPERLINK(1)"
# A stored result as visits of every era kept it (steps read it to fill new columns).
CONTRIBUTION = {
    "id": "cash_only",
    "question": "Is it cash only, with no card payments?",
    "category": "LAB",
    "concern": "labour",
    "red_flag": False,
    "weight": 2,
    "answer": "yes",
    "points": 2,
}
RESULT = json.dumps(
    {
        "model": 2,
        "band": "high",
        "percentage": 60.0,
        "score": 2,
        "maximum": 2,
        "red_flags": [],
        "contributions": [CONTRIBUTION],
        "concerns": {},
    }
)
# Values for columns whose CHECK or meaning a generic value would not meet.
KNOWN = {
    ("users", "username"): "old.officer",
    ("users", "role"): "inspector",
    ("users", "active"): 1,
    ("premises", "uuid"): "00000000-0000-4000-8000-000000000001",
    ("premises", "name"): NAME,
    ("premises", "sector"): "nail_bar",
    ("premises", "postcode"): "LE1 5AA",
    ("premises", "latitude"): 52.6369,
    ("premises", "longitude"): -1.1398,
    ("premises", "risk_band"): "high",
    ("premises", "flagged"): 1,
    ("checklist_versions", "hash"): "h1",
    ("checklist_versions", "checklist_id"): "nail_bar",
    ("checklist_versions", "version"): 1,
    ("checklist_versions", "content"): "{}",
    ("visits", "id"): "v1",
    ("visits", "root_id"): "v1",
    ("visits", "revision"): 1,
    ("visits", "amends"): None,
    ("visits", "checklist_hash"): "h1",
    ("visits", "checklist_id"): "nail_bar",
    ("visits", "checklist_version"): 1,
    ("visits", "location_method"): "gps",
    ("visits", "band"): "high",
    ("visits", "outcome"): "assessed",
    ("visits", "outcome_reason"): None,
    ("visits", "result"): RESULT,
    ("visits", "potential_victims"): 2,
    ("answers", "visit_id"): "v1",
    ("answers", "question_id"): "cash_only",
    ("answers", "value"): "yes",
    ("referrals", "visit_id"): "v1",
    ("referrals", "route"): "nrm",
    ("referrals", "exploitation"): '["labour"]',
    ("referrals", "agencies_told"): "[]",
    ("referrals", "corrects"): None,
    ("referrals", "correction_reason"): None,
    ("operations", "name"): "Operation Old",
    ("operations", "operation_date"): "2025-06-11",
    ("operations", "lead_agency"): "police",
    ("operation_outcomes", "visited"): 1,
    ("operation_outcomes", "enforcement_actions"): '["closure"]',
    ("operation_outcomes", "not_visited_reason"): None,
    ("training", "course"): "Home Office first responder e-learning",
    ("training", "trained_on"): "2025-05-01",
}
# What each table's foreign keys point at in the fixture.
REFERENCES = {"users": 1, "premises": 1, "operations": 1, "visits": "v1", "training": 1}
# Tables filled, in an order that satisfies their foreign keys.
TABLES = (
    "users",
    "premises",
    "checklist_versions",
    "visits",
    "answers",
    "referrals",
    "operations",
    "operation_sites",
    "operation_outcomes",
    "training",
)


def _value(table: str, column: dict, references: dict[str, str]):
    key = (table, column["name"])
    if key in KNOWN:
        return KNOWN[key]
    if column["name"] in references:
        return REFERENCES.get(references[column["name"]], 1)
    kind = (column["type"] or "").upper()
    if column["name"].endswith("_at"):
        return AT
    if "INT" in kind:
        return 0
    if "REAL" in kind:
        return 0.0
    return "old text"


def _fill(db: Database, table: str) -> dict:
    """One row in ``table``, every column given as the schema of the day has it."""
    columns = [
        dict(zip(("cid", "name", "type", "notnull", "default", "pk"), c, strict=True))
        for c in db.execute(f"PRAGMA table_info({table})").fetchall()
    ]  # noqa: S608
    references = {
        fk[3]: fk[2]
        for fk in db.execute(f"PRAGMA foreign_key_list({table})").fetchall()  # noqa: S608
    }
    single_key = sum(1 for c in columns if c["pk"]) == 1
    # Columns that must be given (NOT NULL, no default), foreign keys and the known ones;
    # an integer key is left to SQLite, as the app leaves it.
    row = {
        c["name"]: _value(table, c, references)
        for c in columns
        if (
            (c["notnull"] and c["default"] is None)
            or c["name"] in references
            or (table, c["name"]) in KNOWN
        )
        and not (c["pk"] and single_key and (c["type"] or "").upper() == "INTEGER")
    }
    db.conn.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' for _ in row)})",  # noqa: S608
        list(row.values()),
    )
    return row


@pytest.mark.parametrize("stop", NAMES[1:])
def test_records_made_before_each_step_survive_the_upgrade(tmp_path, stop):
    db = Database(str(tmp_path / "old.db"))
    migrations.apply(db, stop_before=stop)
    present = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    written = {t: _fill(db, t) for t in TABLES if t in present}
    db.conn.commit()

    applied = migrate(db)
    assert applied == NAMES[NAMES.index(stop) :]
    for table in written:
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 1, table  # noqa: S608
    if "premises" in written:
        assert db.execute("SELECT name, sector FROM premises").fetchone() == (NAME, "nail_bar")
    if "visits" in written:
        stored = db.execute("SELECT id, band, result FROM visits").fetchone()
        assert stored[:2] == ("v1", "high") and json.loads(stored[2])["band"] == "high"
        totals = db.execute("SELECT sum(visits) FROM report_visit_days").fetchone()[0]
        assert totals == 1, "the report totals must count a visit made before they existed"
        signs = db.execute("SELECT visit_id, indicator, present FROM visit_signs").fetchall()
        assert signs == [("v1", "cash_only", 1)], "the insight must read an old visit's signs"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not db.execute("PRAGMA foreign_key_check").fetchall()
