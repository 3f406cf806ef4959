"""What the audit trail's codes mean, in words an administrator or a DPO can read.

Every action code the app writes with ``audit.record`` has its label here (a test reads
the source for each code written and fails on one without a label), every kind of record
the trail and the read log point at has its name, and the detail's keys theirs. A code
with no label (written by an older version, or by hand) is shown as it was recorded.
Pure: no Flask, no database.
"""

from __future__ import annotations

import json
from typing import Any

ACTIONS = {
    "api_token.create": "API token created",
    "api_token.revoke": "API token revoked",
    "auth.sign_in": "Signed in",
    "auth.sign_in_delayed": "Sign-in refused: waiting after failed attempts",
    "auth.sign_in_failed": "Sign-in failed",
    "auth.sign_out": "Signed out",
    "auth.sign_out_everywhere": "Signed out on every device",
    "auth.throttled": "Sign-in refused: too many attempts",
    "demo.load": "Demonstration data loaded",
    "export.sent": "Data exported or sent by API",
    "operation.add_sites": "Sites added to an operation",
    "operation.create": "Operation planned",
    "operation.move_site": "Site moved in an operation's route",
    "operation.optimise": "Operation route optimised",
    "operation.outcome.create": "Operation outcome recorded",
    "operation.outcome.update": "Operation outcome changed",
    "operation.remove_site": "Site removed from an operation",
    "operation.update": "Operation details changed",
    "premises.clear": "Premises risk override cleared",
    "premises.create": "Premises added",
    "premises.flag": "Premises flagged as high risk",
    "premises.import": "Premises list imported",
    "premises.import_create": "Premises added by an import",
    "premises.import_update": "Premises changed by an import",
    "premises.place": "Premises position set",
    "premises.placed_by_visit": "Premises position set from a visit",
    "premises.unflag": "Premises marked as not high risk",
    "referral.correct": "Referral corrected",
    "referral.create": "Referral recorded",
    "referral.steps": "Referral next steps recorded",
    "report.download": "Report downloaded",
    "retention.apply": "Old records removed under the retention schedule",
    "training.download": "Training records downloaded",
    "training.record": "Training recorded",
    "training.withdraw": "Training record withdrawn",
    "user.anonymise": "User's name removed (anonymised)",
    "user.create": "User created",
    "user.reset_password": "User's password reset",
    "user.sign_out_everywhere": "User signed out everywhere by an administrator",
    "user.subject_access": "Subject access copy made for a user",
    "user.unlock": "User's sign-in delays cleared",
    "user.update": "User changed",
    "visit.amend": "Visit corrected",
    "visit.create": "Visit recorded",
}

# The tables the trail and the read log point at, as a record of that kind is called.
RECORD_TYPES = {
    "api_tokens": "API token",
    "audit": "Audit log",
    "export_log": "Export",
    "operation_outcomes": "Operation outcome",
    "operations": "Operation",
    "photos": "Photo",
    "premises": "Premises",
    "reads": "Read log",
    "referrals": "Referral",
    "training": "Training record",
    "users": "User",
    "visits": "Visit",
}
# Record types whose ids are references (UUIDs or pairs), not whole numbers.
TEXT_IDS = frozenset({"visits", "photos", "operation_outcomes"})

DETAIL_KEYS = {
    "agency": "Agency",
    "amends": "Corrects visit",
    "attempted": "Username tried",
    "band": "Risk band",
    "corrects": "Corrects referral",
    "ended": "Sessions ended",
    "expires_at": "Expires",
    "failures_cleared": "Failed attempts cleared",
    "file": "File",
    "for_user_id": "For user",
    "format": "Format",
    "lead_agency": "Lead agency",
    "location_source": "Position from",
    "new_username": "Username",
    "operation_date": "Operation date",
    "premises_id": "Premises",
    "premises_ids": "Premises",
    "red_flags": "Red flags",
    "sha256": "SHA-256 of what was sent",
    "skipped_by_sector": "Skipped (other sector)",
    "source_filter": "Sites chosen by",
    "total_m": "Route length (metres)",
    "trained_on": "Trained on",
    "visit_id": "Visit",
    "wait_seconds": "Wait (seconds)",
    "was": "Was",
    "why": "Why",
    "without_location": "Without a position",
}
# Longer than this, a value is cut short on the page (the whole row is in the database).
LONGEST_VALUE = 300


def action_label(code: str | None) -> str:
    """The words for an action code, or the code itself if it has none."""
    return ACTIONS.get(code or "", code or "")


def record_type(table: str | None) -> str:
    """The words for a kind of record, or the table's name if it has none."""
    return RECORD_TYPES.get(table or "", table or "")


def key_label(key: str) -> str:
    """A detail key in words: its own label, or the key with its underscores as spaces."""
    if key in DETAIL_KEYS:
        return DETAIL_KEYS[key]
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def _value_text(value: Any) -> str:
    """A detail value as a short line of text."""
    if value is None:
        text = "none"
    elif value is True or value is False:
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(_value_text(item) for item in value) or "none"
    elif isinstance(value, dict):
        text = "; ".join(f"{key_label(str(k))}: {_value_text(v)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


def detail_items(detail: str | None) -> list[tuple[str, str]]:
    """A row's detail (JSON as recorded) as (label, value) pairs, in the order written,
    leaving out fields recorded as null.
    Detail that is not a JSON object is one pair, "Detail", holding it as text."""
    if not detail:
        return []
    try:
        parsed = json.loads(detail)
    except ValueError:
        parsed = detail
    if not isinstance(parsed, dict):
        return [("Detail", _value_text(parsed))]
    items = []
    for key, value in parsed.items():
        if value is None:
            continue  # a field that did not apply ("corrects visit: none"): left out
        if key == "changes" and isinstance(value, dict):
            # {field: [before, after]}: one line a field, "before → after".
            items.extend(_change(str(field), pair) for field, pair in value.items())
        else:
            items.append((key_label(str(key)), _value_text(value)))
    return items


def _change(field: str, pair: Any) -> tuple[str, str]:
    """One changed field as ("<Field> changed", "before → after")."""
    if isinstance(pair, list) and len(pair) == 2:
        return f"{key_label(field)} changed", f"{_value_text(pair[0])} → {_value_text(pair[1])}"
    return f"{key_label(field)} changed", _value_text(pair)
