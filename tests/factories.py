"""Test data written straight through the app's own recording code, without HTTP.

Fixtures that only need visits to exist (the register, the exports' awkward sites, a
hazardous site for the briefing pack) use ``record_visit``: the same checks, scoring and
single transaction as the visit form, as the signed-in officer, but without signing in and
fetching and posting the form for every visit. Tests whose subject is the visit form keep
posting it (``tests.test_visits.post_visit``).

The fieldapp internals used here are imported in this one place, so a module that moves
needs re-pointing only here.
"""

from __future__ import annotations

from flask_login import login_user

from fieldapp import recording, submission
from fieldapp.db import get_db
from fieldapp.queries import premises as premises_q
from fieldapp.queries import users as users_q
from fieldapp.web import checklists
from fieldapp.web.auth import User
from tests.conftest import USERS


def record_visit(app, premises_id: int, form: dict, role: str = "inspector") -> str:
    """Record a visit form (as ``visit_helpers.visit_form`` makes) as ``role``'s officer.

    Does what ``POST /premises/<id>/visits/new`` does for a valid form without photos, in
    a request context from the same loopback address, so the audit trail names the same
    officer. Returns the visit id; fails the test if the form would not be accepted.
    """
    url = f"/premises/{premises_id}/visits/new"
    with app.test_request_context(url, method="POST", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        db = get_db()
        officer = User.from_row(users_q.find_by_username(db, USERS[role][0]))
        login_user(officer)
        premises = premises_q.get(db, premises_id)
        checklist = checklists.checklist_for(premises["sector"])
        sub = submission.parse(checklist, form)
        assert not sub.errors, sub.errors
        stored = recording.store(
            db,
            checklist=checklist,
            wage_rates=checklists.current().wage_rates,
            premises=premises,
            sub=sub,
            inspector_id=officer.id,
        )
    assert stored.created, f"visit {stored.visit_id} was already stored"
    return stored.visit_id


def plan_operation(client, name: str, query: str = "take=all") -> int:
    """Plan an operation from /operations/new?query as the signed-in coordinator, with GLAA
    invited (police leading); return its id."""
    from tests.conftest import csrf_token

    url = f"/operations/new?{query}"
    form = {
        "name": name,
        "operation_date": ["27", "3", "2026"],
        "lead_agency": "police",
        "partners": ["glaa"],
        "start_mode": "none",
        "csrf_token": csrf_token(client.get(url).get_data(as_text=True)),
    }
    response = client.post(url, data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])
