"""Removing the records other records hang on, under the retention schedule: referrals
(with their steps), photos (rows and files), visits (every revision, with answers, price
checks and photos), operations (with sites, partners and outcomes), training (with
withdrawals) and premises with no activity. Called by :func:`fieldapp.retention.apply`,
whose docstring gives the rules. No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from sqlite_utils import Database

from fieldapp import photos as photo_files
from fieldapp.checklists.retention import Retention
from fieldapp.queries import retention_records as records_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso

# What a count of child rows is called in a tombstone's rule.
_CHILD_WORDS = {
    "referral_steps": "steps",
    "answers": "answers",
    "price_observations": "price checks",
    "operation_sites": "sites",
    "operation_partners": "partners",
    "operation_outcomes": "outcomes",
    "training_withdrawals": "withdrawals",
}


def _words(record_type: str, rule: Retention) -> str:
    return f"{record_type}: kept {rule.period} after {rule.after}"


def _rule(words: str, counts: dict[str, int]) -> str:
    """The rule, with how many child rows went with the record (numbers only)."""
    went = ", ".join(f"{n} {_CHILD_WORDS[t]}" for t, n in counts.items() if n)
    return f"{words}; with {went}" if went else words


class _Batch:
    """One transaction's removals: tombstones first, then deletes in order."""

    def __init__(self, db: Database, stamp: str) -> None:
        self.db, self.stamp = db, stamp
        self.tombstones: list[tuple] = []
        self.deletes: list[tuple[str, str, list]] = []
        self.photos: list[dict] = []

    def photos_of(self, column: str, keys: list, words: str) -> None:
        found = records_q.photos(self.db, column, keys)
        self.photos += found
        self.tombstones += [
            ("photos", "photos", p["id"], p["at"], words, self.stamp) for p in found
        ]
        self.deletes.append(("photos", "id", [p["id"] for p in found]))

    def family(self, record_type: str, table: str, records: list[dict], words: str) -> None:
        rows = records_q.members(self.db, record_type, records)
        ids = [r["id"] for r in rows]
        children = records_q.CHILDREN.get(record_type, ())
        counts = {t: records_q.child_counts(self.db, t, c, ids) for t, c in children}
        for row in rows:
            rule = _rule(words, {t: n.get(row["id"], 0) for t, n in counts.items()})
            self.tombstones.append(
                (record_type, table, str(row["id"]), row["at"], rule, self.stamp)
            )
        self.deletes += [(t, c, ids) for t, c in children]
        self.deletes.append((table, "id", ids))

    def commit(self) -> dict[str, int]:
        return records_q.remove(self.db, self.tombstones, self.deletes)


def _one_batch(
    db: Database,
    record_type: str,
    table: str,
    sql: str,
    schedule: Mapping[str, Retention],
    now: str,
    batch: int,
) -> tuple[dict[str, int], list[dict]]:
    """Remove one batch of ``record_type``: rows gone by table, and the photos whose rows
    went (their files are removed only once this has committed)."""
    rule = schedule[record_type]
    with transaction(db):
        records = records_q.due(db, sql, rule.months, now, batch)
        if not records:
            return {}, []
        work = _Batch(db, now_iso())
        words = _words(record_type, rule)
        if record_type == "photos":
            work.photos_of("id", [r["key"] for r in records], words)
        else:
            if record_type == "visits":
                visit_ids = [r["id"] for r in records_q.members(db, "visits", records)]
                work.photos_of("visit_id", visit_ids, f"photos: went with their visit ({words})")
            work.family(record_type, table, records, words)
        return work.commit(), work.photos


def apply(
    db: Database,
    schedule: Mapping[str, Retention],
    now: str,
    batch: int,
    upload_dir: Path | None,
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], int], int]:
    """Remove the records past their period at ``now``: rows gone by (type, table), records
    held back by (type, why), and how many photo files were deleted.

    A photo's files are deleted after its row's removal has committed; without
    ``upload_dir`` they are left for ``flask photos sweep``, which removes files no stored
    photo owns.
    """
    removed: dict[tuple[str, str], int] = {}
    held: dict[tuple[str, str], int] = {}
    files = 0
    for record_type, table, sql in records_q.RECORDS:
        if record_type not in schedule:
            continue
        removed.setdefault((record_type, table), 0)
        while True:
            gone, photo_rows = _one_batch(db, record_type, table, sql, schedule, now, batch)
            if not gone:
                break
            for gone_table, count in gone.items():
                owner = "photos" if gone_table == "photos" else record_type
                key = (owner, gone_table)
                removed[key] = removed.get(key, 0) + count
            if upload_dir is not None:
                files += photo_files.remove_rows(Path(upload_dir) / "visits", photo_rows)
        months = schedule[record_type].months
        for why, count in records_q.held(db, sql, months, now).items():
            held[(record_type, why)] = count
    return removed, held, files


def held_back(db: Database, schedule: Mapping[str, Retention], now: str) -> dict:
    """Records past their period that would be held back as things stand, by (type, why)
    (``retention report``: referrals removed first in a run may free some of them)."""
    held: dict[tuple[str, str], int] = {}
    for record_type, _table, sql in records_q.RECORDS:
        if record_type in schedule:
            months = schedule[record_type].months
            for why, count in records_q.held(db, sql, months, now).items():
                held[(record_type, why)] = count
    return held
