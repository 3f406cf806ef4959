"""Removing the oldest rows of the audit trail, the export log and the read log under the
retention schedule, in sealed segments so what remains still verifies.

For each log, the rows past their period are taken oldest first, in id order, as one run
that stops at the first row still inside its period, and never includes the newest row
(the audit trail's head, which anchors and the next row chain to). Each batch is one
transaction: a seal (fieldapp.log_seals says what it holds and how it is checked), one
tombstone for the whole range ("ids A-B", counted from the newest time in it), then the
delete, which the tables' triggers allow only for ids a seal covers. Audit rows of the
last 24 hours are never removed, whatever ``--now`` or the schedule says. No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlite_utils import Database

from fieldapp import audit, log_seals
from fieldapp.checklists.retention import Retention
from fieldapp.queries import log_seals as seals_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso, utcnow

# (record type in retention.toml, the log's name in log_seals, its table)
LOGS: tuple[tuple[str, str, str], ...] = (
    ("audit", "audit", "audit"),
    ("export_log", "export_log", "export_log"),
    ("read_audit", "reads", "reads"),
)
AUDIT_KEPT_AT_LEAST = timedelta(hours=24)


@dataclass
class Removed:
    """What went: rows by (record type, table), and the id ranges sealed, by table."""

    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    ranges: dict[str, list[str]] = field(default_factory=dict)


def _seal_batch(db: Database, log: str, rows: list[dict], record_type: str, words: str) -> bool:
    """Seal and remove one batch (inside the caller's transaction); False if it may not go."""
    previous = seals_q.last_seal(db, log)
    first_id = previous["last_id"] + 1 if previous else 1
    after = seals_q.next_id_after(db, log, rows[-1]["id"])
    if after is None:  # never the newest row: the range must end before a row that stays
        return False
    times = sorted(row["at"] for row in rows)
    sealed_at = now_iso()
    seal = (
        log,
        first_id,
        after - 1,
        len(rows),
        times[0],
        times[-1],
        rows[-1]["hash"],
        sealed_at,
    )
    record_id = f"ids {first_id}-{after - 1}"
    tombstone = (record_type, seals_q.LOGS[log][0], record_id, times[-1], words, sealed_at)
    seals_q.seal_and_remove(db, seal, log_seals.MAC_VERSION, audit.seal_mac(*seal), tombstone)
    return True


def _apply_log(
    db: Database, record_type: str, log: str, rule: Retention, now: str, batch: int
) -> tuple[int, list[str]]:
    words = f"{record_type}: kept {rule.period} after {rule.after}"
    shift = f"-{int(rule.months)} months"
    # The period alone is at least a month (the schedule is in whole months); the audit
    # trail also keeps its last 24 hours by the clock, whatever ``now`` says.
    guard = (utcnow() - AUDIT_KEPT_AT_LEAST).isoformat() if log == "audit" else now
    stop = seals_q.stop_at(db, log, now, shift, guard)
    count, ranges = 0, []
    while stop is not None:
        with transaction(db):
            rows = seals_q.next_batch(db, log, stop, batch)
            if not rows or not _seal_batch(db, log, rows, record_type, words):
                break
            seal = seals_q.last_seal(db, log)
        count += len(rows)
        ranges.append(f"ids {seal['first_id']}-{seal['last_id']}")
    return count, ranges


def apply(db: Database, schedule: Mapping[str, Retention], now: str, batch: int) -> Removed:
    """Remove what is past its period at ``now`` from each log the schedule covers."""
    removed = Removed()
    for record_type, log, table in LOGS:
        rule = schedule.get(record_type)
        if rule is None:
            continue
        count, ranges = _apply_log(db, record_type, log, rule, now, batch)
        removed.rows[(record_type, table)] = count
        if ranges:
            removed.ranges[table] = ranges
    return removed
