"""Staff as data subjects: everything the service holds about an officer or partner user
(a subject access request), and anonymising a leaver.

A leaver's account is disabled and renamed to a pseudonym ("Former staff member 12"), so
the visits, referrals and outcomes they recorded stay attributable to one person without
naming them; their sign-in attempts (username and addresses) go. The audit trail, the
read log and the export log keep the username they were written with: they are
append-only and chained, their integrity is what lets the council show who did what, and
they are removed only by the retention schedule. No Flask.
"""

from __future__ import annotations

import secrets

from sqlite_utils import Database

from fieldapp import accounts, audit
from fieldapp.queries import staff as staff_q
from fieldapp.queries import transaction
from fieldapp.timeutil import now_iso

KEPT_NOTE = (
    "The audit trail, read log and export log keep the username their rows were written "
    "with: they are append-only records of who did what, removed only by the retention "
    "schedule."
)


def subject_access(db: Database, user_id: int) -> dict:
    """Everything held about the account ``user_id``: each part with what it is."""
    person = staff_q.account(db, user_id)
    if person is None:
        raise LookupError(f"no account {user_id}")
    found = {
        "account": person,
        "made_at": now_iso(),
        "note": KEPT_NOTE,
        "parts": {},
    }
    for name, (what, _) in staff_q.PARTS.items():
        rows = staff_q.part(db, name, user_id, person["username"])
        found["parts"][name] = {"what": what, "count": len(rows), "rows": rows}
    return found


def pseudonym(user_id: int) -> tuple[str, str]:
    """The name and username a leaver's account is given."""
    return f"Former staff member {user_id}", f"former-{user_id}"


def anonymise(db: Database, user_id: int) -> dict:
    """Disable the account, end its sessions and replace its name and username with a
    pseudonym; return the account as it now is."""
    person = staff_q.account(db, user_id)
    if person is None:
        raise LookupError(f"no account {user_id}")
    name, username = pseudonym(user_id)
    with transaction(db):
        if person["active"]:
            accounts.set_active(db, user_id, False)  # ends every session, audited
        staff_q.anonymise(
            db,
            user_id,
            pseudonym=name,
            username=username,
            password_hash=accounts.hash_password(secrets.token_urlsafe(32)),
            now=now_iso(),
        )
        audit.record("user.anonymise", "users", user_id, db=db)
    return staff_q.account(db, user_id)
