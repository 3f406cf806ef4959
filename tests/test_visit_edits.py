"""Who may change a recorded visit: its own officer or a coordinator, never another inspector."""

from __future__ import annotations

import pytest

from fieldapp import accounts
from fieldapp.queries import connect
from tests.conftest import PASSWORD, AuthActions, csrf_token, parse
from tests.test_visits import post_visit
from tests.visit_helpers import add_premises, visit_form


@pytest.fixture
def recorded(app):
    """A visit recorded by the test inspector; returns (premises id, visit id)."""
    premises_id = add_premises(app)
    officer = app.test_client()
    AuthActions(officer).login("inspector")
    form = visit_form(**{"q-spoken_for": "yes"})
    assert post_visit(officer, premises_id, form).status_code == 303
    return premises_id, form["visit_id"]


def signed_in(app, role: str, username: str | None = None):
    client = app.test_client()
    assert AuthActions(client).login(role, username=username).status_code == 302
    return client


@pytest.fixture
def other_inspector(app):
    db = connect(app.config["DATABASE"])
    with app.test_request_context():
        accounts.create(
            db,
            username="otto.other",
            display_name="Otto Other",
            role="inspector",
            password=PASSWORD,
        )
    db.conn.close()
    return signed_in(app, "inspector", username="otto.other")


def counts(app) -> tuple[int, int, int]:
    db = connect(app.config["DATABASE"])
    found = tuple(
        db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        for table in ("visits", "referrals", "audit")
    )
    db.conn.close()
    return found


def test_another_inspector_cannot_amend_a_visit_and_nothing_is_written(
    app, recorded, other_inspector
):
    premises_id, visit_id = recorded
    url = f"/visits/{visit_id}/amend"
    page = other_inspector.get(url)
    assert page.status_code == 403
    text = parse(page.get_data(as_text=True)).get_text(" ")
    assert "Only the officer who recorded this visit, or a coordinator, can change it" in text
    assert "recorded by Ivy Inspector" in text and "Nothing has been changed" in text
    before = counts(app)
    token = csrf_token(other_inspector.get(f"/visits/{visit_id}").get_data(as_text=True))
    fields = {**visit_form(), "csrf_token": token, "amendment_reason": "Mine now"}
    response = other_inspector.post(url, data=fields)
    assert response.status_code == 403
    assert counts(app) == before


def test_another_inspector_cannot_add_a_referral_and_nothing_is_written(
    app, recorded, other_inspector
):
    _, visit_id = recorded
    result = other_inspector.get(f"/visits/{visit_id}")
    page = parse(result.get_data(as_text=True))
    assert page.select_one('form[action$="/referrals"]') is None  # not offered
    assert page.find("a", string="Correct this visit") is None
    before = counts(app)
    response = other_inspector.post(
        f"/visits/{visit_id}/referrals",
        data={"csrf_token": csrf_token(result.get_data(as_text=True)), "route": "nrm"},
    )
    assert response.status_code == 403
    assert "You cannot add a referral to this visit" in response.get_data(as_text=True)
    assert counts(app) == before


@pytest.mark.parametrize("role", ["inspector", "coordinator"])
def test_its_officer_and_a_coordinator_may_amend_and_refer_and_both_are_audited(
    app, recorded, role
):
    _, visit_id = recorded
    client = signed_in(app, role)
    page = parse(client.get(f"/visits/{visit_id}").get_data(as_text=True))
    assert page.find("a", string="Correct this visit") is not None
    assert client.get(f"/visits/{visit_id}/amend").status_code == 200
    token = csrf_token(client.get(f"/visits/{visit_id}").get_data(as_text=True))
    response = client.post(
        f"/visits/{visit_id}/referrals",
        data={
            "csrf_token": token,
            "route": "nrm",
            "adults": "1",
            "exploitation": "labour",
            "consent_recorded": "yes",
        },
    )
    assert response.status_code == 303
    db = connect(app.config["DATABASE"])
    actions = [r[0] for r in db.execute("SELECT action FROM audit ORDER BY id")]
    db.conn.close()
    assert actions[-1] == "referral.create"


def test_a_coordinators_correction_leaves_the_visit_its_officers(app, recorded):
    premises_id, visit_id = recorded
    coordinator = signed_in(app, "coordinator")
    amend_url = f"/visits/{visit_id}/amend"
    new_id = parse(coordinator.get(amend_url).get_data(as_text=True)).select_one(
        'input[name="visit_id"]'
    )["value"]
    fields = {**visit_form(), "visit_id": new_id, "amendment_reason": "Typo in the price"}
    assert post_visit(coordinator, premises_id, fields, url=amend_url).status_code == 303
    officer = signed_in(app, "inspector")
    assert officer.get(f"/visits/{new_id}/amend").status_code == 200
