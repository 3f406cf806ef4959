"""Joint operations: the SQL for plans (sites in visiting order, partners), outcomes and figures.

The rules (visiting order, what an outcome holds, totals) are in :mod:`fieldapp.operations`,
which groups these writes in one transaction. The writes made here on their own (taking a
site off, moving one by hand) are audited in the same transaction. Outcomes hold counts and
action types only: never who a worker or potential victim is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

from sqlite_utils import Database

from fieldapp import audit
from fieldapp.agencies import Finding
from fieldapp.queries import NotFoundError, one, one_or_missing, query, transaction
from fieldapp.queries import referrals as referrals_q
from fieldapp.queries.sites import DEFAULT_RULES, flag_column
from fieldapp.sitefilter import FlagRules
from fieldapp.timeutil import now_iso, uk_date, uk_day_end_utc, uk_day_start_utc

# -- The plan ----------------------------------------------------------------------------------


def insert(db: Database, *, details: dict, source_filter: str, user_id: int) -> int:
    """Add the operation's own row (name, date, lead agency, briefing, start); return its id."""
    now = now_iso()
    cursor = db.execute(
        "INSERT INTO operations (name, operation_date, lead_agency, briefing, start_address, "
        "start_latitude, start_longitude, source_filter, created_at, created_by, updated_at) "
        "VALUES (:name, :operation_date, :lead_agency, :briefing, :start_address, "
        ":start_latitude, :start_longitude, :source_filter, :now, :user_id, :now)",
        {**details, "source_filter": source_filter, "now": now, "user_id": user_id},
    )
    return cursor.lastrowid


def update_details(db: Database, operation_id: int, details: dict) -> None:
    """Change the operation's name, date, lead agency, briefing and start."""
    db.execute(
        "UPDATE operations SET name = :name, operation_date = :operation_date, "
        "lead_agency = :lead_agency, briefing = :briefing, start_address = :start_address, "
        "start_latitude = :start_latitude, start_longitude = :start_longitude, "
        "updated_at = :now WHERE id = :id",
        {**details, "now": now_iso(), "id": operation_id},
    )


def set_partners(db: Database, operation_id: int, partners: Iterable[str]) -> None:
    """Replace the operation's partner agencies (a repeat is kept once)."""
    db.execute("DELETE FROM operation_partners WHERE operation_id = ?", [operation_id])
    db.conn.executemany(
        "INSERT INTO operation_partners (operation_id, agency) VALUES (?, ?)",
        [(operation_id, agency) for agency in dict.fromkeys(partners)],
    )


def insert_sites(
    db: Database, operation_id: int, premises_ids: Sequence[int], after: int = 0
) -> None:
    """Add premises to the operation in the order given, numbered on from ``after``."""
    db.conn.executemany(
        "INSERT INTO operation_sites (operation_id, premises_id, position) VALUES (?, ?, ?)",
        [(operation_id, pid, after + n) for n, pid in enumerate(premises_ids, start=1)],
    )


def operation_row(db: Database, operation_id: int) -> dict | None:
    """The operation's own row, without its partners or who made it."""
    return one(db, "SELECT * FROM operations WHERE id = ?", [operation_id])


def get(db: Database, operation_id: int) -> dict:
    """One operation with its partner agency ids, or NotFoundError."""
    row = one_or_missing(
        db,
        "SELECT o.*, u.display_name AS created_by_name FROM operations o "
        "JOIN users u ON u.id = o.created_by WHERE o.id = ?",
        [operation_id],
        f"No operation {operation_id}",
    )
    row["partners"] = [
        r[0]
        for r in db.execute(
            "SELECT agency FROM operation_partners WHERE operation_id = ? ORDER BY rowid",
            [operation_id],
        )
    ]
    return row


def invites(db: Database, operation_id: int, agency: str | None) -> bool:
    """Whether ``agency`` is one of the operation's partners."""
    if not agency:
        return False
    return (
        db.execute(
            "SELECT 1 FROM operation_partners WHERE operation_id = ? AND agency = ?",
            [operation_id, agency],
        ).fetchone()
        is not None
    )


def listing(db: Database, agency: str | None = None) -> list[dict]:
    """Operations, newest date first, with counts; only those ``agency`` is in, if given."""
    return query(
        db,
        "SELECT o.id, o.name, o.operation_date, o.lead_agency, "
        "(SELECT count(*) FROM operation_sites s WHERE s.operation_id = o.id) AS site_count, "
        "(SELECT count(*) FROM operation_outcomes r WHERE r.operation_id = o.id) AS outcome_count "
        "FROM operations o WHERE (:agency IS NULL OR o.id IN "
        "(SELECT operation_id FROM operation_partners WHERE agency = :agency)) "
        "ORDER BY o.operation_date DESC, o.id DESC",
        {"agency": agency},
    )


def sites(db: Database, operation_id: int, rules: FlagRules = DEFAULT_RULES) -> list[dict]:
    """The operation's premises in visiting order, each with ``position`` and
    ``flagged_now``, red flags and top indicators decoded."""
    flag_sql, params = flag_column(rules)
    rows = query(
        db,
        f"SELECT p.*, s.position, {flag_sql} FROM operation_sites s "  # noqa: S608
        "JOIN premises p ON p.id = s.premises_id WHERE s.operation_id = ? "
        "ORDER BY s.position, p.id",
        [*params, operation_id],
    )
    for row in rows:
        row["red_flags"] = json.loads(row["red_flags"])
        row["top_indicators"] = json.loads(row["top_indicators"])
    return rows


def premises_rows(db: Database, premises_ids: Sequence[int]) -> list[dict]:
    """Premises by id (any order; missing ids are left out)."""
    if not premises_ids:
        return []
    marks = ", ".join("?" for _ in premises_ids)
    return query(db, f"SELECT * FROM premises WHERE id IN ({marks})", list(premises_ids))  # noqa: S608


def write_order(db: Database, operation_id: int, premises_ids: Sequence[int]) -> None:
    """Number the operation's sites 1, 2, ... in the order of ``premises_ids``."""
    db.conn.executemany(
        "UPDATE operation_sites SET position = ? WHERE operation_id = ? AND premises_id = ?",
        [(n, operation_id, pid) for n, pid in enumerate(premises_ids, start=1)],
    )


def mark_optimised(db: Database, operation_id: int) -> None:
    """Record that the order is the optimiser's again, not one set by hand."""
    db.execute(
        "UPDATE operations SET order_is_manual = 0, updated_at = ? WHERE id = ?",
        [now_iso(), operation_id],
    )


def remove_site(db: Database, operation_id: int, premises_id: int) -> None:
    """Take a premises off the operation. Callers keep sites with an outcome: the figures
    councillors see must not change because a plan was tidied afterwards."""
    with transaction(db):
        db.execute(
            "DELETE FROM operation_sites WHERE operation_id = ? AND premises_id = ?",
            [operation_id, premises_id],
        )
        write_order(db, operation_id, [r["premises_id"] for r in site_ids(db, operation_id)])
        touch(db, operation_id)
        audit.record(
            "operation.remove_site", "operations", operation_id, db=db, premises_id=premises_id
        )


def move_site(db: Database, operation_id: int, premises_id: int, to_position: int) -> None:
    """Move a premises to ``to_position`` (1 = first, clamped to the list) by hand."""
    order = [r["premises_id"] for r in site_ids(db, operation_id)]
    if premises_id not in order:
        raise NotFoundError(f"Premises {premises_id} is not in operation {operation_id}")
    order.remove(premises_id)
    to_position = min(max(to_position, 1), len(order) + 1)
    order.insert(to_position - 1, premises_id)
    with transaction(db):
        write_order(db, operation_id, order)
        db.execute("UPDATE operations SET order_is_manual = 1 WHERE id = ?", [operation_id])
        touch(db, operation_id)
        audit.record(
            "operation.move_site",
            "operations",
            operation_id,
            db=db,
            premises_id=premises_id,
            position=to_position,
        )


def site_ids(db: Database, operation_id: int) -> list[dict]:
    """premises_id and position of each site, in visiting order."""
    return query(
        db,
        "SELECT premises_id, position FROM operation_sites WHERE operation_id = ? "
        "ORDER BY position, premises_id",
        [operation_id],
    )


def touch(db: Database, operation_id: int) -> None:
    """Note that the operation changed now."""
    db.execute("UPDATE operations SET updated_at = ? WHERE id = ?", [now_iso(), operation_id])


# -- What earlier visits found (for the briefing pack) --------------------------------------


def findings(db: Database, premises_ids: Sequence[int], since: str) -> dict[int, list[Finding]]:
    """Indicators answered yes on each premises' visits since ``since`` (newest revisions
    only), one Finding per indicator with the date it was last seen, most recent first."""
    if not premises_ids:
        return {}
    marks = ", ".join("?" for _ in premises_ids)
    rows = db.execute(
        f"SELECT premises_id, visited_at, result FROM current_visits "  # noqa: S608
        f"WHERE premises_id IN ({marks}) AND visited_at >= ? ORDER BY visited_at DESC",
        [*premises_ids, since],
    ).fetchall()
    found: dict[int, dict[str, Finding]] = {pid: {} for pid in premises_ids}
    for premises_id, visited_at, result in rows:
        for c in json.loads(result)["contributions"]:
            if c["answer"] == "yes" and c["id"] not in found[premises_id]:
                found[premises_id][c["id"]] = Finding(
                    id=c["id"],
                    question=c["question"],
                    category=c["category"],
                    red_flag=bool(c["red_flag"]),
                    last_seen=uk_date(visited_at).isoformat(),
                )
    return {pid: list(items.values()) for pid, items in found.items()}


# -- Outcomes ---------------------------------------------------------------------------------


def has_outcome(db: Database, operation_id: int, premises_id: int) -> bool:
    """Whether an outcome is already recorded for the site."""
    existed = one(
        db,
        "SELECT 1 AS x FROM operation_outcomes WHERE operation_id = ? AND premises_id = ?",
        [operation_id, premises_id],
    )
    return existed is not None


def write_outcome(
    db: Database, operation_id: int, premises_id: int, row: dict, *, user_id: int
) -> None:
    """Store the site's outcome (``row`` as :func:`fieldapp.operations.outcome_row` makes it),
    replacing any recorded before, as recorded now by ``user_id``."""
    db.execute(
        "INSERT INTO operation_outcomes (operation_id, premises_id, visited, "
        "not_visited_reason, workers_spoken_to, potential_victims, referrals_nrm, "
        "referrals_duty_to_notify, referrals_childrens_services, enforcement_actions, note, "
        "recorded_at, recorded_by) VALUES (:operation_id, :premises_id, :visited, "
        ":not_visited_reason, :workers_spoken_to, :potential_victims, :referrals_nrm, "
        ":referrals_duty_to_notify, :referrals_childrens_services, :enforcement_actions, "
        ":note, :recorded_at, :recorded_by) "
        "ON CONFLICT (operation_id, premises_id) DO UPDATE SET visited = excluded.visited, "
        "not_visited_reason = excluded.not_visited_reason, "
        "workers_spoken_to = excluded.workers_spoken_to, "
        "potential_victims = excluded.potential_victims, "
        "referrals_nrm = excluded.referrals_nrm, "
        "referrals_duty_to_notify = excluded.referrals_duty_to_notify, "
        "referrals_childrens_services = excluded.referrals_childrens_services, "
        "enforcement_actions = excluded.enforcement_actions, note = excluded.note, "
        "recorded_at = excluded.recorded_at, recorded_by = excluded.recorded_by",
        {
            **row,
            "operation_id": operation_id,
            "premises_id": premises_id,
            "recorded_at": now_iso(),
            "recorded_by": user_id,
        },
    )


def _decode(row: dict) -> dict:
    row["enforcement_actions"] = json.loads(row["enforcement_actions"])
    return row


def outcomes(db: Database, operation_id: int) -> dict[int, dict]:
    """Recorded outcomes keyed by premises id."""
    return {
        r["premises_id"]: _decode(r)
        for r in query(
            db,
            "SELECT r.*, u.display_name AS recorded_by_name FROM operation_outcomes r "
            "JOIN users u ON u.id = r.recorded_by WHERE r.operation_id = ?",
            [operation_id],
        )
    }


def outcome(db: Database, operation_id: int, premises_id: int) -> dict | None:
    """One site's outcome, or None if not recorded yet."""
    row = one(
        db,
        "SELECT * FROM operation_outcomes WHERE operation_id = ? AND premises_id = ?",
        [operation_id, premises_id],
    )
    return _decode(row) if row else None


def outcomes_for_premises(db: Database, premises_id: int) -> list[dict]:
    """Every operation outcome at a premises, newest operation first (for its history)."""
    return [
        _decode(r)
        for r in query(
            db,
            "SELECT r.*, o.name AS operation_name, o.operation_date, o.lead_agency "
            "FROM operation_outcomes r JOIN operations o ON o.id = r.operation_id "
            "WHERE r.premises_id = ? ORDER BY o.operation_date DESC, o.id DESC",
            [premises_id],
        )
    ]


def in_period(db: Database, start: date, end: date) -> dict:
    """For operations dated ``start`` to ``end`` (inclusive): the operations with their site
    counts, their outcomes, how often each partner took part, and the safeguarding referrals
    recorded on ordinary visits in the same period (for comparison)."""
    params = [start.isoformat(), end.isoformat()]
    ops = query(
        db,
        "SELECT o.id, o.name, o.operation_date, o.lead_agency, "
        "(SELECT count(*) FROM operation_sites s WHERE s.operation_id = o.id) AS site_count "
        "FROM operations o WHERE o.operation_date BETWEEN ? AND ? "
        "ORDER BY o.operation_date, o.id",
        params,
    )
    rows = [
        _decode(r)
        for r in query(
            db,
            "SELECT r.* FROM operation_outcomes r JOIN operations o ON o.id = r.operation_id "
            "WHERE o.operation_date BETWEEN ? AND ?",
            params,
        )
    ]
    partners = query(
        db,
        "SELECT p.agency, count(*) AS operations FROM operation_partners p "
        "JOIN operations o ON o.id = p.operation_id WHERE o.operation_date BETWEEN ? AND ? "
        "GROUP BY p.agency ORDER BY operations DESC, p.agency",
        params,
    )
    routine = dict(
        db.execute(
            "SELECT route, count(*) FROM referrals WHERE made_at >= ? AND made_at < ? "  # noqa: S608
            f"AND {referrals_q.CURRENT} GROUP BY route",
            [uk_day_start_utc(start).isoformat(), uk_day_end_utc(end).isoformat()],
        ).fetchall()
    )
    return {"operations": ops, "outcomes": rows, "partners": partners, "routine_referrals": routine}
