"""Applying the retention schedule: removing what is past its period, each removal leaving
a tombstone (type, table, id, the time its period ran from, the rule, when; no content), in
batches of ``batch`` records, one transaction each, so a long backlog never holds the write
lock for long and a failed batch removes nothing.

Removed: sign-in sessions and attempts, geocoder look-ups, old place-file load records (the
newest of each kind is kept) and saved import mappings (here); and, in this order, referrals,
photos, visits, operations, training and premises (fieldapp.retention_records), under these
rules:

- A record goes with its family: a visit is every revision of it (with answers, price
  checks and photos), counted from its latest; a referral is it and its corrections (with
  their steps), counted from the last step on any; an operation takes its sites, partners
  and outcomes; a training record its withdrawal.
- Nothing goes while something still kept refers to it. A visit is held while a referral
  still kept names it (operation outcomes name premises, not visits); a premises while any
  visit, referral, operation site or outcome of it is kept, and is otherwise counted from
  its last visit, edit or import. Referrals go first, so a visit they held can go in the
  same run. What is held back is counted, by why, in ``retention report`` and ``apply``.
- Photos are counted from when they were taken: past the photos period a photo goes on its
  own, and it goes with its visit at the latest. A photo's files (original and stripped
  copy, final or pending) are deleted only after its row's removal has committed: a crash
  between leaves at worst files no row owns, which ``flask photos sweep`` removes (a backup
  never expects them), never a row whose file is gone.
- Each removed row of a main record (referral, photo, visit revision, operation, training,
  premises) leaves a tombstone; rows that went with it are counted in its rule ("with 3
  answers"). Referrals and training are append-only: m023's triggers refuse their DELETE
  unless the tombstone is already written, so tombstones are written first in each batch.
- The report running totals follow each deletion (m023's triggers), so they still equal a
  fresh count of what is stored; figures for periods older than the retention period count
  only the records still held.

The oldest rows of the audit trail, export log and read log go in sealed segments, one
tombstone a segment, so what remains still verifies (fieldapp.log_retention). No Flask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlite_utils import Database

from fieldapp import audit, log_retention, retention_records
from fieldapp.checklists.retention import Retention
from fieldapp.queries import retention as retention_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso


@dataclass
class Applied:
    """What a run removed, by (type, table); what it held back, by (type, why); and how
    many photo files it deleted."""

    removed: dict[tuple[str, str], int] = field(default_factory=dict)
    held: dict[tuple[str, str], int] = field(default_factory=dict)
    files: int = 0


def _record_id(key, hashed: bool) -> str:
    if hashed:  # the key is itself content (an address looked up)
        return "sha256:" + hashlib.sha256(str(key).encode("utf-8")).hexdigest()[:16]
    return str(key)


def apply(
    db: Database,
    schedule: Mapping[str, Retention],
    now: str,
    batch: int = 500,
    upload_dir: Path | None = None,
) -> Applied:
    """Remove what is past its period at ``now``; photo files under ``upload_dir``."""
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
    more, held, files = retention_records.apply(db, schedule, now, batch, upload_dir)
    removed.update(more)
    logs = log_retention.apply(db, schedule, now, batch)
    removed.update(logs.rows)
    if any(removed.values()):
        audit.record(
            "retention.apply",
            db=db,
            removed={f"{t}.{table}": n for (t, table), n in removed.items() if n},
            held_back={f"{t}: {why}": n for (t, why), n in held.items()},
            photo_files=files,
            **({"sealed": logs.ranges} if logs.ranges else {}),
        )
    return Applied(removed, held, files)
