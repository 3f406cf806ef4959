"""The append-only audit trail: who did what, when, to which record.

Every write in the app adds one line: ``audit.record("user.create", "users", user_id,
db=db, role="inspector")``. Call it inside the same ``transaction(db)`` as the write it
describes so the record and its audit row land or fail together.

The trail is tamper-evident: each row stores ``prev_hash`` (the row before's ``row_hash``,
or GENESIS for the first) and ``row_hash``, a SHA-256 over a canonical encoding of its own
content and ``prev_hash``. Changing or removing a row breaks the chain at that point, which
``flask --app fieldapp audit verify`` reports. Rows written before the chain existed have no
hashes; the chain starts at the first row that has one.

Who is acting comes from an actor source: the command line by default, the signed-in user
and their address once the web layer installs its own (fieldapp.web.auth).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from fieldapp.queries import audit as audit_q
from fieldapp.timeutil import now_iso

GENESIS = "0" * 64
HASHED = audit_q.COLUMNS


@dataclass(frozen=True)
class Actor:
    """Who a change is recorded against."""

    user_id: int | None
    username: str | None
    ip: str | None = None


# Shell commands and scripts have no signed-in user; say where the change came from.
COMMAND_LINE = Actor(None, "(command line)")
_actor_source: Callable[[], Actor] = lambda: COMMAND_LINE  # noqa: E731


def set_actor_source(source: Callable[[], Actor]) -> None:
    """Say how to find who is acting (the web layer passes one that reads the request)."""
    global _actor_source
    _actor_source = source


def row_hash(
    at: str,
    user_id: int | None,
    username: str | None,
    action: str,
    table_name: str | None,
    record_id: str | None,
    detail: str | None,
    ip: str | None,
    prev_hash: str,
) -> str:
    """SHA-256 of a row's content and the previous row's hash.

    Canonical encoding: a compact JSON array of the values in this fixed order, UTF-8,
    with null for missing values, so the same row always hashes the same anywhere.
    """
    payload = json.dumps(
        [at, user_id, username, action, table_name, record_id, detail, ip, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    action: str,
    table: str | None = None,
    record_id: Any = None,
    *,
    db: Database,
    user_id: int | None = None,
    username: str | None = None,
    **detail: Any,
) -> None:
    """Append one audit row. The acting user and address come from the actor source
    unless ``user_id`` says who (a sign-in, before the session knows them)."""
    actor = _actor_source()
    if user_id is None:
        user_id, username = actor.user_id, actor.username
    values = [
        now_iso(),
        None if user_id is None else int(user_id),  # as stored, so the hash verifies later
        username,
        action,
        table,
        None if record_id is None else str(record_id),
        json.dumps(detail, sort_keys=True, default=str) if detail else None,
        actor.ip,
    ]
    audit_q.append(db, values, GENESIS, row_hash)


@dataclass(frozen=True)
class ChainCheck:
    """What checking the chain found."""

    intact: bool
    checked: int  # hashed rows checked (up to the break, if any)
    before_chain: int  # older rows written before the chain existed
    broken_at: int | None = None
    reason: str = ""
    last_hash: str | None = None

    def message(self) -> str:
        """One line for the command line."""
        if not self.intact:
            return f"broken at row {self.broken_at}: {self.reason}"
        text = f"audit trail intact: {self.checked} rows"
        if self.before_chain:
            text += f" ({self.before_chain} older rows from before the chain are not covered)"
        return text


def check_chain(rows: Iterable[tuple]) -> ChainCheck:
    """Check rows of (id, *HASHED, prev_hash, row_hash) in id order; stop at the first break."""
    previous: str | None = None  # None until the chain starts
    previous_id: int | None = None
    checked = before = 0
    for row_id, *content, prev_hash, stored in rows:
        if previous is None and prev_hash is None and stored is None:
            before += 1
            continue
        expected_prev = GENESIS if previous is None else previous
        if prev_hash != expected_prev:
            where = f"row {previous_id}" if previous_id else "the start of the chain"
            reason = (
                f"its link to {where} does not match: a row before it was removed, added or changed"
            )
            return ChainCheck(False, checked, before, row_id, reason, previous)
        if stored != row_hash(*content, prev_hash):
            reason = "its content does not match its hash: it was changed after it was written"
            return ChainCheck(False, checked, before, row_id, reason, previous)
        previous, previous_id = stored, row_id
        checked += 1
    return ChainCheck(True, checked, before, last_hash=previous)


def verify(db: Database) -> ChainCheck:
    """Check the whole audit trail, oldest row first."""
    return check_chain(audit_q.chain(db))
