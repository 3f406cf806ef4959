"""Safeguarding routes and contacts as deployment data (checklists/safeguarding.toml).

A council replaces the shipped made-up numbers with its own: until it does, an enabled route
that would show one stops the app. Switched-off routes and contacts are neither shown nor
checked. Expected routes are worked out from the rule (a route answers its concern from its
level upwards), not copied from output.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from fieldapp.checklists import ChecklistError, load_folder, read_safeguarding
from fieldapp.checklists.safeguarding_file import ID, is_placeholder_number, is_placeholder_url
from fieldapp.safeguarding import contacts_by_id, referral_routes, routes_for
from tests.conftest import AuthActions, make_app, parse
from tests.factories import record_visit
from tests.visit_helpers import SHIPPED, add_premises, visit_form

FIRST_RESPONDER = ["police_999", "child", "nrm", "duty_to_notify", "adult_safeguarding"]
# The council's own contacts in the shipped file, each an Ofcom drama number.
LOCAL = {
    "spoc": "01632 960000",
    "childrens_services": "01632 960001",
    "childrens_services_out_of_hours": "01632 960002",
    "adult_social_care": "01632 960003",
    "adult_social_care_out_of_hours": "01632 960004",
}
FORM = "https://www.modernslavery.gov.uk/start"


def shipped() -> dict:
    return read_safeguarding(SHIPPED / "safeguarding.toml")


def folder_copy(tmp_path: Path, numbers: dict[str, str] | None = None) -> Path:
    """A copy of the shipped checklists with some of the council's numbers put in."""
    directory = tmp_path / "checklists"
    shutil.copytree(SHIPPED, directory)
    for contact_id, number in (numbers or {}).items():
        edit(directory, f'number = "{LOCAL[contact_id]}"', f'number = "{number}"')
    return directory


def edit(directory: Path, old: str, new: str) -> None:
    path = directory / "safeguarding.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def switch_off(directory: Path, kind: str, item_id: str) -> None:
    block = f'[[{kind}]]\nid = "{item_id}"\n'
    edit(directory, block, block + "enabled = false\n")


# Numbers a council might really use (outside Ofcom's drama ranges), one per local contact.
OWN_NUMBERS = {contact_id: f"0116 454 {1000 + i}" for i, contact_id in enumerate(LOCAL)}


def real_deployment(monkeypatch, tmp_path, directory: Path):
    """An app as a council runs it: placeholders not allowed."""
    monkeypatch.delenv("FIELDAPP_SAFEGUARDING_PLACEHOLDERS_ALLOWED", raising=False)
    return make_app(tmp_path, CHECKLIST_DIR=str(directory))


def slavery_result_page(app) -> object:
    """The result page of a visit with the workers' ID held (a red flag: modern slavery high)."""
    premises_id = add_premises(app)
    visit_id = record_visit(app, premises_id, visit_form(**{"q-id_retained": "yes"}))
    client = app.test_client()
    AuthActions(client).login("inspector")
    return parse(client.get(f"/visits/{visit_id}").get_data(as_text=True))


# --- The shipped file ----------------------------------------------------------------------------


def test_the_shipped_file_has_the_adult_safeguarding_route_beside_the_first_responder_routes():
    data = shipped()
    ids = [r["id"] for r in data["route"]]
    assert ids[:5] == FIRST_RESPONDER
    adult = data["route"][4]
    assert (adult["concern"], adult["level"], adult["referral"], adult["enabled"]) == (
        "slavery",
        "medium",
        True,
        True,
    )
    assert "Care Act 2014 s42" in adult["when"]
    assert adult["contacts"][:2] == ["adult_social_care", "adult_social_care_out_of_hours"]
    assert [s["id"] for s in adult["next_steps"]][0] == "adult_social_care_told"


def test_the_shipped_next_steps_have_the_ids_other_records_store():
    steps = {r["id"]: [s["id"] for s in r["next_steps"]] for r in shipped()["route"]}
    assert steps["nrm"][1:3] == ["nrm_submitted", "reference_received"]
    assert steps["child"][:2] == ["childrens_services_told", "nrm_submitted"]
    assert steps["duty_to_notify"][0] == "dtn_submitted"
    assert steps["police_999"][0] == "police_called"
    for route_id, ids in steps.items():
        assert ids, f"{route_id} has no next steps"
        assert len(ids) == len(set(ids)) and all(ID.fullmatch(i) for i in ids), route_id


def test_the_shipped_national_contacts_are_real_and_the_councils_are_placeholders():
    contacts = {c["id"]: c for c in shipped()["contact"]}
    assert contacts["helpline"]["number"] == "08000 121 700"
    assert contacts["salvation_army"]["number"] == "0800 808 3733"
    assert contacts["referral_form"]["url"] == FORM
    assert {i for i, c in contacts.items() if c["placeholder"]} == set(LOCAL)
    for contact_id, number in LOCAL.items():
        assert contacts[contact_id]["number"] == number
    routes = {r["id"]: r for r in shipped()["route"]}
    for route_id in ("nrm", "duty_to_notify", "child"):
        assert "referral_form" in routes[route_id]["contacts"], route_id


# --- What counts as a placeholder ----------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "01632 960000",
        "01632 960999",
        "020 7946 0123",
        "07700 900456",
        "+44 7700 900456",
        "+44 (0)1632 960999",
        "0044 20 7946 0000",
        "0113 496 0000",
        "0161 496 0999",
        "028 9649 6000",
        "029 2018 0000",
        "08081 570123",
        "",
        "   ",
        "TBC",
        "tbd",
        "XXX",
        "01632 XXXXXX",
        "replace me",
        "Replace me with the MASH number",
        "TODO",
    ],
)
def test_a_placeholder_number_is_recognised(number):
    assert is_placeholder_number(number)


@pytest.mark.parametrize(
    "number",
    [
        "999",
        "101",
        "08000 121 700",
        "0800 808 3733",
        "0116 454 1000",
        "01632 961000",
        "+44 116 454 1000",
    ],
)
def test_a_real_number_is_not_a_placeholder(number):
    assert not is_placeholder_number(number)


@pytest.mark.parametrize(
    ("url", "placeholder"),
    [
        (FORM, False),
        ("https://www.leicester.gov.uk/mash", False),
        ("", True),
        ("https://example.com/referral", True),
        ("https://referrals.example.gov.uk.example/", True),
        ("https://council.test/form", True),
        ("https://www.modernslavery.gov.uk/REPLACE-ME", True),
    ],
)
def test_a_placeholder_address_is_recognised(url, placeholder):
    assert is_placeholder_url(url) is placeholder


# --- Starting the app ----------------------------------------------------------------------------


def test_a_deployment_with_a_placeholder_number_in_an_enabled_route_does_not_start(
    monkeypatch, tmp_path
):
    # Every number put in but the children's services out of hours one.
    own = {k: v for k, v in OWN_NUMBERS.items() if k != "childrens_services_out_of_hours"}
    directory = folder_copy(tmp_path, own)
    with pytest.raises(ChecklistError) as refused:
        real_deployment(monkeypatch, tmp_path, directory)
    assert str(refused.value) == (
        f"{directory / 'safeguarding.toml'}: contact.childrens_services_out_of_hours.number: "
        "route 'child' shows contact 'childrens_services_out_of_hours', whose number "
        "'01632 960002' is a placeholder: put in your council's number, or set "
        "enabled = false on the contact or the route."
    )


def test_the_shipped_file_stops_a_real_deployment_with_every_placeholder_named(
    monkeypatch, tmp_path
):
    with pytest.raises(ChecklistError) as refused:
        real_deployment(monkeypatch, tmp_path, SHIPPED)
    problems = refused.value.problems
    shown = {(p.path, re.search(r"route '(\w+)'", p.message).group(1)) for p in problems}
    # Each enabled route names each local contact it shows; the shipped routes show the
    # council's lead on every first-responder route.
    expected = {("contact.spoc.number", route) for route in FIRST_RESPONDER}
    expected |= {
        ("contact.childrens_services.number", "child"),
        ("contact.childrens_services_out_of_hours.number", "child"),
        ("contact.adult_social_care.number", "adult_safeguarding"),
        ("contact.adult_social_care_out_of_hours.number", "adult_safeguarding"),
    }
    assert shown == expected
    assert all(p.file.endswith("safeguarding.toml") for p in problems)


def test_a_deployment_with_its_own_numbers_starts_and_shows_them(monkeypatch, tmp_path):
    app = real_deployment(monkeypatch, tmp_path, folder_copy(tmp_path, OWN_NUMBERS))
    page = slavery_result_page(app)
    child = page.select_one("#route-child")
    assert child.select_one('a[href="tel:01164541002"]').text == "0116 454 1002"
    assert "Demo number" not in page.text


def test_a_switched_off_contact_is_neither_shown_nor_checked(monkeypatch, tmp_path):
    own = {k: v for k, v in OWN_NUMBERS.items() if k != "childrens_services_out_of_hours"}
    directory = folder_copy(tmp_path, own)
    switch_off(directory, "contact", "childrens_services_out_of_hours")
    app = real_deployment(monkeypatch, tmp_path, directory)  # starts
    child = slavery_result_page(app).select_one("#route-child")
    assert "out of hours" not in child.text and "01632" not in child.text
    assert child.select_one('a[href="tel:01164541001"]') is not None  # the office hours line


def test_a_switched_off_route_is_neither_shown_nor_checked_nor_offered(monkeypatch, tmp_path):
    # The adult social care numbers stay placeholders: the route that shows them is off.
    own = {k: v for k, v in OWN_NUMBERS.items() if not k.startswith("adult_social_care")}
    directory = folder_copy(tmp_path, own)
    switch_off(directory, "route", "adult_safeguarding")
    app = real_deployment(monkeypatch, tmp_path, directory)  # starts
    page = slavery_result_page(app)
    assert page.select_one("#route-adult_safeguarding") is None
    assert page.select_one("#route-nrm") is not None
    assert page.select_one('input[name="route"][value="adult_safeguarding"]') is None
    assert page.select_one('input[name="route"][value="nrm"]') is not None


def test_placeholders_are_allowed_where_the_setting_says_so(tmp_path):
    # The tests (like the demo, scripts/run) set SAFEGUARDING_PLACEHOLDERS_ALLOWED.
    page = slavery_result_page(make_app(tmp_path))
    adult = page.select_one("#route-adult_safeguarding")
    link = adult.select_one('a[href="tel:01632960003"]')
    assert link.text == "01632 960003"
    assert "Demo number" in link.parent.text


# --- The file's shape ----------------------------------------------------------------------------


def test_every_mistake_in_the_file_is_reported_at_once(tmp_path):
    directory = folder_copy(tmp_path)
    edit(directory, 'id = "dtn_submitted"', 'id = "DTN-submitted"')
    edit(directory, 'id = "reference_received"', 'id = "nrm_submitted"')  # twice in child
    edit(directory, '"childrens_services", "childrens_services_out_of_hours"', '"mash"')
    edit(directory, 'id = "hazard"\n', 'id = "hazard"\nenable = false\n')
    edit(directory, f'url = "{FORM}"', 'url = "http://www.modernslavery.gov.uk/start"')
    edit(directory, 'number = "0800 555 111"', 'number = "0800 555 111 ext 2"')
    with pytest.raises(ChecklistError) as error:
        load_folder(directory)
    found = {(p.path, p.message) for p in error.value.problems}
    assert found == {
        (
            "route.duty_to_notify.next_steps[0].id",
            "is 'DTN-submitted': use lower case letters, digits and _ only.",
        ),
        (
            "route.child.next_steps[2].id",
            "'nrm_submitted' is used twice: give each its own id.",
        ),
        ("route.child.contacts[0]", "names 'mash', which no [[contact]] has as its id."),
        (
            "route.hazard.enable",
            "is not known: use one of id, enabled, concern, level, referral, title, when, "
            "steps, contacts, next_steps.",
        ),
        (
            "contact.referral_form.url",
            "is 'http://www.modernslavery.gov.uk/start': give an https:// address.",
        ),
        ("contact.crimestoppers.number", "is '0800 555 111 ext 2': use digits and spaces only."),
    }


@pytest.mark.parametrize(
    "step_id", ["NRM_submitted", "nrm-submitted", "nrm submitted", "nrm\n", ""]
)
def test_a_next_step_id_is_plain(tmp_path, step_id):
    directory = folder_copy(tmp_path)
    edit(directory, 'id = "dtn_submitted"', f"id = {step_id!r}".replace("'", '"'))
    with pytest.raises(ChecklistError) as error:
        load_folder(directory)
    assert [p.path for p in error.value.problems] == ["route.duty_to_notify.next_steps[0].id"]


def test_a_switched_off_route_is_still_checked_for_mistakes(tmp_path):
    # Off is not a place to keep a typo: the route may be switched back on.
    directory = folder_copy(tmp_path)
    switch_off(directory, "route", "adult_safeguarding")
    edit(directory, '"adult_social_care", "adult_social_care_out_of_hours"', '"adult_care"')
    with pytest.raises(ChecklistError, match="adult_safeguarding.contacts"):
        load_folder(directory)


# --- Which routes a result calls for (the rule: a route answers its concern from its level) ----


def model_2(**levels) -> dict:
    concerns = ("slavery", "labour", "safety", "environment", "trading")
    return {"model": 2, "concerns": [{"id": c, "level": levels.get(c, "low")} for c in concerns]}


def chosen(result, safeguarding=None) -> list[str]:
    found = routes_for(result, safeguarding or shipped())
    return [r["id"] for action in found for r in action["routes"]]


@pytest.mark.parametrize(
    ("result", "shows_adult_route"),
    [
        (model_2(slavery="medium"), True),  # the route's own level
        (model_2(slavery="high"), True),  # above it
        (model_2(slavery="low"), False),
        (model_2(slavery="not_judged"), False),
        (model_2(slavery="low", labour="high"), False),  # wages alone: the Fair Work Agency
        (model_2(slavery="not_judged", safety="high"), False),  # a hazard alone
        ({"model": 1, "red_flags": [{"id": "id_retained"}]}, True),  # version 1: a red flag
        ({"model": 1, "red_flags": []}, False),
    ],
)
def test_the_adult_safeguarding_route_follows_modern_slavery_concern(result, shows_adult_route):
    assert ("adult_safeguarding" in chosen(result)) is shows_adult_route
    # It goes with, never instead of, the other first-responder routes.
    assert ("nrm" in chosen(result)) is shows_adult_route


def test_medium_modern_slavery_concern_shows_every_first_responder_route_in_order():
    assert chosen(model_2(slavery="medium")) == FIRST_RESPONDER


def test_a_switched_off_route_is_never_chosen_nor_offered_as_a_referral():
    data = shipped()
    for route in data["route"]:
        if route["id"] in ("adult_safeguarding", "fair_work_agency"):
            route["enabled"] = False
    assert "adult_safeguarding" not in chosen(model_2(slavery="high"), data)
    assert chosen(model_2(labour="high"), data) == []
    offered = [r["id"] for r in referral_routes(data)]
    assert "adult_safeguarding" not in offered and "nrm" in offered


def test_a_switched_off_contact_is_left_out():
    data = shipped()
    data["contact"][0]["enabled"] = False
    assert data["contact"][0]["id"] not in contacts_by_id(data)
    assert "helpline" in contacts_by_id(data)


# --- What the officer sees -----------------------------------------------------------------------


def test_the_result_page_shows_each_routes_contacts_form_and_next_steps(app):
    page = slavery_result_page(app)
    nrm = page.select_one("#route-nrm")
    assert nrm.select_one(f'a[href="{FORM}"]').text == (
        "Home Office online referral form (NRM and Duty to Notify)"
    )
    assert nrm.select_one('a[href="tel:08008083733"]').text == "0800 808 3733"
    assert nrm.select_one('a[href="tel:08000121700"]').text == "08000 121 700"
    steps = [li["data-step"] for li in nrm.select("#next-steps-nrm li")]
    assert steps == ["consent_recorded", "nrm_submitted", "reference_received", "spoc_told"]
    assert "NRM referral submitted online" in nrm.text
    dtn = page.select_one("#route-duty_to_notify")
    assert dtn.select_one(f'a[href="{FORM}"]') is not None
    assert [li["data-step"] for li in dtn.select(".app-next-steps li")][0] == "dtn_submitted"
    child = page.select_one("#route-child")
    assert [a["href"] for a in child.select(".app-contacts a")] == [
        "tel:01632960001",
        "tel:01632960002",
        FORM,
        "tel:01632960000",
    ]
    assert page.select_one("#route-police_999 a[href='tel:999']").text == "999"
    # Every step of every route shown, as the file gives them.
    for route in shipped()["route"][:5]:
        block = page.select_one(f"#route-{route['id']}")
        for step in route["steps"]:
            assert step in block.text


def test_the_fair_work_agency_route_shows_its_intelligence_line(app):
    premises_id = add_premises(app)
    form = visit_form(
        **{"q-cash_only": "yes", "q-long_hours": "yes", "q-no_contract": "yes"},
        **{"q-wage_deductions": "yes"},
    )
    visit_id = record_visit(app, premises_id, form)
    client = app.test_client()
    AuthActions(client).login("inspector")
    page = parse(client.get(f"/visits/{visit_id}").get_data(as_text=True))
    route = page.select_one(".app-action--labour #route-fair_work_agency")
    assert route.select_one('a[href="tel:08004320804"]').text == "0800 432 0804"
    assert page.select_one("#route-nrm") is None


def test_next_steps_show_what_is_done_when_given_the_ticked_ids(app):
    route = next(r for r in shipped()["route"] if r["id"] == "nrm")
    with app.test_request_context():
        macro = app.jinja_env.get_template("visits/_next_steps.html").module.next_steps
        plain = parse(str(macro(route)))
        ticked = parse(str(macro(route, ticked={"nrm_submitted"})))
    assert "Done" not in plain.text and len(plain.select("li")) == 4
    done = {li["data-step"]: li.text for li in ticked.select("li")}
    assert done["nrm_submitted"].endswith("Done")
    assert done["reference_received"].endswith("Not done")


def test_the_phone_gets_each_routes_contacts_and_next_steps(client, as_role):
    as_role("inspector")
    data = client.get("/api/checklists.json").get_json()["safeguarding"]
    routes = {r["id"]: r for r in data["route"]}
    assert routes["adult_safeguarding"]["contacts"][0] == "adult_social_care"
    assert routes["nrm"]["next_steps"][1] == {
        "id": "nrm_submitted",
        "text": "NRM referral submitted online",
    }
    contacts = {c["id"]: c for c in data["contact"]}
    assert contacts["referral_form"]["url"] == FORM
    assert contacts["spoc"]["placeholder"] is True and contacts["helpline"]["placeholder"] is False
    assert all(r["enabled"] for r in data["route"])
