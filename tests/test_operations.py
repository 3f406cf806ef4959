"""Joint operations: planned from the map's filter, routed, briefed, and counted afterwards."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from fieldapp import agencies
from fieldapp import operations as ops
from fieldapp import sitefilter as filters
from fieldapp.queries import operations as ops_q
from fieldapp.queries import sites as sites_q
from fieldapp.timeutil import format_uk_date, uk_today
from tests.conftest import AuthActions, PageClient, make_app, parse
from tests.factories import record_visit
from tests.nominatim_server import running_nominatim
from tests.test_sites import XSS
from tests.test_sites import register as register  # noqa: F401 - the fixture
from tests.visit_helpers import CLOCK_TOWER, add_premises, offset, visit_form

OPERATION_DATE = ["27", "3", "2026"]


def plan_form(**overrides):
    form = {
        "name": "Operation Clean Sweep",
        "operation_date": OPERATION_DATE,
        "lead_agency": "police",
        "partners": ["glaa", "hse_eh"],
        "briefing": "Meet at 07:30, Mansfield Street car park.",
        "start_mode": "none",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@pytest.fixture
def coordinator(as_role):
    return as_role("coordinator")


def plan(coordinator, query, **overrides):
    """Plan an operation from /operations/new?query and return its id."""
    response = coordinator.post(f"/operations/new?{query}", plan_form(**overrides), expected=303)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def site_ids(db, operation_id):
    return [
        r["premises_id"]
        for r in db.query(
            "SELECT premises_id FROM operation_sites WHERE operation_id = ? ORDER BY position",
            [operation_id],
        )
    ]


def error_summary(page):
    return {a["href"]: a.text.strip() for a in page.select(".govuk-error-summary a")}


# -- Planning from the map and list ----------------------------------------------------------


def test_every_site_in_the_filter_goes_into_the_operation(app, coordinator, register, db):
    page = coordinator.get("/sites?flagged=1")
    form = page.select_one("form#plan-form")
    assert form["action"] == "/operations/new"
    assert {i["name"]: i["value"] for i in form.select("input[type=hidden]")} == {"flagged": "1"}
    assert len(page.select("input[name=site][form=plan-form]")) == 2
    link = coordinator.get("/sites/map?flagged=1").select_one("#plan-from-map")
    assert link["href"] == "/operations/new?flagged=1&take=all"

    page = coordinator.get("/operations/new?flagged=1&take=all")
    assert "2 sites chosen" in page.select_one("#selected-sites summary").text
    operation_id = plan(coordinator, "flagged=1&take=all")

    with app.app_context():
        expected = sites_q.ids(db, filters.parse({"flagged": "1"}))
    assert sorted(site_ids(db, operation_id)) == sorted(expected)
    op = ops_q.get(db, operation_id)
    assert (op["name"], op["operation_date"], op["lead_agency"]) == (
        "Operation Clean Sweep",
        "2026-03-27",
        "police",
    )
    # The lead agency is always one of the partners, so its users can read the pack.
    assert op["partners"] == ["glaa", "hse_eh", "police"]
    assert "flagged=1" in op["source_filter"]
    audit = next(db.query("SELECT * FROM audit WHERE action = 'operation.create'"))
    assert json.loads(audit["detail"])["sites"] == site_ids(db, operation_id)


def test_only_the_ticked_sites_go_in(coordinator, register, db):
    ticked = [register["Quiet Wash"], register["Far Nails"]]
    query = f"sector=&take=ticked&site={ticked[0]}&site={ticked[1]}&site=99999&site=x"
    operation_id = plan(coordinator, query)
    assert sorted(site_ids(db, operation_id)) == sorted(ticked)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("take=ticked", "No sites were chosen"),
        ("take=all&q=nosuchplace", "No sites were chosen"),
        ("take=all&sector=garage", "The filters have a problem"),
        ("take=all", "These filters match 7 sites. An operation can have at most 5"),
    ],
)
def test_a_selection_that_cannot_be_planned_says_why(
    coordinator, register, db, monkeypatch, query, message
):
    monkeypatch.setattr(ops, "MAX_SITES", 5)
    page = coordinator.get(f"/operations/new?{query}")
    assert message in page.select_one("#selection-problem").text
    assert page.select_one("form#operation-form") is None
    assert db["operations"].count == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "#name", "Enter a name for the operation"),
        ({"name": "x" * 121}, "#name", "120 characters or fewer"),
        ({"operation_date": ["31", "2", "2026"]}, "#operation_date", "for example 27 3 2026"),
        ({"operation_date": ["", "", ""]}, "#operation_date", "Enter the date of the operation"),
        ({"operation_date": ["10", "6"]}, "#operation_date", "for example 27 3 2026"),
        ({"operation_date": ["1", "10", "6", "2026"]}, "#operation_date", "for example 27 3 2026"),
        ({"operation_date": "10"}, "#operation_date", "for example 27 3 2026"),
        ({"operation_date": ["1", "1", "9" * 30]}, "#operation_date", "for example 27 3 2026"),
        ({"lead_agency": ""}, "#lead_agency", "Choose the lead agency"),
        ({"partners": ["nobody"]}, "#partners", "is not a valid choice"),
        ({"start_mode": "site"}, "#start_site", "Choose the site the route starts at"),
        ({"start_mode": "map", "start_latitude": "north"}, "#start_latitude", "Latitude"),
        ({"start_mode": "map", "start_latitude": "52.6"}, "#start_longitude", "Longitude"),
    ],
)
def test_plan_form_errors_name_the_field(coordinator, register, db, overrides, field, message):
    response = coordinator.post(
        "/operations/new?flagged=1&take=all", plan_form(**overrides), expected=200
    )
    page = parse(response.get_data(as_text=True))
    summary = error_summary(page)
    assert field in summary and message in summary[field], summary
    assert page.title.text.startswith("Error:")
    assert db["operations"].count == 0


def start_choices(page) -> list[str]:
    return [i["value"] for i in page.select("input[name=start_mode]")]


def test_start_at_an_address_is_not_offered_while_address_lookup_is_off(coordinator, register, db):
    page = coordinator.get("/operations/new?flagged=1&take=all")
    assert start_choices(page) == ["site", "map", "none"]
    assert "At an address" not in page.text and not page.select("#start_address")
    # A page from before lookup was switched off is told so, on the question itself.
    response = coordinator.post(
        "/operations/new?flagged=1&take=all",
        plan_form(start_mode="address", start_address="Mansfield Street, Leicester"),
        expected=200,
    )
    summary = error_summary(parse(response.get_data(as_text=True)))
    assert list(summary) == ["#start_mode"]
    assert "Address lookup is not switched on" in summary["#start_mode"]
    assert db["operations"].count == 0


def test_start_at_an_address_is_offered_while_address_lookup_is_on(tmp_path):
    # Nothing listens on port 9 (discard): the lookup is on but cannot answer.
    app = make_app(tmp_path, GEOCODER_URL="http://127.0.0.1:9", GEOCODER_MIN_DELAY_SECONDS=0)
    site = add_premises(app, "Only Wash", at=CLOCK_TOWER)
    client = app.test_client()
    AuthActions(client).login("coordinator")
    coordinator = PageClient(client)
    url = f"/operations/new?take=ticked&site={site}"
    page = coordinator.get(url)
    assert start_choices(page) == ["site", "address", "map", "none"]
    assert page.select_one("#start_address")
    response = coordinator.post(url, plan_form(start_mode="address"), expected=200)
    summary = error_summary(parse(response.get_data(as_text=True)))
    assert "Enter the start address" in summary["#start_address"]
    response = coordinator.post(
        url, plan_form(start_mode="address", start_address="Mansfield Street"), expected=200
    )
    summary = error_summary(parse(response.get_data(as_text=True)))
    assert "could not be looked up just now" in summary["#start_address"]


def test_a_start_address_is_looked_up_through_the_shared_geocoder(tmp_path):
    address = "mansfield street car park, leicester"
    start = offset(CLOCK_TOWER, north_m=-1000)
    with running_nominatim({address: (*start, "Mansfield Street")}) as server:
        app = make_app(tmp_path, GEOCODER_URL=server.url, GEOCODER_MIN_DELAY_SECONDS=0)
        site = add_premises(app, "Only Wash", at=CLOCK_TOWER)
        client = app.test_client()
        AuthActions(client).login("coordinator")
        coordinator = PageClient(client)
        operation_id = plan(
            coordinator,
            f"take=ticked&site={site}",
            start_mode="address",
            start_address="Mansfield Street car park, Leicester",
        )
        assert len(server.searches) == 1
        # Saving again with the same address does not ask again.
        coordinator.post(
            f"/operations/{operation_id}/edit",
            plan_form(start_mode="address", start_address="Mansfield Street car park, Leicester"),
            expected=303,
        )
        assert len(server.searches) == 1
        assert app.extensions["fieldapp.geocoder"] is not None
    from fieldapp.queries import connect

    op = ops_q.get(connect(app.config["DATABASE"]), operation_id)
    assert (op["start_latitude"], op["start_longitude"]) == pytest.approx(start)
    # Lookup switched off later: the saved address is still offered and kept on a save,
    # but a new one cannot be found.
    app = make_app(tmp_path)
    client = app.test_client()
    AuthActions(client).login("coordinator")
    coordinator = PageClient(client)
    edit = coordinator.get(f"/operations/{operation_id}/edit")
    assert edit.select_one("input[name=start_mode][checked]")["value"] == "address"
    coordinator.post(
        f"/operations/{operation_id}/edit",
        plan_form(start_mode="address", start_address="Mansfield Street car park, Leicester"),
        expected=303,
    )
    response = coordinator.post(
        f"/operations/{operation_id}/edit",
        plan_form(start_mode="address", start_address="Leicester station"),
        expected=200,
    )
    summary = error_summary(parse(response.get_data(as_text=True)))
    assert "a new address cannot be found" in summary["#start_address"]
    op = ops_q.get(connect(app.config["DATABASE"]), operation_id)
    assert (op["start_latitude"], op["start_longitude"]) == pytest.approx(start)


def test_starting_at_a_site_puts_it_first_with_no_travel(coordinator, register, db):
    far = register["Far Nails"]
    operation_id = plan(
        coordinator, "take=all&band=high&band=medium", start_mode="site", start_site=str(far)
    )
    assert site_ids(db, operation_id)[0] == far
    page = coordinator.get(f"/operations/{operation_id}")
    first = page.select_one("#route-list li")
    assert first["data-id"] == str(far)
    assert first.select_one("[data-leg-m]")["data-leg-m"] == "0"
    op = ops_q.get(db, operation_id)
    assert op["start_address"].startswith("Far Nails")
    # The edit form recognises how the start was given.
    edit = coordinator.get(f"/operations/{operation_id}/edit")
    assert edit.select_one("input[name=start_mode][checked]")["value"] == "site"


# -- The visiting order ----------------------------------------------------------------------


@pytest.fixture
def line_of_sites(app):
    """Four sites due east of the Clock Tower, added out of order: 3, 1, 4, 2 km."""
    names = {3000: "Three", 1000: "One", 4000: "Four", 2000: "Two"}
    return {
        name: add_premises(app, f"{name} Wash", at=offset(CLOCK_TOWER, east_m=m))
        for m, name in names.items()
    }


def test_the_route_is_short_and_each_leg_is_shown(coordinator, line_of_sites, db):
    ids = "&".join(f"site={i}" for i in line_of_sites.values())
    operation_id = plan(
        coordinator,
        f"take=ticked&{ids}",
        start_mode="map",
        start_latitude=f"{CLOCK_TOWER[0]:.6f}",
        start_longitude=f"{CLOCK_TOWER[1]:.6f}",
    )
    expected = [line_of_sites[n] for n in ("One", "Two", "Three", "Four")]
    assert site_ids(db, operation_id) == expected
    page = coordinator.get(f"/operations/{operation_id}")
    legs = [int(el["data-leg-m"]) for el in page.select("[data-leg-m]")]
    assert legs == pytest.approx([1000] * 4, rel=0.005)
    text = page.text.replace("\xa0", " ")  # no-break spaces keep "1.0 km" together
    assert "4.0 km in all" in text
    assert "1.0 km from the start" in text and "from stop 3" in text


def test_coordinator_reorders_by_hand_then_re_runs_the_optimiser(coordinator, line_of_sites, db):
    ids = "&".join(f"site={i}" for i in line_of_sites.values())
    operation_id = plan(
        coordinator,
        f"take=ticked&{ids}",
        start_mode="map",
        start_latitude=f"{CLOCK_TOWER[0]:.6f}",
        start_longitude=f"{CLOCK_TOWER[1]:.6f}",
    )
    one, two = line_of_sites["One"], line_of_sites["Two"]
    url = f"/operations/{operation_id}"
    coordinator.post(f"{url}/sites/{two}", {"action": "up"}, expected=303, form_url=url)
    assert site_ids(db, operation_id)[:2] == [two, one]
    assert ops_q.get(db, operation_id)["order_is_manual"] == 1
    page = coordinator.get(url)
    assert "Order set by hand" in page.text
    assert "6.0\xa0km" in page.text  # 2 + 1 + 2 + 1
    coordinator.post(f"{url}/sites/{two}", {"action": "down"}, expected=303, form_url=url)
    coordinator.post(f"{url}/sites/{two}", {"action": "down"}, expected=303, form_url=url)
    assert site_ids(db, operation_id) == [one, line_of_sites["Three"], two, line_of_sites["Four"]]
    coordinator.post(f"{url}/optimise", {}, expected=303, form_url=url)
    assert site_ids(db, operation_id) == [
        one,
        two,
        line_of_sites["Three"],
        line_of_sites["Four"],
    ]
    assert ops_q.get(db, operation_id)["order_is_manual"] == 0
    actions = [
        r["action"]
        for r in db.query("SELECT action FROM audit WHERE action LIKE 'operation.%' ORDER BY id")
    ]
    assert actions == [
        "operation.create",
        "operation.move_site",
        "operation.move_site",
        "operation.move_site",
        "operation.optimise",
    ]


def test_sites_are_added_and_removed_after_planning(coordinator, register, db):
    operation_id = plan(coordinator, f"take=ticked&site={register['Red Flag Wash']}")
    url = f"/operations/{operation_id}"
    page = coordinator.get(f"{url}?q=quiet")
    button = page.select_one("#add-results form")
    assert button.select_one("input[name=premises_id]")["value"] == str(register["Quiet Wash"])
    coordinator.post(
        f"{url}/sites", {"premises_id": register["Quiet Wash"]}, expected=303, form_url=url
    )
    assert set(site_ids(db, operation_id)) == {register["Red Flag Wash"], register["Quiet Wash"]}
    # Sites already on the operation are not offered again.
    assert coordinator.get(f"{url}?q=quiet").select_one("#add-results") is None
    coordinator.post(
        f"{url}/sites/{register['Red Flag Wash']}",
        {"action": "remove"},
        expected=303,
        form_url=url,
    )
    assert site_ids(db, operation_id) == [register["Quiet Wash"]]
    coordinator.post(
        f"{url}/sites/{register['Red Flag Wash']}", {"action": "up"}, expected=404, form_url=url
    )


@pytest.mark.parametrize(
    ("metres", "text"),
    [(None, "–"), (0, "0 m"), (349.6, "350 m"), (1234, "1.2 km"), (14_400, "14 km")],
)
def test_distances_read_as_a_person_would_say_them(metres, text):
    from fieldapp.web.operations.views import distance_text

    assert distance_text(metres).replace("\xa0", " ") == text


def test_a_site_without_a_location_is_listed_apart(coordinator, register, db):
    operation_id = plan(coordinator, "take=all&band=none")
    page = coordinator.get(f"/operations/{operation_id}")
    assert [li.a.text for li in page.select("#unplaced li")] == ["No Location"]
    assert site_ids(db, operation_id)[-1] == register["No Location"]


# -- Who sees what ---------------------------------------------------------------------------


def test_partners_see_only_operations_their_agency_is_in(app, as_role, register, db):
    coordinator = as_role("coordinator")
    invited = plan(coordinator, "flagged=1&take=all", name="Op Invited", partners=["glaa"])
    other = plan(coordinator, "flagged=1&take=all", name="Op Other", partners=["police"])
    red = register["Red Flag Wash"]
    coordinator.post(f"/operations/{other}/sites/{red}/outcome", outcome_form(), expected=303)
    # Coordinators see what other operations found at a site; partners will not.
    assert "Op Other" in coordinator.get(f"/operations/{invited}/brief").text
    AuthActions(coordinator.client).logout()

    partner = as_role("partner")  # GLAA
    listed = [a.text for a in partner.get("/operations/").select("#operations a")]
    assert listed == ["Op Invited"]
    page = partner.get(f"/operations/{invited}/brief")
    assert page.h1.text == "Op Invited"
    # No links to council-only pages in a partner's pack.
    assert not page.select('a[href^="/premises/"]') and not page.select('a[href*="outcome"]')
    # Another operation and a made-up id look the same: not found.
    # The other operation's outcome at the same site is not shown to the partner either.
    assert "Op Other" not in page.text and "Earlier operations here" not in page.text
    partner.get(f"/operations/{other}/brief", expected=404)
    partner.get("/operations/999999/brief", expected=404)
    for url in (f"/operations/{invited}", f"/operations/{invited}/summary", "/operations/figures"):
        partner.get(url, expected=403)
    partner.post(f"/operations/{invited}/optimise", {}, expected=403, form_url="/operations/")


@pytest.mark.parametrize("role", ["inspector", "admin"])
def test_operations_are_not_for_inspectors_or_admins(as_role, register, role):
    client = as_role(role)
    for url in ("/operations/", "/operations/new?take=all", "/operations/1/brief"):
        client.get(url, expected=403)


@pytest.mark.parametrize(("role", "shown"), [("coordinator", True), ("partner", True)])
def test_navigation_offers_operations_to_coordinators_and_partners(as_role, role, shown):
    page = as_role(role).get("/")
    menu = [a.text.strip() for a in page.select(".govuk-service-navigation__link")]
    assert ("Operations" in menu) == shown


# -- The briefing pack -----------------------------------------------------------------------


@pytest.fixture
def hazardous(app):
    """A car wash where the last visit found live cables, acid, and people sleeping on site."""
    pid = add_premises(app, "Sparks Hand Car Wash", at=offset(CLOCK_TOWER, north_m=500))
    when = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0)
    lat, lon = offset(CLOCK_TOWER, north_m=500)
    record_visit(
        app,
        pid,
        visit_form(
            visited_at=when.isoformat(),
            latitude=f"{lat:.6f}",
            longitude=f"{lon:.6f}",
            **{
                "q-electrical": "yes",
                "q-acid_chemicals": "yes",
                "q-sleeping_fire_risk": "yes",
                "q-rtw_missing": "yes",
            },
        ),
    )
    return pid, format_uk_date(when)  # as the pack says it: "21 November 2026"


def test_the_pack_warns_of_hazards_and_names_relevant_partners(
    coordinator, register, hazardous, db
):
    pid, seen = hazardous
    operation_id = plan(
        coordinator,
        f"take=ticked&site={pid}&site={register[XSS]}&site={register['Moved Wash']}",
        partners=["fire"],
    )
    page = coordinator.get(f"/operations/{operation_id}/brief")
    printed = page.select_one("p.app-print-only").text
    assert printed.startswith(f"Printed {format_uk_date(datetime.now(UTC))}, ")
    assert printed.split(" from ")[0].endswith(("GMT", "BST"))
    site = page.select_one(f"#site-{pid}")
    hazards = site.select_one(".app-hazards").text
    assert "Electrical danger" in hazards and "Acids or unlabelled chemicals" in hazards
    assert "People sleeping where there is a fire risk" in hazards
    assert seen in hazards
    powers = {
        li.strong.text: li.select_one(".govuk-tag").text for li in site.select(".app-powers li")
    }
    assert powers["Fire and rescue service"] == "On this operation"
    assert powers["Immigration Enforcement"] == "Not invited"
    assert "HSE and council environmental health" in powers
    assert "Environment Agency" not in powers
    # The red flags, with when they were seen.
    flags = site.find("h3", string="Red flags").find_next("ul").text
    assert "last seen " + seen in flags
    # Location mismatch on another site; a script-like name stays text.
    assert "Location mismatch" in page.select_one(f"#site-{register['Moved Wash']}").text
    assert page.select_one(f"#site-{register[XSS]}-title").text.strip().endswith(XSS)
    assert "<img src=x" not in page.select_one(f"#site-{register[XSS]}").decode_contents()
    # Map data for numbered markers, in visiting order, as JSON (never HTML).
    data = json.loads(page.select_one("#operation-map-data").string)
    assert [s["n"] for s in data["stops"]] == [1, 2, 3]
    assert [s["name"] for s in data["stops"]] == [
        page.select_one(f"#site-{i}-title").text.split(" ", 1)[1].split(": ", 1)[-1].strip()
        for i in site_ids(db, operation_id)
    ]
    assert page.select_one("link[href$='operations.css']")


def test_hazard_and_partner_rules_are_data():
    found = [agencies.Finding("electrical", "Live cables?", "HS", True, "2026-01-01")]
    assert [m.item["id"] for m in agencies.hazards_found(found)] == ["electrical"]
    assert [m.item["id"] for m in agencies.relevant_agencies(found)] == ["hse_eh"]
    custom = {"x": {"id": "x", "name": "X", "categories": [], "indicators": ["electrical"]}}
    assert agencies.relevant_agencies(found, custom)[0].because == tuple(found)
    assert all(h["advice"] and h["indicators"] for h in agencies.hazards())
    assert agencies.hazard_months() == 24


# -- Outcomes and figures ---------------------------------------------------------------------


def outcome_form(**overrides):
    form = {
        "visited": "yes",
        "workers_spoken_to": "6",
        "potential_victims": "3",
        "referrals_nrm": "1",
        "referrals_duty_to_notify": "2",
        "referrals_childrens_services": "0",
        "enforcement_actions": ["prohibition_notice", "civil_penalty"],
        "note": "Two workers sleeping in the container; fire service served a prohibition.",
        "flag_action": "leave",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_outcomes_are_totalled_and_shown_on_each_premises(coordinator, register, db):
    red, xss, quiet = register["Red Flag Wash"], register[XSS], register["Quiet Wash"]
    operation_id = plan(coordinator, f"take=ticked&site={red}&site={xss}&site={quiet}")
    base = f"/operations/{operation_id}/sites"
    coordinator.post(f"{base}/{red}/outcome", outcome_form(), expected=303)
    coordinator.post(
        f"{base}/{xss}/outcome",
        outcome_form(
            workers_spoken_to="4",
            potential_victims="2",
            referrals_nrm="2",
            referrals_duty_to_notify="0",
            referrals_childrens_services="1",
            enforcement_actions=["arrest"],
        ),
        expected=303,
    )
    coordinator.post(
        f"{base}/{quiet}/outcome",
        outcome_form(
            visited="no",
            not_visited_reason="Closed when the team arrived",
            workers_spoken_to="0",
            potential_victims="0",
            referrals_nrm="0",
            referrals_duty_to_notify="0",
            enforcement_actions=None,
            note="",
        ),
        expected=303,
    )
    page = coordinator.get(f"/operations/{operation_id}/summary")
    totals = {
        row["data-total"]: row.dd.text.split()[0] for row in page.select("#totals [data-total]")
    }
    assert totals == {
        "visited": "2",
        "not_visited": "1",
        "workers_spoken_to": "10",
        "potential_victims": "5",
        "referrals_nrm": "3",
        "referrals_duty_to_notify": "2",
        "referrals_childrens_services": "1",
        "enforcement": "3",
    }
    assert "Prohibition notice: 1" in page.select_one('[data-total="enforcement"]').text
    assert "Not visited: Closed when the team arrived" in page.text

    history = coordinator.get(f"/premises/{red}").select_one("#operations + ul").text
    assert "Operation Clean Sweep" in history and "3 potential victims identified" in history
    assert "prohibition notice, civil penalty" in history
    # Correcting an outcome replaces it, and both writes are in the audit trail.
    coordinator.post(f"{base}/{red}/outcome", outcome_form(potential_victims="4"), expected=303)
    assert ops_q.outcome(db, operation_id, red)["potential_victims"] == 4
    actions = [
        r["action"]
        for r in db.query(
            "SELECT action FROM audit WHERE table_name = 'operation_outcomes' ORDER BY id"
        )
    ]
    assert actions == ["operation.outcome.create"] * 3 + ["operation.outcome.update"]
    audit = json.loads(
        next(db.query("SELECT detail FROM audit WHERE action = 'operation.outcome.update'"))[
            "detail"
        ]
    )
    assert audit["potential_victims"] == 4 and "note" not in audit
    # A site with an outcome stays on the operation.
    url = f"/operations/{operation_id}"
    coordinator.post(f"{url}/sites/{red}", {"action": "remove"}, expected=303, form_url=url)
    assert red in site_ids(db, operation_id)


def test_an_outcome_can_change_the_premises_flag_with_a_reason(coordinator, register, db):
    quiet = register["Quiet Wash"]
    operation_id = plan(coordinator, f"take=ticked&site={quiet}")
    coordinator.post(
        f"/operations/{operation_id}/sites/{quiet}/outcome",
        outcome_form(flag_action="flag", flag_reason="Workers living in the container"),
        expected=303,
    )
    row = next(db.query("SELECT * FROM premises WHERE id = ?", [quiet]))
    assert (
        row["flag_override"] == "flag" and row["flag_reason"] == "Workers living in the container"
    )
    assert (
        next(db.query("SELECT count(*) AS n FROM audit WHERE action = 'premises.flag'"))["n"] == 1
    )


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"visited": None}, "#visited", "Say whether the site was visited"),
        (
            {"visited": "no", "not_visited_reason": ""},
            "#not_visited_reason",
            "Say why the site was not visited",
        ),
        (
            {"visited": "no", "not_visited_reason": "Closed"},
            "#potential_victims",
            "not visited, so workers spoken to and potential victims must be 0",
        ),
        ({"workers_spoken_to": "lots"}, "#workers_spoken_to", "enter a whole number"),
        ({"potential_victims": "-1"}, "#potential_victims", "enter a whole number"),
        ({"workers_spoken_to": "1000"}, "#workers_spoken_to", "up to 999"),
        ({"referrals_nrm": "3"}, "#referrals_nrm", "cannot be more than the potential victims"),
        (
            {"referrals_childrens_services": "4"},
            "#referrals_childrens_services",
            "cannot be more than the potential victims",
        ),
        ({"enforcement_actions": ["deportation"]}, "#enforcement_actions", "is not a valid choice"),
        ({"note": "x" * 501}, "#note", "500 characters or fewer"),
        (
            {"workers_spoken_to": "2", "potential_victims": "40"},
            "#potential_victims",
            "Potential victims identified (40) cannot be more than workers spoken to (2)",
        ),
        ({"flag_action": "flag", "flag_reason": ""}, "#flag_reason", "Give a reason"),
    ],
)
def test_outcome_errors_name_the_field_and_save_nothing(
    coordinator, register, db, overrides, field, message
):
    red = register["Red Flag Wash"]
    operation_id = plan(coordinator, f"take=ticked&site={red}")
    response = coordinator.post(
        f"/operations/{operation_id}/sites/{red}/outcome", outcome_form(**overrides), expected=200
    )
    page = parse(response.get_data(as_text=True))
    summary = error_summary(page)
    assert field in summary and message in summary[field], summary
    assert page.select_one(field) is not None, f"{field} is not on the page"
    assert db["operation_outcomes"].count == 0


@pytest.mark.parametrize(
    ("workers", "victims"), [("2", "2"), ("5", "0"), ("", "3"), ("0", ""), ("", "")]
)
def test_as_many_victims_as_workers_or_either_left_blank_is_accepted(
    coordinator, register, db, workers, victims
):
    red = register["Red Flag Wash"]
    operation_id = plan(coordinator, f"take=ticked&site={red}")
    coordinator.post(
        f"/operations/{operation_id}/sites/{red}/outcome",
        outcome_form(
            workers_spoken_to=workers,
            potential_victims=victims,
            referrals_nrm="0",
            referrals_duty_to_notify="0",
        ),
        expected=303,
    )
    assert db["operation_outcomes"].count == 1


def test_no_outcome_is_recorded_for_an_operation_dated_in_the_future(coordinator, register, db):
    red = register["Red Flag Wash"]
    next_week = uk_today() + timedelta(days=7)
    operation_id = plan(
        coordinator,
        f"take=ticked&site={red}",
        operation_date=[str(next_week.day), str(next_week.month), str(next_week.year)],
    )
    url = f"/operations/{operation_id}/sites/{red}/outcome"
    for response in (
        coordinator.client.get(url),
        coordinator.post(url, outcome_form(), expected=303, form_url=f"/operations/{operation_id}"),
    ):
        assert response.status_code == 303
        assert response.headers["Location"].endswith(f"/operations/{operation_id}")
    assert db["operation_outcomes"].count == 0
    page = coordinator.get(f"/operations/{operation_id}")
    banner = page.select_one(".govuk-notification-banner:not([hidden])").text
    assert f"planned for {format_uk_date(next_week)}" in banner
    assert "Outcomes can be recorded from that day" in banner


def test_outcomes_are_recorded_on_the_day_of_the_operation(coordinator, register, db):
    red = register["Red Flag Wash"]
    today = uk_today()
    operation_id = plan(
        coordinator,
        f"take=ticked&site={red}",
        operation_date=[str(today.day), str(today.month), str(today.year)],
    )
    coordinator.post(
        f"/operations/{operation_id}/sites/{red}/outcome", outcome_form(), expected=303
    )
    assert db["operation_outcomes"].count == 1


def test_outcome_form_warns_against_identities_and_caps_lengths(coordinator, register):
    red = register["Red Flag Wash"]
    operation_id = plan(coordinator, f"take=ticked&site={red}")
    page = coordinator.get(f"/operations/{operation_id}/sites/{red}/outcome")
    assert "Do not write names" in page.select_one("#note-hint").text
    assert page.select_one("#not_visited_reason") is not None
    plan_page = coordinator.get("/operations/new?take=all&flagged=1")
    assert "Do not write names" in plan_page.select_one("#briefing-hint").text


def test_figures_answer_the_scrutiny_questions_for_a_period(coordinator, register, db):
    red, xss = register["Red Flag Wash"], register[XSS]
    march = plan(coordinator, f"take=ticked&site={red}&site={xss}", partners=["glaa"])
    june = plan(
        coordinator, f"take=ticked&site={red}", operation_date=["10", "6", "2026"], partners=[]
    )
    coordinator.post(f"/operations/{march}/sites/{red}/outcome", outcome_form(), expected=303)
    coordinator.post(
        f"/operations/{march}/sites/{xss}/outcome",
        outcome_form(potential_victims="1", referrals_nrm="1", referrals_duty_to_notify="0"),
        expected=303,
    )
    coordinator.post(
        f"/operations/{june}/sites/{red}/outcome",
        outcome_form(potential_victims="5", referrals_nrm="5", referrals_duty_to_notify="0"),
        expected=303,
    )

    def answers(query):
        page = coordinator.get(f"/operations/figures?{query}")
        return {row["data-q"]: row.dd.text.strip() for row in page.select("#answers [data-q]")}

    spring = answers("from=2026-03-01&to=2026-03-31")
    assert spring["operations"] == "1"
    assert spring["victims"] == "4"
    assert spring["nrm"] == "2"
    assert spring["dtn"] == "2"
    assert spring["visited"].startswith("2 of 2 planned")
    assert "Prohibition notice: 2" in spring["enforcement"]
    assert "Gangmasters and Labour Abuse Authority (GLAA): 1 operation" in spring["partners"]
    year = answers("from=2026-01-01&to=2026-12-31")
    assert (year["operations"], year["victims"], year["nrm"]) == ("2", "9", "7")
    assert answers("from=2025-01-01&to=2025-12-31")["victims"] == "0"


def test_operation_totals_add_up_outcome_rows():
    rows = [
        {
            "visited": 1,
            "workers_spoken_to": 3,
            "potential_victims": 2,
            "referrals_nrm": 1,
            "referrals_duty_to_notify": 1,
            "referrals_childrens_services": 0,
            "enforcement_actions": ["arrest", "closure"],
        },
        {
            "visited": 0,
            "workers_spoken_to": 0,
            "potential_victims": 0,
            "referrals_nrm": 0,
            "referrals_duty_to_notify": 0,
            "referrals_childrens_services": 0,
            "enforcement_actions": [],
        },
    ]
    totals = ops.totals(rows)
    assert (totals["recorded"], totals["visited"], totals["not_visited"]) == (2, 1, 1)
    assert (totals["potential_victims"], totals["referrals"], totals["enforcement"]) == (2, 2, 2)
    assert totals["actions"]["arrest"] == 1 and totals["actions"]["civil_penalty"] == 0


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=soon", "#period-from", "From date must be a real date"),
        ("from=2026-05-01&to=2026-04-01", "#period-to", "same as or after"),
    ],
)
def test_figures_date_errors_name_the_field(coordinator, query, field, message):
    page = coordinator.get(f"/operations/figures?{query}")
    summary = error_summary(page)
    assert message in summary[field]


def test_figures_default_to_the_last_twelve_months(coordinator):
    page = coordinator.get("/operations/figures")
    today = date.today()
    assert page.select_one("#period-to")["value"] == today.isoformat()


def test_outcomes_open_on_the_uk_day_of_the_operation():
    op = {"name": "Operation Dawn", "operation_date": "2026-12-02"}
    assert "Operation Dawn is planned for 2 December 2026" in ops.outcomes_not_yet(
        op, date(2026, 12, 1)
    )
    assert ops.outcomes_not_yet(op, date(2026, 12, 2)) is None
    assert ops.outcomes_not_yet(op, date(2027, 1, 1)) is None
