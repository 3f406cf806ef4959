"""Partner exports: what each agency receives and how it is encoded.

An export is the site list's filter run again (fieldapp.queries.exports), shaped by the
receiving agency's profile (``profiles``), encoded as it streams (``encoders``), hashed as
it goes, and logged in ``export_log`` when the last byte has gone: who asked (a user or an
API token, ``tokens``), for which agency, the filter, the row count, and the SHA-256 of
exactly the bytes sent. An admin can later hash a file someone hands back and find the
export it came from. The web layer streams it (fieldapp.web.exports.streaming).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"


@dataclass(frozen=True)
class Requester:
    """Who an export is for the record: a signed-in user or an API token."""

    label: str
    user_id: int | None = None
    token_id: int | None = None
