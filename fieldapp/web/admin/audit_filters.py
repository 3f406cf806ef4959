"""The audit log page's filters: who, what, which record, which UK days, and (for reads) why.

Read from the query string; every mistake is reported against its field, GOV.UK style, and
no filter is applied until all are right. A date means that whole day in the UK (GMT or
BST): "from 1 June" starts at midnight in London, 23:00 UTC on 31 May in summer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from fieldapp import accounts, audit_labels
from fieldapp.audit import COMMAND_LINE
from fieldapp.queries import read_audit as read_audit_q
from fieldapp.timeutil import DATE_PARTS, typed_date, uk_day_end_utc, uk_day_start_utc

DATES = {"from": "From date", "to": "To date"}
# What each kind of log can be narrowed to.
ARGUMENTS = {
    "changes": ("person", "action", "record-type", "record-id"),
    "reads": ("person", "record-type", "record-id", "why"),
}
DATE_ARGUMENTS = tuple(f"{name}-{part}" for name in DATES for part in DATE_PARTS)
# The record types each log points at, in the order offered.
RECORD_CHOICES = {
    "changes": (
        "users",
        "visits",
        "premises",
        "operations",
        "operation_outcomes",
        "referrals",
        "training",
        "api_tokens",
        "export_log",
    ),
    "reads": ("visits", "photos", "premises", "operations", "export_log", "audit", "reads"),
}
LONGEST_TYPED = 200  # of what was typed, shown again in its box
_TEXT_ID = re.compile(r"[0-9A-Za-z:-]{1,64}")


@dataclass
class Chosen:
    """What the filters ask for: ``values`` for the query, the problems by field id (the
    error summary links to each), what was typed, and ``args`` to keep in page links."""

    kind: str
    values: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    typed: dict[str, str] = field(default_factory=dict)
    wrong_boxes: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def args(self) -> dict[str, str]:
        """The filter arguments given, to carry into pagination links."""
        return {name: value for name, value in self.typed.items() if value}

    @property
    def active(self) -> bool:
        return bool(self.args)


def read(args: Mapping[str, str], kind: str) -> Chosen:
    """The filters ``args`` ask for on the ``kind`` ("changes" or "reads") log."""
    chosen = Chosen(kind)
    for name in (*ARGUMENTS[kind], *DATE_ARGUMENTS):
        chosen.typed[name] = str(args.get(name) or "").strip()[:LONGEST_TYPED]
    _person(chosen, str(args.get("person") or "").strip())
    if kind == "changes":
        _choice(chosen, "action", audit_labels.ACTIONS, "Select an action from the list")
    else:
        _choice(chosen, "why", read_audit_q.WHY, "Select a reason from the list")
    _record(chosen)
    days = {name: _day(chosen, name) for name in DATES}
    if days["from"] and days["to"] and days["to"] < days["from"]:
        chosen.errors["to"] = "To date must be the same as or after the from date"
        chosen.wrong_boxes["to"] = DATE_PARTS
    elif not chosen.errors:
        if days["from"]:
            chosen.values["since"] = uk_day_start_utc(days["from"]).isoformat()
        if days["to"]:
            chosen.values["before"] = uk_day_end_utc(days["to"]).isoformat()
    return chosen


def _person(chosen: Chosen, typed: str) -> None:
    if not typed:
        return
    if typed == COMMAND_LINE.username or accounts.USERNAME_PATTERN.fullmatch(typed):
        chosen.values["username"] = typed
    elif len(typed) > 64:
        chosen.errors["person"] = "Username must be 64 characters or fewer"
    else:
        chosen.errors["person"] = (
            "Username can only contain letters, numbers, full stops, hyphens and "
            "underscores, like ivy.inspector"
        )


def _choice(chosen: Chosen, name: str, allowed: Mapping[str, str], problem: str) -> None:
    typed = chosen.typed[name]
    if not typed:
        return
    if typed in allowed:
        chosen.values[name] = typed
    else:
        chosen.errors[name] = problem


def _record(chosen: Chosen) -> None:
    """The record type and id: a type alone is every record of that type."""
    table, typed_id = chosen.typed["record-type"], chosen.typed["record-id"]
    if table and table not in RECORD_CHOICES[chosen.kind]:
        chosen.errors["record-type"] = "Select a type of record from the list"
        return
    if typed_id and not table:
        chosen.errors["record-type"] = "Select the type of record the number is for"
        return
    if table:
        chosen.values["table_name"] = table
    if not typed_id:
        return
    if table in audit_labels.TEXT_IDS:
        if _TEXT_ID.fullmatch(typed_id):
            chosen.values["record_id"] = typed_id.lower()
        else:
            chosen.errors["record-id"] = (
                "Enter the record's reference as the log shows it, in letters, numbers and hyphens"
            )
    elif typed_id.isascii() and typed_id.isdigit() and len(typed_id) <= 18:
        chosen.values["record_id"] = str(int(typed_id))
    else:
        chosen.errors["record-id"] = "Record number must be a whole number, like 12"


def _day(chosen: Chosen, name: str) -> date | None:
    """One typed date (None if left blank, which means any date, or wrong, the problem
    recorded)."""
    parts = {part: chosen.typed[f"{name}-{part}"] for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    typed, problem, wrong = typed_date(parts, DATES[name], example="31 5 2026")
    if problem:
        chosen.errors[name] = problem
        chosen.wrong_boxes[name] = wrong
    return typed


def error_list(chosen: Chosen) -> list[dict[str, str]]:
    """The error summary's items, each linking to the box to correct, in page order."""
    order = [*ARGUMENTS[chosen.kind], *DATES]
    items = []
    for name in order:
        if name in chosen.errors:
            box = f"{name}-{chosen.wrong_boxes[name][0]}" if name in DATES else name
            items.append({"text": chosen.errors[name], "href": f"#{box}"})
    return items
