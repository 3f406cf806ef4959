"""Joint operations: the rules of a plan and its outcomes, apart from the SQL and the pages.

What an operation may hold, the visiting order and the route's legs (with
:mod:`fieldapp.routing`), the outcome a site records and the totals councillors see. The
steps that change a plan take a database, group the writes from
:mod:`fieldapp.queries.operations` in one transaction and audit them there. Outcomes hold
counts and action types only: never who a worker or potential victim is.

No Flask: the web layer, scripts and tests call these the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date

from sqlite_utils import Database

from fieldapp import audit, routing
from fieldapp.queries import operations as operations_q
from fieldapp.queries import premises as premises_q
from fieldapp.queries import transaction
from fieldapp.timeutil import format_uk_date

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
    with transaction(db):
        operation_id = operations_q.insert(
            db, details=details, source_filter=source_filter, user_id=user_id
        )
        operations_q.set_partners(db, operation_id, partners)
        unique = list(dict.fromkeys(premises_ids))
        operations_q.insert_sites(db, operation_id, unique)
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
    before = operations_q.get(db, operation_id)
    with transaction(db):
        operations_q.update_details(db, operation_id, details)
        operations_q.set_partners(db, operation_id, partners)
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


def add_sites(db: Database, operation_id: int, premises_ids: Sequence[int]) -> list[int]:
    """Add premises not already in the operation; return the ids added. The optimiser
    places them unless the coordinator has set the order by hand (then they go last)."""
    op = operations_q.get(db, operation_id)
    present = {r["premises_id"] for r in operations_q.site_ids(db, operation_id)}
    new = [pid for pid in dict.fromkeys(premises_ids) if pid not in present]
    if not new:
        return []
    with transaction(db):
        operations_q.insert_sites(db, operation_id, new, after=len(present))
        if not op["order_is_manual"]:
            _optimise(db, operation_id)
        operations_q.touch(db, operation_id)
        audit.record("operation.add_sites", "operations", operation_id, db=db, premises_ids=new)
    return new


# -- The route ---------------------------------------------------------------------------------


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


def visiting_order(op: dict, rows: list[dict]) -> tuple[list[int], routing.Route]:
    """The optimiser's order of premises ids (unlocated sites last, in their old order) and
    the planned route through the located ones."""
    located = [r for r in rows if _located(r)]
    planned = routing.plan(_start(op), [(r["latitude"], r["longitude"]) for r in located])
    order = [located[i]["id"] for i in planned.order] + [r["id"] for r in rows if not _located(r)]
    return order, planned


def _optimise(db: Database, operation_id: int) -> routing.Route:
    """Put the sites in the optimiser's order (unlocated sites last, in their old order)."""
    op = operations_q.operation_row(db, operation_id)
    order, planned = visiting_order(op, operations_q.sites(db, operation_id))
    operations_q.write_order(db, operation_id, order)
    operations_q.mark_optimised(db, operation_id)
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


# -- Outcomes ---------------------------------------------------------------------------------


def outcomes_not_yet(op: dict, today: date) -> str | None:
    """Why no outcome can be recorded for ``op`` yet (it is dated after ``today``, the UK
    date), or None once its day has come: nothing can have happened at a site before."""
    day = date.fromisoformat(op["operation_date"])
    if day <= today:
        return None
    return (
        f"{op['name']} is planned for {format_uk_date(day)}. Outcomes can be recorded from "
        "that day: check the date of the operation if it has already happened."
    )


def outcome_row(values: dict) -> dict:
    """The outcome as stored from the form's ``values``: visited as 0/1, a reason only when
    not visited, whole-number counts, and the known actions (as JSON) in their listed order."""
    return {
        "visited": 1 if values["visited"] else 0,
        "not_visited_reason": None if values["visited"] else values["not_visited_reason"],
        **{k: int(values[k]) for k in COUNTS},
        "enforcement_actions": json.dumps(
            [a for a in ENFORCEMENT_ACTIONS if a in values["enforcement_actions"]]
        ),
        "note": values["note"],
    }


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
    row = outcome_row(values)
    with transaction(db):
        existed = operations_q.has_outcome(db, operation_id, premises_id)
        operations_q.write_outcome(db, operation_id, premises_id, row, user_id=user_id)
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
    found = operations_q.in_period(db, start, end)
    ops, rows = found["operations"], found["outcomes"]
    by_operation: dict[int, list[dict]] = {}
    for row in rows:
        by_operation.setdefault(row["operation_id"], []).append(row)
    for op in ops:
        op["totals"] = totals(by_operation.get(op["id"], []))
    return {
        "operations": ops,
        "totals": totals(rows),
        "sites_planned": sum(op["site_count"] for op in ops),
        "premises_count": len({r["premises_id"] for r in rows if r["visited"]}),
        "partners": found["partners"],
        "routine_referrals": found["routine_referrals"],
    }
