"""Where a premises is on the map: a postcode's centre is a stand-in that the first good
visit fix replaces, and it is never used to judge where a fix was taken."""

from __future__ import annotations

import json

import pytest

from fieldapp.queries import connect
from tests.conftest import make_app
from tests.factories import record_visit
from tests.visit_helpers import CLOCK_TOWER, add_premises, offset, visit_form

# A postcode centre 400 m from the door: far enough that judging a fix by it would call
# an officer standing at the premises 400 m away.
CENTROID = offset(CLOCK_TOWER, north_m=400)


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def _set_location(app, premises_id, at, source):
    db = connect(app.config["DATABASE"])
    with db.conn:
        db.conn.execute(
            "UPDATE premises SET latitude = ?, longitude = ?, location_source = ?, "
            "easting = 458000, northing = 305000 WHERE id = ?",
            [at[0] if at else None, at[1] if at else None, source, premises_id],
        )
    db.conn.close()


def _premises(app, premises_id) -> dict:
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM premises WHERE id = ?", [premises_id]))
    db.conn.close()
    return row


def _visit(app, visit_id) -> dict:
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]))
    db.conn.close()
    return row


def _fix(at, accuracy="12", method="gps"):
    return {
        "latitude": f"{at[0]:.6f}",
        "longitude": f"{at[1]:.6f}",
        "accuracy_m": accuracy,
        "location_method": method,
    }


def test_the_first_good_fix_replaces_a_postcode_centre(app):
    premises_id = add_premises(app)
    _set_location(app, premises_id, CENTROID, "postcode")
    visit_id = record_visit(app, premises_id, visit_form(**_fix(CLOCK_TOWER)))
    premises = _premises(app, premises_id)
    assert (premises["latitude"], premises["longitude"]) == pytest.approx(CLOCK_TOWER, abs=1e-6)
    assert premises["location_source"] == "gps"
    assert (premises["easting"], premises["northing"]) == (None, None)
    # Not judged against the centre it replaced: no distance, no mismatch.
    visit = _visit(app, visit_id)
    assert (visit["distance_m"], visit["location_mismatch"]) == (None, 0)
    db = connect(app.config["DATABASE"])
    (row,) = db.query("SELECT detail FROM audit WHERE action = 'premises.placed_by_visit'")
    assert json.loads(row["detail"])["was"] == "postcode"
    # The next visit is judged against the officer's fix, which is now the position.
    away = offset(CLOCK_TOWER, east_m=400)
    later = record_visit(app, premises_id, visit_form(**_fix(away)))
    assert _visit(app, later)["location_mismatch"] == 1
    assert _premises(app, premises_id)["latitude"] == pytest.approx(CLOCK_TOWER[0], abs=1e-6)


def test_a_premises_with_no_position_takes_a_pin_placed_on_the_visit(app):
    premises_id = add_premises(app, at=None)
    record_visit(app, premises_id, visit_form(**_fix(CLOCK_TOWER, method="map")))
    premises = _premises(app, premises_id)
    assert premises["location_source"] == "map"
    assert premises["latitude"] == pytest.approx(CLOCK_TOWER[0], abs=1e-6)


def test_a_rough_fix_leaves_the_postcode_centre_in_place(app):
    premises_id = add_premises(app)
    _set_location(app, premises_id, CENTROID, "postcode")
    rough = {**_fix(CLOCK_TOWER, accuracy="80"), "location_reason": "Under a canopy"}
    record_visit(app, premises_id, visit_form(**rough))
    premises = _premises(app, premises_id)
    assert premises["location_source"] == "postcode"
    assert premises["latitude"] == pytest.approx(CENTROID[0], abs=1e-6)


@pytest.mark.parametrize("source", ["gps", "import", "uprn", "map", "geocoder"])
def test_a_position_found_any_other_way_is_never_moved_by_a_visit(app, source):
    premises_id = add_premises(app)
    _set_location(app, premises_id, CLOCK_TOWER, source)
    away = offset(CLOCK_TOWER, east_m=400)
    visit_id = record_visit(app, premises_id, visit_form(**_fix(away)))
    premises = _premises(app, premises_id)
    assert (premises["location_source"], premises["latitude"]) == (source, CLOCK_TOWER[0])
    assert _visit(app, visit_id)["location_mismatch"] == 1


def test_the_list_and_the_map_popup_say_how_each_position_was_found(app):
    from tests.test_import import signed_in

    rough = add_premises(app, "Rough Wash")
    _set_location(app, rough, CENTROID, "postcode")
    fixed = add_premises(app, "Fixed Wash", at=offset(CLOCK_TOWER, east_m=900))
    client = signed_in(app)
    html = client.get("/sites").get_data(as_text=True)
    assert "map position: postcode centre (rough)" in html
    assert "map position: officer&#39;s location fix" in html
    assert client.get(f"/sites/{rough}/summary.json").json["placed_by"] == (
        "postcode centre (rough)"
    )
    assert client.get(f"/sites/{fixed}/summary.json").json["placed_by"] == "officer's location fix"
