"""Putting reads on the record: one line at the top of a view that shows case data.

    read_audit.consulted("visits", visit_id, "case_work")

The read is noted on ``g`` and written after the view has answered, in the same request,
only when the answer shows the record (a 2xx or 3xx): a refused or missing record was not
consulted. If the read cannot be written the request fails rather than show the record
unlogged. Exports and API calls are not noted here: each is already an ``export.sent`` row on
the audit trail and an export log entry with the SHA-256 of what was sent.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask_login import current_user

from fieldapp.db import get_db
from fieldapp.queries import read_audit as read_audit_q
from fieldapp.timeutil import now_iso


def consulted(table: str, record_id: object = None, why: str = "case_work") -> None:
    """Note that this request shows ``table`` row ``record_id``, for purpose ``why``."""
    if why not in read_audit_q.WHY:
        raise ValueError(f"unknown read purpose {why!r}: use one of {', '.join(read_audit_q.WHY)}")
    if not current_app.config["READ_AUDIT"]:
        return
    g.setdefault("reads", []).append((table, None if record_id is None else str(record_id), why))


def _write_reads(response: Response) -> Response:
    """Write this request's reads, if it showed what it read."""
    reads = g.pop("reads", None)
    if not reads or response.status_code >= 400:
        return response
    signed_in = current_user.is_authenticated
    who = (current_user.id, current_user.username) if signed_in else (None, None)
    at = now_iso()
    read_audit_q.record(
        get_db(),
        [(at, *who, table, record_id, why, request.remote_addr) for table, record_id, why in reads],
    )
    return response


def init_app(app: Flask) -> None:
    """Write each request's reads once its view has answered."""
    app.after_request(_write_reads)
