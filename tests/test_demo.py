"""The demo shows the product: what a newcomer signing in with the printed logins sees.

One demo is loaded (twice, to show a second load adds nothing) through `flask demo load`
into an app of its own; the tests sign in with the logins it printed and read the pages a
newcomer opens first (Reports, Operations) and the records behind them, checking that no
demo record breaks a rule the forms enforce.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from fieldapp import agencies, referrals
from fieldapp.demo import LOGINS_FILE
from fieldapp.queries import connect
from fieldapp.submission import STORED_REASONS, parse_timestamp
from fieldapp.timeutil import uk_today, utcnow
from tests.conftest import AuthActions, make_app, parse

PARTNER_AGENCIES = {"police", "glaa", "immigration", "fire"}
TABLES = (
    "users",
    "premises",
    "visits",
    "referrals",
    "operations",
    "operation_sites",
    "operation_outcomes",
    "training",
    "audit",
)


def counts(db) -> dict[str, int]:
    return {table: db[table].count for table in TABLES}


def fingerprint(db) -> dict:
    """What the demo chose, apart from ids and the moment it was loaded."""
    return {
        "visits": [
            tuple(r.values())
            for r in db.query(
                "SELECT v.visited_at, v.outcome, v.outcome_reason, v.potential_victims, p.uuid "
                "FROM visits v JOIN premises p ON p.id = v.premises_id ORDER BY v.visited_at"
            )
        ],
        "referrals": [
            tuple(r.values())
            for r in db.query(
                "SELECT route, reference, made_at, adults, children, exploitation "
                "FROM referrals ORDER BY made_at"
            )
        ],
        "outcomes": [
            tuple(r.values())
            for r in db.query(
                "SELECT o.name, o.operation_date, p.uuid, r.workers_spoken_to, "
                "r.potential_victims, r.enforcement_actions FROM operation_outcomes r "
                "JOIN operations o ON o.id = r.operation_id "
                "JOIN premises p ON p.id = r.premises_id ORDER BY o.name, p.uuid"
            )
        ],
    }


def load_demo(app):
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("demo"))
    first = load_demo(app)
    db = connect(app.config["DATABASE"])
    after_first = counts(db)
    second = load_demo(app)
    path = Path(app.instance_path) / LOGINS_FILE
    logins = [line.split("\t") for line in path.read_text().splitlines()]
    clients = {}
    for _role, username, password, _agency in logins:
        client = app.test_client()
        assert AuthActions(client).login(username=username, password=password).status_code == 302
        clients[username] = client
    yield {
        "app": app,
        "db": db,
        "first": first,
        "second": second,
        "after_first": after_first,
        "logins": logins,
        "clients": clients,
    }
    db.conn.close()


def test_the_logins_include_a_partner_for_each_agency_and_each_can_sign_in(world):
    partners = {agency: username for role, username, _, agency in world["logins"] if agency}
    assert set(partners) >= PARTNER_AGENCIES
    assert set(partners) <= set(agencies.load()), "every agency id is in agencies.toml"
    assert {role for role, *_ in world["logins"]} == {
        "inspector",
        "coordinator",
        "partner",
        "admin",
    }
    for agency, username in partners.items():
        line = next(x for x in world["first"].splitlines() if f" {username} " in x)
        assert line.strip().startswith("partner") and line.endswith(f"[{agency}]")
    # The file keeps its format: role, username, password, agency, tab-separated.
    assert all(len(fields) == 4 for fields in world["logins"])
    # Every login printed signed in (the fixture checked), partners included.
    assert set(partners.values()) <= set(world["clients"])


def cell(soup, figure: str, where: str) -> int:
    found = soup.select_one(f'tr[data-figure="{figure}"] td[data-cell="{where}"]')
    assert found is not None, (figure, where)
    return int(found.get_text(strip=True).replace(",", ""))


def test_reports_for_last_financial_year_have_figures_and_a_year_to_compare(world):
    response = world["clients"]["demo.coordinator"].get("/reports/?period=last_fy")
    assert response.status_code == 200
    soup = parse(response.get_data(as_text=True))
    for figure in ("visits", "victims", "referrals", "operations", "enforcement", "trained"):
        assert cell(soup, figure, "current-total") > 0, figure
    assert cell(soup, "visits.not_judged", "current-total") > 0, "a could-not-inspect visit"
    assert cell(soup, "partners", "current-total") >= len(PARTNER_AGENCIES) - 1
    assert cell(soup, "visits", "previous-total") > 0, "the year before has visits too"
    assert cell(soup, "referrals", "previous-total") > 0
    # This year (the page a newcomer opens first) has visits and an operation too.
    this_year = parse(world["clients"]["demo.coordinator"].get("/reports/").get_data(as_text=True))
    assert cell(this_year, "visits", "current-total") > 0
    assert cell(this_year, "operations", "current-total") > 0


def test_the_operation_list_shows_past_operations_with_outcomes_and_a_planned_one(world):
    db, today = world["db"], uk_today()
    ops = list(
        db.query(
            "SELECT o.id, o.name, o.operation_date, "
            "(SELECT count(*) FROM operation_outcomes r WHERE r.operation_id = o.id) AS outcomes "
            "FROM operations o ORDER BY o.operation_date"
        )
    )
    past = [op for op in ops if op["operation_date"] <= today.isoformat()]
    planned = [op for op in ops if op["operation_date"] > today.isoformat()]
    assert past and all(op["outcomes"] > 0 for op in past)
    assert planned and all(op["outcomes"] == 0 for op in planned)
    soup = parse(world["clients"]["demo.coordinator"].get("/operations/").get_data(as_text=True))
    listed = soup.select_one("#operations").get_text(" ", strip=True)
    for op in ops:
        assert op["name"] in listed
    assert f"outcomes for {past[0]['outcomes']}" in listed
    # A partner sees the operations their agency is in, and can open the briefing pack.
    fire = world["clients"]["demo.fire"]
    seen = parse(fire.get("/operations/").get_data(as_text=True)).select_one("#operations")
    assert planned[0]["name"] in seen.get_text()
    assert fire.get(f"/operations/{planned[0]['id']}/brief").status_code == 200
    summary = world["clients"]["demo.coordinator"].get(f"/operations/{past[0]['id']}/summary")
    assert summary.status_code == 200


def test_no_operation_outcome_breaks_the_rules_the_form_checks(world):
    rows = list(
        world["db"].query(
            "SELECT r.*, o.operation_date FROM operation_outcomes r "
            "JOIN operations o ON o.id = r.operation_id"
        )
    )
    assert rows
    for row in rows:
        assert row["operation_date"] <= uk_today().isoformat(), "no outcome before the day"
        assert row["potential_victims"] <= row["workers_spoken_to"]
        assert row["referrals_nrm"] + row["referrals_duty_to_notify"] <= row["potential_victims"]
        assert row["referrals_childrens_services"] <= row["potential_victims"]
        if not row["visited"]:
            assert row["not_visited_reason"] and row["workers_spoken_to"] == 0
            assert json.loads(row["enforcement_actions"]) == []
    actions = {a for row in rows for a in json.loads(row["enforcement_actions"])}
    assert "prohibition_notice" in actions


def test_every_referral_is_one_an_officer_could_have_recorded(world):
    db = world["db"]
    rows = list(
        db.query(
            "SELECT r.*, v.visited_at, v.potential_victims FROM referrals r "
            "JOIN visits v ON v.id = r.visit_id"
        )
    )
    assert {r["route"] for r in rows} >= {"nrm", "duty_to_notify", "child"}
    for row in rows:
        assert row["potential_victims"], "a referral follows potential victims found"
        assert referrals.check_reference(row["reference"] or "")[1] is None, "no names, no dates"
        made = parse_timestamp(row["made_at"])
        assert parse_timestamp(row["visited_at"]) - timedelta(hours=1) <= made <= utcnow()
        if row["route"] == "nrm" and row["adults"]:
            assert row["consent_recorded"] == 1
        if row["route"] == "child":
            assert row["children"] >= 1
    audited = db.execute("SELECT count(*) FROM audit WHERE action = 'referral.create'")
    assert audited.fetchone()[0] == len(rows)


def test_some_visits_could_not_inspect_and_say_why(world):
    rows = list(
        world["db"].query("SELECT outcome_reason FROM visits WHERE outcome = ?", ["not_assessed"])
    )
    assert 0 < len(rows) < world["db"]["visits"].count / 10
    assert all(r["outcome_reason"] in STORED_REASONS for r in rows)


def test_a_second_load_adds_nothing(world):
    assert counts(world["db"]) == {**world["after_first"], "audit": counts(world["db"])["audit"]}
    assert "0 users" in world["second"] and "0 referrals, 0 joint operations" in world["second"]


def test_loading_again_on_a_later_day_adds_nothing_and_does_not_fail(world, tmp_path, monkeypatch):
    from fieldapp import demo

    other = make_app(tmp_path)
    load_demo(other)
    db = connect(other.config["DATABASE"])
    before = counts(db)
    later = demo.utcnow() + timedelta(days=40)
    monkeypatch.setattr(demo, "utcnow", lambda: later)
    monkeypatch.setattr(demo, "uk_today", lambda: later.date())
    output = load_demo(other)
    assert "0 visits, 0 referrals, 0 joint operations" in output
    assert counts(db) == {**before, "audit": counts(db)["audit"]}
    db.conn.close()


def test_the_same_seed_gives_the_same_demo(world, tmp_path):
    other = make_app(tmp_path)
    load_demo(other)
    db = connect(other.config["DATABASE"])
    assert fingerprint(db) == fingerprint(world["db"])
    db.conn.close()


def test_agencies_a_deployment_does_not_list_are_left_out(tmp_path):
    from fieldapp import demo
    from fieldapp.web import checklists

    app = make_app(tmp_path)
    db = connect(app.config["DATABASE"])
    listed = {k: v for k, v in agencies.load().items() if k not in ("fire", "police")}
    with app.app_context():
        demo.load(
            db,
            instance_path=app.instance_path,
            reference=checklists.current(),
            premises=10,
            agencies=listed,
        )
    usernames = {r["username"] for r in db.query("SELECT username FROM users")}
    assert "demo.immigration" in usernames
    assert not {"demo.fire", "demo.police"} & usernames
    partners = {r["agency"] for r in db.query("SELECT agency FROM operation_partners")}
    leads = {r["lead_agency"] for r in db.query("SELECT lead_agency FROM operations")}
    assert partners and partners <= set(listed)
    assert leads <= {*listed, "council"}
    db.conn.close()
