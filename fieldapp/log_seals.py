"""Checking the seals retention leaves where it removed the oldest rows of the audit
trail, the export log and the read log (``flask audit verify``, backup verify and restore).

A seal covers an id range of one log: the first seal starts at row 1, each next one
starts right after the one before, and the oldest row still in the log comes right after
the last seal, so removed rows are all accounted for and nothing was removed beyond a
seal. Each seal carries a MAC under the audit key over what it says, so a seal written
without the key (to cover rows removed by hand) or changed later does not verify. For the
audit trail the last seal also holds the hash of the last row it covers: the oldest row
kept must link to it (fieldapp.audit checks that link with the rest of the chain).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlite_utils import Database

from fieldapp.queries import log_seals as seals_q

NAMES = {"audit": "audit trail", "export_log": "export log", "reads": "read log"}
MAC_VERSION = 1  # HMAC-SHA256 under the audit key, as the audit rows


def values(seal: Mapping) -> list:
    """What a seal's MAC covers, in order."""
    return [seal[column] for column in seals_q.SEAL_COLUMNS]


@dataclass(frozen=True)
class SealCheck:
    """What checking every log's seals found."""

    problems: tuple[str, ...] = ()
    seals: int = 0
    rows: dict[str, int] | None = None  # rows removed under seals, by log
    audit_start: tuple[int, str | None] | None = None  # last sealed audit id, its hash

    def summary(self) -> str:
        """The seals in words, for the verify report ("" when there are none)."""
        if not self.seals:
            return ""
        removed = ", ".join(
            f"{count} {NAMES[log]} rows" for log, count in (self.rows or {}).items() if count
        )
        return f"{self.seals} retention seals verify (removed under them: {removed})"


def _gap(log: str, where: str, start: int, end: int) -> str:
    rows = f"row {start} is" if start == end else f"rows {start}-{end} are"
    return (
        f"{where}: {NAMES[log]} {rows} missing before it and no seal covers them: "
        "rows were removed without a seal, or a seal was removed"
    )


def _check_ranges(log: str, seals: list[dict], mac: Callable[..., str]) -> tuple[list[str], int]:
    """Problems with one log's seals themselves, and the id the next row must have."""
    problems, expected = [], 1
    for seal in seals:
        where = f"{NAMES[log]} seal {seal['id']} (rows {seal['first_id']}-{seal['last_id']})"
        if seal["mac_version"] != MAC_VERSION or seal["mac"] != mac(*values(seal)):
            problems.append(
                f"{where}: its MAC does not match: it was forged or changed by someone "
                "without the audit key"
            )
        if seal["first_id"] > expected:
            problems.append(_gap(log, where, expected, seal["first_id"] - 1))
        elif seal["first_id"] < expected:
            problems.append(
                f"{where}: it overlaps the seal before it, which ended at row {expected - 1}"
            )
        expected = max(expected, seal["last_id"] + 1)
    return problems, expected


def _check_log(db: Database, log: str, mac: Callable[..., str]) -> tuple[list[dict], list[str]]:
    seals = seals_q.seals(db, log)
    problems, expected = _check_ranges(log, seals, mac)
    kept = seals_q.first_kept(db, log)
    if kept is None:
        if seals:
            problems.append(
                f"{NAMES[log]}: no rows after seal {seals[-1]['id']}: the newest rows were "
                "removed, which retention never does"
            )
    elif kept["id"] > expected:
        problems.append(_gap(log, f"{NAMES[log]} row {kept['id']}", expected, kept["id"] - 1))
    elif kept["id"] < expected:
        problems.append(
            f"{NAMES[log]} row {kept['id']}: seal {seals[-1]['id']} says it was removed, yet "
            "it is still there: the seal or the row was added by hand"
        )
    return seals, problems


def check(db: Database, mac: Callable[..., str]) -> SealCheck:
    """Check every log's seals with ``mac`` (the audit key's MAC over a seal's values)."""
    problems: list[str] = []
    count, rows, audit_start = 0, {}, None
    for log in seals_q.LOGS:
        seals, found = _check_log(db, log, mac)
        problems += found
        count += len(seals)
        rows[log] = sum(seal["row_count"] for seal in seals)
        if log == "audit" and seals:
            audit_start = (seals[-1]["last_id"], seals[-1]["end_hash"])
    return SealCheck(tuple(problems), count, rows, audit_start)
