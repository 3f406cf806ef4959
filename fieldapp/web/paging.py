"""Which page of a long list a request asks for."""

from __future__ import annotations

from flask import abort, request

from fieldapp.http import SQLITE_MAX_INTEGER


def page_number(per_page: int) -> int:
    """``?page=`` as a number from 1 (the default). Anything else, or a page so far along
    that its offset is beyond what SQLite can count to, is a 400 that says what to send."""
    raw = request.args.get("page", "").strip()
    if raw == "":
        return 1
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        abort(400, "The page number must be a whole number, 1 or more.")
    page = int(raw)
    if (page - 1) * per_page > SQLITE_MAX_INTEGER:
        abort(400, "There is no page with that number. Go back to page 1.")
    return page
