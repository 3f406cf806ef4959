"""The append-only audit trail: who did what, when, to which record.

Every write in the app adds one line: ``audit.record("user.create", "users", user_id,
role="inspector")``. Call it inside the same ``db.atomic()`` block as the write it describes
so the record and its audit row land or fail together.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import Any

from flask import Flask, has_request_context, request
from flask_login import current_user
from sqlite_utils import Database

from fieldapp.db import get_db, query
from fieldapp.timeutil import now_iso


def record(
    action: str,
    table: str | None = None,
    record_id: Any = None,
    *,
    db: Database | None = None,
    user_id: int | None = None,
    username: str | None = None,
    **detail: Any,
) -> None:
    """Append one audit row. The acting user and address come from the request if any."""
    db = db or get_db()
    ip = None
    if has_request_context():
        ip = request.remote_addr
        if user_id is None and current_user.is_authenticated:
            user_id = current_user.id
            username = current_user.username
    elif username is None:
        # Shell commands and scripts have no signed-in user; say where the change came from.
        username = "(command line)"
    # Usually called inside the caller's transaction; only open one when there is none.
    with nullcontext() if db.conn.in_transaction else db.atomic():
        db.conn.execute(
            "INSERT INTO audit (at, user_id, username, action, table_name, record_id, detail, ip) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                now_iso(),
                user_id,
                username,
                action,
                table,
                None if record_id is None else str(record_id),
                json.dumps(detail, sort_keys=True, default=str) if detail else None,
                ip,
            ],
        )


def recent(db: Database, limit: int = 200, offset: int = 0) -> list[dict]:
    """The newest audit rows first."""
    return list(
        query(
            db,
            "SELECT * FROM audit ORDER BY id DESC LIMIT ? OFFSET ?",
            [limit, offset],
        )
    )


def init_app(app: Flask) -> None:
    """Nothing to register yet; kept so the factory wires every module the same way."""
