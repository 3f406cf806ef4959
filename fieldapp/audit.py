"""The append-only audit trail: who did what, when, to which record.

Every write in the app adds one line: ``audit.record("user.create", "users", user_id,
db=db, role="inspector")``. Call it inside the same ``transaction(db)`` as the write it
describes so the record and its audit row land or fail together.

The trail is tamper-evident: each row stores ``prev_hash`` (the row before's ``row_hash``,
or GENESIS for the first) and ``row_hash``, an HMAC-SHA256, under a key kept outside the
database (``AUDIT_KEY`` in the instance config), of a canonical encoding of its own content
and ``prev_hash``. Whoever holds only the database file can neither change a row nor
recompute the rows after it. Rows chained before the key existed used plain SHA-256
(``mac_version`` NULL) and are checked as such; the first keyed row covers the last of them,
so rewriting an old row is caught there. Rows written before any chain have no hashes.

Retention removes the oldest rows in sealed segments (fieldapp.log_retention): a seal,
MACed under the same key, holds the hash of the last row it covers, and verification
starts from the first row kept, checking its link against that hash and the seals
themselves (fieldapp.log_seals).

Removing the newest rows leaves a shorter chain that is still consistent, so the head (row
count and hash) is written down elsewhere: in every export log entry, and by ``flask audit
anchor --to FILE``; ``verify(db, anchors)`` checks the chain against those copies.

Who is acting comes from an actor source: the command line by default, the signed-in user
and their address once the web layer installs its own (fieldapp.web.auth).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from fieldapp import log_seals
from fieldapp.queries import audit as audit_q
from fieldapp.timeutil import now_iso

GENESIS = "0" * 64
HASHED = audit_q.COLUMNS
KEYED = 1  # mac_version of rows chained with HMAC-SHA256


@dataclass(frozen=True)
class Actor:
    """Who a change is recorded against."""

    user_id: int | None
    username: str | None
    ip: str | None = None


# Shell commands and scripts have no signed-in user; say where the change came from.
COMMAND_LINE = Actor(None, "(command line)")
_actor_source: Callable[[], Actor] = lambda: COMMAND_LINE  # noqa: E731
_key: bytes | None = None


def set_actor_source(source: Callable[[], Actor]) -> None:
    """Say how to find who is acting (the web layer passes one that reads the request)."""
    global _actor_source
    _actor_source = source


def set_key(key: str | bytes) -> None:
    """Use ``key`` (the AUDIT_KEY setting) to chain new rows and check keyed ones."""
    global _key
    if not key:
        raise ValueError("the audit key is empty: set AUDIT_KEY in instance/config.py")
    _key = key.encode("utf-8") if isinstance(key, str) else key


def _current_key() -> bytes:
    if _key is None:
        raise RuntimeError("no audit key: create the app (or call audit.set_key) first")
    return _key


def _payload(content: Iterable, prev_hash: str) -> bytes:
    """Canonical encoding: a compact JSON array of the values in HASHED order then
    ``prev_hash``, UTF-8, null for missing values, so the same row encodes the same anywhere."""
    return json.dumps([*content, prev_hash], ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


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
    """Plain SHA-256 of a row's content and the previous row's hash (rows before the key)."""
    content = (at, user_id, username, action, table_name, record_id, detail, ip)
    return hashlib.sha256(_payload(content, prev_hash)).hexdigest()


def row_mac(key: bytes, *content_and_prev: Any) -> str:
    """HMAC-SHA256 under ``key`` of a row's content and the previous row's hash."""
    *content, prev_hash = content_and_prev
    return hmac.new(key, _payload(content, prev_hash), hashlib.sha256).hexdigest()


def seal_mac(*values: Any, key: bytes | None = None) -> str:
    """HMAC-SHA256 under the audit key of a log seal's values, encoded as a row's are."""
    return row_mac(key or _current_key(), *values)


def record(
    action: str,
    table: str | None = None,
    record_id: Any = None,
    *,
    db: Database,
    user_id: int | None = None,
    username: str | None = None,
    actor: Actor | None = None,
    **detail: Any,
) -> None:
    """Append one audit row. The acting user and address come from the actor source
    unless ``actor`` or ``user_id`` says who (a sign-in, before the session knows them; an
    export logged after its request has ended)."""
    actor = actor or _actor_source()
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
    key = _current_key()
    audit_q.append(db, values, GENESIS, lambda *row: row_mac(key, *row), KEYED)


def head(db: Database) -> Anchor:
    """The trail's head now: its row count and last hash (to be written down elsewhere)."""
    rows, last_hash = audit_q.head(db)
    return Anchor(now_iso(), rows, last_hash or GENESIS)


@dataclass(frozen=True)
class Anchor:
    """The trail's head at a moment: ``rows`` rows, the last with hash ``hash``."""

    at: str
    rows: int
    hash: str
    source: str = "the anchor"

    def line(self) -> str:
        """How an anchor is printed and kept in an anchor file, one a line."""
        return f"audit anchor at={self.at} rows={self.rows} hash={self.hash}"


_ANCHOR_LINE = re.compile(r"audit anchor at=(\S+) rows=(\d+) hash=([0-9a-f]{64})\s*$")


def parse_anchors(text: str, name: str) -> list[Anchor]:
    """The anchors in an anchor file's text; blank lines and ``#`` comments are skipped.

    Raises ValueError naming the first line that is not an anchor.
    """
    anchors = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _ANCHOR_LINE.search(line)
        if match is None:
            raise ValueError(f"{name} line {number} is not an audit anchor: {line[:80]!r}")
        at, rows, digest = match.groups()
        anchors.append(Anchor(at, int(rows), digest, f"anchor on line {number} of {name}"))
    return anchors


def check_anchors(
    anchors: Iterable[Anchor], found: Mapping[int, tuple[int, str]], total: int
) -> list[str]:
    """What is wrong with each anchor, given ``found``: position -> (row id, hash) of the
    anchored positions, and the trail's ``total`` rows."""
    problems = []
    for anchor in anchors:
        taken = f"{anchor.source} (taken {anchor.at}, {anchor.rows} rows)"
        if anchor.rows == 0:
            continue  # an empty trail: anything since has only added to it
        if anchor.rows > total:
            problems.append(
                f"missing: {taken}: the trail now has only {total} rows, so rows were removed"
            )
            continue
        if anchor.rows not in found:
            continue  # a row retention removed inside a sealed segment: the seal is checked
        row_id, digest = found[anchor.rows]
        if digest != anchor.hash:
            problems.append(
                f"rewritten: {taken}: row {row_id}, the trail's row {anchor.rows}, no longer has "
                "the anchored hash: it or a row before it was rewritten"
            )
    return problems


@dataclass(frozen=True)
class ChainCheck:
    """What checking the chain (and any anchors) found."""

    intact: bool
    checked: int  # hashed rows checked (up to the break, if any)
    before_chain: int  # older rows written before the chain existed
    broken_at: int | None = None
    reason: str = ""
    last_hash: str | None = None
    keyed: int = 0  # of the rows checked, those chained under the key
    anchors: int = 0  # anchors checked and found in the chain
    anchor_problems: tuple[str, ...] = ()
    seal_problems: tuple[str, ...] = ()
    seals: str = ""  # the retention seals checked, in words

    def message(self) -> str:
        """The report for the command line: the first broken link, or "intact"."""
        lines = [*self.seal_problems, *self.anchor_problems]
        if not self.intact and self.broken_at is not None:
            lines.insert(0, f"broken at row {self.broken_at}: {self.reason}")
        if lines:
            return "\n".join(lines)
        text = f"audit trail intact: {self.checked} rows"
        plain = self.checked - self.keyed
        if plain:
            text += f" ({plain} chained with plain SHA-256 before the audit key was used)"
        if self.before_chain:
            text += f" ({self.before_chain} older rows from before the chain are not covered)"
        if self.anchors:
            text += f"; {self.anchors} anchors match"
        if self.seals:
            text += f"; {self.seals}"
        return text


def _break(row_id: int, previous_id: int | None, why: str) -> str:
    if why == "link":
        where = f"row {previous_id}" if previous_id else "the start of the chain"
        return f"its link to {where} does not match: a row before it was removed, added or changed"
    if why == "plain":
        return (
            "it is hashed without the audit key after keyed rows: it was rewritten or "
            "added by someone without the key"
        )
    return "its content does not match its hash: it was changed after it was written"


def check_chain(
    rows: Iterable[tuple], key: bytes | None = None, start: tuple[int, str | None] | None = None
) -> ChainCheck:
    """Check rows of (id, *HASHED, prev_hash, row_hash, mac_version) in id order; stop at
    the first break. Keyed rows are checked under ``key`` (default: the app's). ``start``
    is the id and hash of the last row removed under a seal: the first row must link to it."""
    key = key or _current_key()
    previous_id, previous = start or (None, None)  # hash None until the chain starts
    checked = before = keyed = 0
    for row_id, *content, prev_hash, stored, mac_version in rows:
        if previous is None and prev_hash is None and stored is None:
            before += 1
            continue
        problem = None
        if prev_hash != (GENESIS if previous is None else previous):
            problem = "link"
        elif mac_version is None and keyed:
            problem = "plain"
        elif stored != (
            row_mac(key, *content, prev_hash) if mac_version else row_hash(*content, prev_hash)
        ):
            problem = "content"
        if problem:
            reason = _break(row_id, previous_id, problem)
            return ChainCheck(False, checked, before, row_id, reason, previous, keyed)
        previous, previous_id = stored, row_id
        checked += 1
        keyed += 1 if mac_version else 0
    return ChainCheck(True, checked, before, last_hash=previous, keyed=keyed)


def verify(db: Database, anchors: Iterable[Anchor] = (), key: bytes | None = None) -> ChainCheck:
    """Check the retention seals of the three logs, then the audit trail from its oldest
    kept row (linked to the last seal's hash), then each anchor (those given, and those in
    the export log) against it: the trail must still hold that many rows, the last of them
    with that hash (anchors inside a sealed segment are left to the seal)."""
    key = key or _current_key()
    seals = log_seals.check(db, lambda *values: seal_mac(*values, key=key))
    result = check_chain(audit_q.chain(db), key, seals.audit_start)
    result = replace(
        result,
        intact=result.intact and not seals.problems,
        seal_problems=seals.problems,
        seals=seals.summary(),
    )
    anchors = [
        *anchors,
        *(
            Anchor(row["at"], row["audit_rows"], row["audit_head"], f"export log entry {row['id']}")
            for row in audit_q.export_anchors(db)
        ),
    ]
    if not anchors:
        return result
    total, found = audit_q.hashes_at(db, {a.rows for a in anchors})
    problems = check_anchors(anchors, found, total)
    unchecked = sum(1 for a in anchors if 0 < a.rows <= total and a.rows not in found)
    return replace(
        result,
        intact=result.intact and not problems,
        anchors=len(anchors) - len(problems) - unchecked,
        anchor_problems=tuple(problems),
    )
