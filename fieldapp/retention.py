"""Applying the retention schedule: removing what is past its period, each removal leaving
a tombstone (type, id, dates, rule; no content), in batches, so a long backlog never holds
the write lock for long.

Removed so far: sign-in sessions and attempts, geocoder look-ups, old place-file load
records (the newest of each kind is kept), saved import mappings, and the oldest rows of
the audit trail, export log and read log (in sealed segments, one tombstone a segment, so
what remains still verifies: fieldapp.log_retention). The other record types are reported
as waiting, with why: visits, photos, referrals, operations and premises carry the running
report totals and photo files with them. No Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from sqlite_utils import Database

from fieldapp import audit, log_retention
from fieldapp.checklists.retention import Retention
from fieldapp.queries import retention as retention_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso

WAITING = {
    "visits": "removing visits must also take them out of the report totals: not yet built",
    "photos": "photos go with their visits",
    "referrals": "referrals are append-only and carry the report totals: not yet built",
    "operations": "operations go with their outcomes and report totals: not yet built",
    "premises": "premises carry the report totals and visits: not yet built",
    "training": "officers' training history: not yet built",
}


def _record_id(key, hashed: bool) -> str:
    if hashed:  # the key is itself content (an address looked up)
        return "sha256:" + hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:16]
    return str(key)


def apply(
    db: Database, schedule: Mapping[str, Retention], now: str, batch: int = 500
) -> dict[tuple[str, str], int]:
    """Remove what is past its period at ``now``; how many rows went, by type and table."""
    removed: dict[tuple[str, str], int] = {}
    for record_type, table, rows_sql, column, hashed in retention_q.REMOVABLE:
        rule = schedule.get(record_type)
        if rule is None:
            continue
        words = f"{record_type}: kept {rule.period} after {rule.after}"
        count = 0
        while True:
            rows = retention_q.removable(db, rows_sql, rule.months, now, batch)
            if not rows:
                break
            stamp = now_iso()
            tombstones = [
                (record_type, table, _record_id(r["key"], hashed), r["at"], words, stamp)
                for r in rows
            ]
            with transaction(db):
                retention_q.remove(db, table, column, [r["key"] for r in rows], tombstones)
            count += len(rows)
        removed[(record_type, table)] = count
    logs = log_retention.apply(db, schedule, now, batch)
    removed.update(logs.rows)
    if any(removed.values()):
        audit.record(
            "retention.apply",
            db=db,
            removed={f"{t}.{table}": n for (t, table), n in removed.items() if n},
            **({"sealed": logs.ranges} if logs.ranges else {}),
        )
    return removed
