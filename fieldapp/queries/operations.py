"""Joint operations: the plan (sites in visiting order, partners), outcomes and figures.

Every write is audited in the same transaction. Outcomes hold counts and action types only:
never who a worker or potential victim is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, timedelta

from sqlite_utils import Database

from fieldapp import audit, routing
from fieldapp.agencies import Finding
from fieldapp.queries import NotFoundError, one, one_or_missing, query, transaction
from fieldapp.queries.sites import DEFAULT_RULES, flag_column
from fieldapp.sitefilter import FlagRules
from fieldapp.timeutil import now_iso

# "Tens of sites": more than this is not one day's operation, and the route page would be
# unreadable on a phone.
MAX_SITES = 60

REFERRALS = {
    "referrals_nrm": "NRM referrals",
    "referrals_duty_to_notify": "Duty to Notify referrals",
    "referrals_childrens_services": "Children's services referrals",
}
ENFORCEMENT_ACTIONS = {
    "prohibition_notice": "Prohibition notice",
    "improvement_notice": "Improvement notice",
    "arrest": "Arrest",
    "civil_penalty": "Civil penalty",
    "closure": "Closure",
    "referral_other_agency": "Referral to another agency",
}
COUNTS = ("workers_spoken_to", "potential_victims", *REFERRALS)
DETAIL_FIELDS = (
    "name",
    "operation_date",
    "lead_agency",
    "briefing",
    "start_address",
    "start_latitude",
    "start_longitude",
)


# -- The plan ----------------------------------------------------------------------------------


def create(
    db: Database,
    *,
    details: dict,
    partners: Sequence[str],
    premises_ids: Sequence[int],
    source_filter: str,
    user_id: int,
) -> int:
    """Add an operation with its partners and sites, put the sites in a short visiting
    order, and audit it; return its id."""
    now = now_iso()
    with transaction(db):
        cursor = db.execute(
            "INSERT INTO operations (name, operation_date, lead_agency, briefing, start_address, "
            "start_latitude, start_longitude, source_filter, created_at, created_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*(details[k] for k in DETAIL_FIELDS), source_filter, now, user_id, now],
        )
        operation_id = cursor.lastrowid
        _set_partners(db, operation_id, partners)
        unique = list(dict.fromkeys(premises_ids))
        db.conn.executemany(
            "INSERT INTO operation_sites (operation_id, premises_id, position) VALUES (?, ?, ?)",
            [(operation_id, pid, n) for n, pid in enumerate(unique, start=1)],
        )
        _optimise(db, operation_id)
        audit.record(
            "operation.create",
            "operations",
            operation_id,
            db=db,
            name=details["name"],
            operation_date=details["operation_date"],
            lead_agency=details["lead_agency"],
            partners=list(partners),
            sites=unique,
            source_filter=source_filter,
        )
    return operation_id


def update(db: Database, operation_id: int, *, details: dict, partners: Sequence[str]) -> None:
    """Change an operation's details and partners; re-plan the route if the start moved and
    the order is still the optimiser's."""
    before = get(db, operation_id)
    with transaction(db):
        db.execute(
            "UPDATE operations SET name = ?, operation_date = ?, lead_agency = ?, briefing = ?, "
            "start_address = ?, start_latitude = ?, start_longitude = ?, updated_at = ? "
            "WHERE id = ?",
            [*(details[k] for k in DETAIL_FIELDS), now_iso(), operation_id],
        )
        _set_partners(db, operation_id, partners)
        moved = (before["start_latitude"], before["start_longitude"]) != (
            details["start_latitude"],
            details["start_longitude"],
        )
        if moved and not before["order_is_manual"]:
            _optimise(db, operation_id)
        changed = {k: details[k] for k in DETAIL_FIELDS if before[k] != details[k]}
        if sorted(before["partners"]) != sorted(partners):
            changed["partners"] = list(partners)
        audit.record("operation.update", "operations", operation_id, db=db, **changed)


def _set_partners(db: Database, operation_id: int, partners: Iterable[str]) -> None:
    db.execute("DELETE FROM operation_partners WHERE operation_id = ?", [operation_id])
    db.conn.executemany(
        "INSERT INTO operation_partners (operation_id, agency) VALUES (?, ?)",
        [(operation_id, agency) for agency in dict.fromkeys(partners)],
    )


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


def _start(op: dict) -> routing.Point | None:
    if op["start_latitude"] is None or op["start_longitude"] is None:
        return None
    return (op["start_latitude"], op["start_longitude"])


def _located(row: dict) -> bool:
    return row["latitude"] is not None and row["longitude"] is not None


def route(op: dict, rows: list[dict]) -> dict:
    """The route as it stands: each located site gets ``stop`` (1, 2, ...), ``leg_m`` and
    ``cumulative_m``; sites with no location are listed apart, as they cannot be placed."""
    located = [r for r in rows if _located(r)]
    measured = routing.measure(_start(op), [(r["latitude"], r["longitude"]) for r in located])
    cumulative = 0.0
    for stop, (row, leg) in enumerate(zip(located, measured.legs, strict=True), start=1):
        cumulative += leg
        row.update(stop=stop, leg_m=leg, cumulative_m=cumulative)
    return {
        "stops": located,
        "unplaced": [r for r in rows if not _located(r)],
        "total_m": measured.total_m,
    }


def _write_order(db: Database, operation_id: int, premises_ids: Sequence[int]) -> None:
    db.conn.executemany(
        "UPDATE operation_sites SET position = ? WHERE operation_id = ? AND premises_id = ?",
        [(n, operation_id, pid) for n, pid in enumerate(premises_ids, start=1)],
    )


def _optimise(db: Database, operation_id: int) -> routing.Route:
    """Put the sites in the optimiser's order (unlocated sites last, in their old order)."""
    op = one(db, "SELECT * FROM operations WHERE id = ?", [operation_id])
    rows = sites(db, operation_id)
    located = [r for r in rows if _located(r)]
    planned = routing.plan(_start(op), [(r["latitude"], r["longitude"]) for r in located])
    order = [located[i]["id"] for i in planned.order] + [r["id"] for r in rows if not _located(r)]
    _write_order(db, operation_id, order)
    db.execute(
        "UPDATE operations SET order_is_manual = 0, updated_at = ? WHERE id = ?",
        [now_iso(), operation_id],
    )
    return planned


def optimise(db: Database, operation_id: int) -> routing.Route:
    """Re-run the optimiser (dropping any hand-made order) and audit it."""
    with transaction(db):
        planned = _optimise(db, operation_id)
        audit.record(
            "operation.optimise",
            "operations",
            operation_id,
            db=db,
            total_m=round(planned.total_m),
        )
    return planned


def add_sites(db: Database, operation_id: int, premises_ids: Sequence[int]) -> list[int]:
    """Add premises not already in the operation; return the ids added. The optimiser
    places them unless the coordinator has set the order by hand (then they go last)."""
    op = get(db, operation_id)
    present = {r["premises_id"] for r in _site_ids(db, operation_id)}
    new = [pid for pid in dict.fromkeys(premises_ids) if pid not in present]
    if not new:
        return []
    with transaction(db):
        last = len(present)
        db.conn.executemany(
            "INSERT INTO operation_sites (operation_id, premises_id, position) VALUES (?, ?, ?)",
            [(operation_id, pid, last + n) for n, pid in enumerate(new, start=1)],
        )
        if not op["order_is_manual"]:
            _optimise(db, operation_id)
        _touch(db, operation_id)
        audit.record("operation.add_sites", "operations", operation_id, db=db, premises_ids=new)
    return new


def remove_site(db: Database, operation_id: int, premises_id: int) -> None:
    """Take a premises off the operation. Callers keep sites with an outcome: the figures
    councillors see must not change because a plan was tidied afterwards."""
    with transaction(db):
        db.execute(
            "DELETE FROM operation_sites WHERE operation_id = ? AND premises_id = ?",
            [operation_id, premises_id],
        )
        _write_order(db, operation_id, [r["premises_id"] for r in _site_ids(db, operation_id)])
        _touch(db, operation_id)
        audit.record(
            "operation.remove_site", "operations", operation_id, db=db, premises_id=premises_id
        )


def move_site(db: Database, operation_id: int, premises_id: int, to_position: int) -> None:
    """Move a premises to ``to_position`` (1 = first, clamped to the list) by hand."""
    order = [r["premises_id"] for r in _site_ids(db, operation_id)]
    if premises_id not in order:
        raise NotFoundError(f"Premises {premises_id} is not in operation {operation_id}")
    order.remove(premises_id)
    to_position = min(max(to_position, 1), len(order) + 1)
    order.insert(to_position - 1, premises_id)
    with transaction(db):
        _write_order(db, operation_id, order)
        db.execute("UPDATE operations SET order_is_manual = 1 WHERE id = ?", [operation_id])
        _touch(db, operation_id)
        audit.record(
            "operation.move_site",
            "operations",
            operation_id,
            db=db,
            premises_id=premises_id,
            position=to_position,
        )


def _site_ids(db: Database, operation_id: int) -> list[dict]:
    return query(
        db,
        "SELECT premises_id, position FROM operation_sites WHERE operation_id = ? "
        "ORDER BY position, premises_id",
        [operation_id],
    )


def _touch(db: Database, operation_id: int) -> None:
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
                    last_seen=visited_at[:10],
                )
    return {pid: list(items.values()) for pid, items in found.items()}


# -- Outcomes ---------------------------------------------------------------------------------


def save_outcome(
    db: Database,
    operation_id: int,
    premises_id: int,
    values: dict,
    *,
    user_id: int,
    flag: tuple[str, str] | None = None,
) -> None:
    """Record (or correct) what happened at one site, and optionally change its flag
    with a reason, in one transaction. ``values`` has visited, not_visited_reason, the
    counts, enforcement_actions (a list of ids) and note."""
    from fieldapp.queries import premises as premises_q

    row = {
        "visited": 1 if values["visited"] else 0,
        "not_visited_reason": None if values["visited"] else values["not_visited_reason"],
        **{k: int(values[k]) for k in COUNTS},
        "enforcement_actions": json.dumps(
            [a for a in ENFORCEMENT_ACTIONS if a in values["enforcement_actions"]]
        ),
        "note": values["note"],
    }
    with transaction(db):
        existed = one(
            db,
            "SELECT 1 AS x FROM operation_outcomes WHERE operation_id = ? AND premises_id = ?",
            [operation_id, premises_id],
        )
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
        # The audit row keeps the figures, not the note: it may be read more widely.
        audit.record(
            "operation.outcome.update" if existed else "operation.outcome.create",
            "operation_outcomes",
            f"{operation_id}:{premises_id}",
            db=db,
            **{k: v for k, v in row.items() if k != "note"},
            flag=flag[0] if flag else None,
        )
        if flag:
            action, reason = flag
            premises_q.set_flag(db, premises_id, action=action, reason=reason, user_id=user_id)


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


def totals(rows: Iterable[dict]) -> dict:
    """Add up outcomes: sites recorded, visited and not, each count, each action."""
    result = {
        "recorded": 0,
        "visited": 0,
        "not_visited": 0,
        **{k: 0 for k in COUNTS},
        "actions": {a: 0 for a in ENFORCEMENT_ACTIONS},
    }
    for row in rows:
        result["recorded"] += 1
        result["visited" if row["visited"] else "not_visited"] += 1
        for k in COUNTS:
            result[k] += row[k]
        for action in row["enforcement_actions"]:
            if action in result["actions"]:
                result["actions"][action] += 1
    result["referrals"] = sum(result[k] for k in REFERRALS)
    result["enforcement"] = sum(result["actions"].values())
    return result


def figures(db: Database, start: date, end: date) -> dict:
    """What councillors ask about operations dated ``start`` to ``end`` (inclusive)."""
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
    by_operation: dict[int, list[dict]] = {}
    for row in rows:
        by_operation.setdefault(row["operation_id"], []).append(row)
    for op in ops:
        op["totals"] = totals(by_operation.get(op["id"], []))
    partners = query(
        db,
        "SELECT p.agency, count(*) AS operations FROM operation_partners p "
        "JOIN operations o ON o.id = p.operation_id WHERE o.operation_date BETWEEN ? AND ? "
        "GROUP BY p.agency ORDER BY operations DESC, p.agency",
        params,
    )
    # Safeguarding referrals recorded on ordinary visits in the same period, for comparison.
    routine = dict(
        db.execute(
            "SELECT route, count(*) FROM referrals WHERE made_at >= ? AND made_at < ? "
            "GROUP BY route",
            [start.isoformat(), (end + timedelta(days=1)).isoformat()],
        ).fetchall()
    )
    return {
        "operations": ops,
        "totals": totals(rows),
        "sites_planned": sum(op["site_count"] for op in ops),
        "premises_count": len({r["premises_id"] for r in rows if r["visited"]}),
        "partners": partners,
        "routine_referrals": routine,
    }
