"""Placing a premises by hand: where the officer is or a pin, its postcode's centre, or its
UPRN's address point; for those an import could not place and those placed wrongly."""

from __future__ import annotations

import json

import pytest

from fieldapp.queries import connect
from tests.conftest import AuthActions, csrf_token, make_app, parse
from tests.test_import_places import CENTRES, SPARKLE_UPRN_POINT, load_places
from tests.visit_helpers import CLOCK_TOWER, add_premises


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    load_places(app, tmp_path)
    return app


def client_for(app, role="inspector"):
    client = app.test_client()
    AuthActions(client).login(role)
    return client


def premises(app, premises_id) -> dict:
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM premises WHERE id = ?", [premises_id]))
    db.conn.close()
    return row


def send(client, premises_id, **data):
    url = f"/premises/{premises_id}/place"
    token = csrf_token(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def errors(response) -> dict[str, str]:
    page = parse(response.get_data(as_text=True))
    return {a["href"]: a.text.strip() for a in page.select(".govuk-error-summary a")}


def test_the_premises_page_offers_to_place_one_with_no_position(app):
    premises_id = add_premises(app, at=None)
    client = client_for(app)
    page = parse(client.get(f"/premises/{premises_id}").get_data(as_text=True))
    assert page.select_one("#place-link")["href"] == f"/premises/{premises_id}/place"
    form = parse(client.get(f"/premises/{premises_id}/place").get_data(as_text=True))
    # add_premises gives LE1 5AA, which is loaded; the UPRN choice is there as UPRNs are.
    assert (
        "The centre of its postcode, LE1 5AA" in form.select_one("label[for=method-postcode]").text
    )
    assert form.select_one("#uprn")


def test_placing_at_the_postcode_centre(app):
    premises_id = add_premises(app, at=None)
    response = send(client_for(app), premises_id, method="postcode")
    assert response.status_code == 302
    row = premises(app, premises_id)
    assert (row["latitude"], row["longitude"]) == pytest.approx(CENTRES["LE1 5AA"])
    assert row["location_source"] == "postcode"


def test_placing_at_a_uprn_keeps_the_uprn(app):
    premises_id = add_premises(app, at=None)
    response = send(client_for(app), premises_id, method="uprn", uprn=" 100030000001 ")
    assert response.status_code == 302
    row = premises(app, premises_id)
    assert (row["latitude"], row["longitude"]) == pytest.approx(SPARKLE_UPRN_POINT)
    assert (row["location_source"], row["uprn"]) == ("uprn", "100030000001")


def test_a_pin_corrects_a_wrong_position_and_the_audit_keeps_the_old_one(app):
    premises_id = add_premises(app)  # at the Clock Tower, by a phone's fix
    response = send(
        client_for(app, "coordinator"),
        premises_id,
        method="here",
        latitude="52.636000",
        longitude="-1.133000",
        location_source="map",
    )
    assert response.status_code == 302
    row = premises(app, premises_id)
    assert (row["latitude"], row["location_source"]) == (52.636, "map")
    db = connect(app.config["DATABASE"])
    (audit,) = db.query("SELECT detail FROM audit WHERE action = 'premises.place'")
    assert json.loads(audit["detail"])["was"] == [*CLOCK_TOWER, "gps"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "#method", "Choose how to place the premises"),
        ({"method": "here"}, "#method", "Use your location or place a pin on the map first"),
        (
            {"method": "here", "latitude": "95", "longitude": "0", "location_source": "map"},
            "#method",
            "Use your location or place a pin on the map first",
        ),
        (
            {"method": "here", "latitude": "52.6", "longitude": "-1.1", "location_source": "x"},
            "#method",
            "Use your location or place a pin on the map first",
        ),
        ({"method": "uprn", "uprn": "<script>1</script>"}, "#uprn", "Enter the UPRN"),
        ({"method": "uprn", "uprn": "999"}, "#uprn", "UPRN 999 is not in the UPRN data"),
        ({"method": "postcode-of-mars"}, "#method", "Choose how to place the premises"),
    ],
)
def test_a_choice_that_cannot_be_used_says_what_to_do_and_changes_nothing(
    app, data, field, message
):
    premises_id = add_premises(app, at=None)
    response = send(client_for(app), premises_id, **data)
    assert response.status_code == 200
    found = errors(response)
    assert message in found[field]
    assert "<script>1</script>" not in response.get_data(as_text=True)
    assert premises(app, premises_id)["latitude"] is None


def test_the_postcode_choice_is_not_offered_or_taken_without_postcode_data(tmp_path):
    app = make_app(tmp_path)
    premises_id = add_premises(app, at=None)
    client = client_for(app)
    page = parse(client.get(f"/premises/{premises_id}/place").get_data(as_text=True))
    assert not page.select("#method-postcode") and not page.select("#uprn")
    assert "Choose how" in errors(send(client, premises_id, method="postcode"))["#method"]


def test_placing_needs_the_form_token_and_a_council_officer(app):
    premises_id = add_premises(app, at=None)
    client = client_for(app)
    assert (
        client.post(f"/premises/{premises_id}/place", data={"method": "postcode"}).status_code
        == 400
    )
    partner = client_for(app, "partner")
    assert partner.get(f"/premises/{premises_id}/place").status_code in (403, 404)
