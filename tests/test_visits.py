"""Recording a visit: location checks, scoring, idempotent submits, photos, amendments."""

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from fieldapp.config import ROOT
from fieldapp.queries import connect
from fieldapp.queries import premises as premises_q
from tests.conftest import csrf_token, make_app, parse
from tests.visit_helpers import CLOCK_TOWER, add_premises, jpeg_bytes, offset, visit_form


@pytest.fixture
def premises_id(app):
    return add_premises(app)


@pytest.fixture
def inspector(as_role):
    return as_role("inspector")


def post_visit(client, premises_id, form, files=None, url=None):
    url = url or f"/premises/{premises_id}/visits/new"
    page = client.get(url)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), **form}
    if files:
        data["photos"] = files
    return client.post(url, data=data, content_type="multipart/form-data")


def stored_visit(db, visit_id):
    return next(db.query("SELECT * FROM visits WHERE id = ?", [visit_id]), None)


def test_a_visit_is_scored_stored_and_shown(client, inspector, premises_id, db):
    form = visit_form()
    response = post_visit(client, premises_id, form)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/visits/{form['visit_id']}"
    visit = stored_visit(db, form["visit_id"])
    # 3 workers x 15 min at the wage in force is more than £6: the price signal fires.
    result = json.loads(visit["result"])
    assert any(
        "3 workers x 15 min at £" in line and "> £6.00 charged" in line
        for line in result["explanation"]
    )
    assert visit["checklist_id"] == "hand_car_wash" and visit["checklist_version"] == 2
    answers = dict(
        db.execute(
            "SELECT question_id, value FROM answers WHERE visit_id = ?", [form["visit_id"]]
        ).fetchall()
    )
    assert answers["price_basic_wash"] == "600" and answers["cash_only"] == "yes"
    page = parse(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "What was answered" in page.text
    premises = premises_q.get(db, premises_id)
    assert premises["risk_band"] == visit["band"] and premises["last_visit_at"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"accuracy_m": "150"}, "location_reason", "only accurate to 150 m (more than 100 m)"),
        (
            {"location_method": "none", "latitude": None, "longitude": None},
            "location_reason",
            "Say why the visit has no location",
        ),
        ({"q-price_basic_wash": "six pounds"}, "q-price_basic_wash", "enter pounds and pence"),
        ({"q-workers_per_car": "-2"}, "q-workers_per_car", "cannot be negative"),
        ({"q-cash_only": "maybe"}, "q-cash_only", "choose yes, no or not seen"),
        ({"visited_at": "2001-01-01T10:00:00+00:00"}, "visited_at", "check the phone's date"),
    ],
)
def test_bad_input_names_the_field_keeps_what_was_typed_and_writes_nothing(
    client, inspector, premises_id, db, overrides, field, message
):
    form = visit_form(**overrides, notes="Back gate padlocked")
    response = post_visit(client, premises_id, form)
    assert response.status_code == 400
    page = parse(response.get_data(as_text=True))
    links = [a for a in page.select(".govuk-error-summary a") if message in a.text]
    assert len(links) == 1
    target = page.select_one(links[0]["href"])
    assert target is not None, "the error summary link goes nowhere"
    assert field in (target.get("id"), target.get("name"), target.get("data-field"))
    assert page.select_one("#notes").text == "Back gate padlocked"
    assert page.select_one('input[name="q-no_ppe"][value="yes"]').has_attr("checked")
    assert page.select_one('input[name="visit_id"]')["value"] == form["visit_id"]
    assert stored_visit(db, form["visit_id"]) is None


def test_poor_accuracy_is_accepted_with_a_reason(client, inspector, premises_id, db):
    form = visit_form(accuracy_m="150", location_reason="Basement, no clear sky")
    assert post_visit(client, premises_id, form).status_code == 303
    assert stored_visit(db, form["visit_id"])["location_reason"] == "Basement, no clear sky"


def test_no_location_permission_still_allows_a_visit(client, inspector, premises_id, db):
    form = visit_form(
        location_method="none",
        latitude=None,
        longitude=None,
        accuracy_m=None,
        location_reason="Location blocked on this phone",
    )
    assert post_visit(client, premises_id, form).status_code == 303
    visit = stored_visit(db, form["visit_id"])
    assert visit["latitude"] is None and visit["distance_m"] is None
    assert visit["location_mismatch"] == 0


def test_a_pin_placed_by_hand_is_stored_with_accuracy_zero(client, inspector, premises_id, db):
    lat, lon = offset(CLOCK_TOWER, east_m=30)
    form = visit_form(
        location_method="map", latitude=f"{lat}", longitude=f"{lon}", accuracy_m="900"
    )
    assert post_visit(client, premises_id, form).status_code == 303
    assert stored_visit(db, form["visit_id"])["accuracy_m"] == 0


@pytest.mark.parametrize(("metres", "mismatch"), [(100, 0), (240, 0), (260, 1), (1000, 1)])
def test_distance_from_the_premises_and_the_mismatch_mark(
    client, inspector, premises_id, db, metres, mismatch
):
    lat, lon = offset(CLOCK_TOWER, north_m=metres)
    form = visit_form(latitude=f"{lat:.6f}", longitude=f"{lon:.6f}")
    post_visit(client, premises_id, form)
    visit = stored_visit(db, form["visit_id"])
    assert visit["distance_m"] == pytest.approx(metres, abs=2)
    assert visit["location_mismatch"] == mismatch


def test_resending_the_same_visit_returns_the_stored_one(client, inspector, premises_id, db):
    form = visit_form()
    first = post_visit(client, premises_id, form)
    second = post_visit(client, premises_id, form)
    assert second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    assert db.execute("SELECT count(*) FROM visits").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'visit.create'").fetchone()[0] == 1


def test_same_id_with_different_answers_is_a_conflict(client, inspector, premises_id, db):
    form = visit_form()
    post_visit(client, premises_id, form)
    response = post_visit(client, premises_id, {**form, "q-cash_only": "no"})
    assert response.status_code == 409
    assert "already sent with different answers" in response.get_data(as_text=True)
    assert stored_visit(db, form["visit_id"])["content_hash"]
    assert (
        db.execute(
            "SELECT value FROM answers WHERE visit_id = ? AND question_id = ?",
            [form["visit_id"], "cash_only"],
        ).fetchone()[0]
        == "yes"
    )


def test_a_failure_part_way_leaves_no_half_written_visit(
    client, inspector, premises_id, db, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(premises_q, "refresh_risk", broken)
    monkeypatch.setattr(premises_q, "apply_latest_visit", broken)
    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    form = visit_form()
    response = post_visit(client, premises_id, form)
    assert response.status_code == 500
    for table in ("visits", "answers", "checklist_versions"):
        assert db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0  # noqa: S608


def test_follow_up_is_kept_only_when_its_question_is_yes(client, inspector, premises_id, db):
    yes = visit_form(**{"q-child": "yes", "q-child_count": "2"})
    no = visit_form(**{"q-child": "no", "q-child_count": "2"})
    post_visit(client, premises_id, yes)
    post_visit(client, premises_id, no)
    count = "SELECT value FROM answers WHERE visit_id = ? AND question_id = 'child_count'"
    assert db.execute(count, [yes["visit_id"]]).fetchone() == ("2",)
    assert db.execute(count, [no["visit_id"]]).fetchone() is None


def test_a_red_flag_shows_the_safeguarding_routes(client, inspector, premises_id):
    calm = visit_form()
    flagged = visit_form(**{"q-id_retained": "yes"})
    post_visit(client, premises_id, calm)
    post_visit(client, premises_id, flagged)
    calm_page = client.get(f"/visits/{calm['visit_id']}").get_data(as_text=True)
    page = parse(client.get(f"/visits/{flagged['visit_id']}").get_data(as_text=True))
    assert "follow a safeguarding route" not in calm_page and 'id="route-nrm"' not in calm_page
    panel = page.select_one(".app-safeguarding")
    assert "High concern" in page.select_one(".app-result").text
    for route in (
        "Immediate danger: call 999",
        "May be under 18: treat as a child",
        "Adult who consents: NRM referral",
        "Adult who does not consent: anonymous Duty to Notify",
    ):
        assert route in panel.text
    assert panel.select_one('a[href="tel:08000121700"]').text == "08000 121 700"


def test_recording_a_referral_keeps_no_identity(client, inspector, premises_id, db):
    form = visit_form(**{"q-spoken_for": "yes"})
    post_visit(client, premises_id, form)
    url = f"/visits/{form['visit_id']}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    details = {"adults": "1", "exploitation": "labour"}
    bad = client.post(
        f"{url}/referrals",
        data={"csrf_token": token, "route": "nrm", "reference": "Anna (DOB 01/02/2001)", **details},
    )
    assert bad.status_code == 400, bad.get_data(as_text=True)[-3000:]
    assert "The reference looks like a date, such as a date of birth" in bad.get_data(as_text=True)
    good = client.post(
        f"{url}/referrals",
        data={
            "csrf_token": token,
            "route": "duty_to_notify",
            "reference": "DTN-2026/0042",
            **details,
        },
    )
    assert good.status_code == 303
    row = next(db.query("SELECT * FROM referrals"))
    assert (row["route"], row["reference"], row["adults"]) == ("duty_to_notify", "DTN-2026/0042", 1)
    assert "DTN-2026/0042" in client.get(f"/premises/{premises_id}").get_data(as_text=True)


def test_amending_keeps_both_versions_and_updates_current_risk(client, inspector, premises_id, db):
    form = visit_form(**{"q-injuries": "yes"})
    post_visit(client, premises_id, form)
    assert premises_q.get(db, premises_id)["red_flag_count"] == 1
    amend_url = f"/visits/{form['visit_id']}/amend"
    page = parse(client.get(amend_url).get_data(as_text=True))
    assert page.select_one('input[name="q-injuries"][value="yes"]').has_attr("checked")
    new_id = page.select_one('input[name="visit_id"]')["value"]
    assert new_id != form["visit_id"]
    fields = {**form, "visit_id": new_id, "q-injuries": "no"}
    missing_reason = post_visit(client, premises_id, fields, url=amend_url)
    assert missing_reason.status_code == 400
    assert "Say why this visit is being corrected" in missing_reason.get_data(as_text=True)
    fields["amendment_reason"] = "Paint on the hands, not an injury"
    response = post_visit(client, premises_id, fields, url=amend_url)
    assert response.status_code == 303
    rows = list(db.query("SELECT id, revision, amends FROM visits ORDER BY revision"))
    assert [(r["revision"], r["amends"]) for r in rows] == [(1, None), (2, form["visit_id"])]
    current = premises_q.get(db, premises_id)
    assert current["red_flag_count"] == 0
    assert current["risk_score"] == stored_visit(db, new_id)["score_percentage"]
    history = client.get(f"/visits/{new_id}").get_data(as_text=True)
    assert "Version 1" in history and "Paint on the hands, not an injury" in history
    assert db.execute("SELECT count(*) FROM audit WHERE action = 'visit.amend'").fetchone()[0] == 1
    with pytest.raises(Exception, match="cannot be changed"):
        db.execute("UPDATE visits SET band = 'low'")


def test_old_visits_render_with_their_own_checklist_version(tmp_path):
    # A visit recorded while version 1 (one percentage score) was the checklist in use...
    version_1 = tmp_path / "checklists-v1"
    shutil.copytree(ROOT / "checklists", version_1)
    shutil.rmtree(version_1 / "scenarios")  # written for version 2's questions
    for name in ("hand_car_wash.toml", "nail_bar.toml"):
        shutil.copy(Path(__file__).parent / "checklist_fixtures" / "v1" / name, version_1)
    app = make_app(tmp_path, CHECKLIST_DIR=str(version_1))
    premises_id = add_premises(app)
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login("inspector")
    old = visit_form(**{"q-debt": "yes"})
    post_visit(client, premises_id, old)
    # ...then version 2 (the assessment by concern) is released.
    new_app = make_app(tmp_path / "v2", DATABASE=app.config["DATABASE"])
    new_client = new_app.test_client()
    AuthActions(new_client).login("inspector")
    old_page = parse(new_client.get(f"/visits/{old['visit_id']}").get_data(as_text=True))
    # The old visit keeps its own questions, score and routes, shown as they always were.
    assert "Does any worker mention owing the boss money" in old_page.text
    assert "version 1" in old_page.text and "What counted" in old_page.text
    assert "High risk" in old_page.select_one(".app-result").text
    assert old_page.select_one("#route-nrm") is not None
    new = visit_form()
    post_visit(new_client, premises_id, new)
    new_page = new_client.get(f"/visits/{new['visit_id']}").get_data(as_text=True)
    assert "Did you leave without being offered a receipt?" in new_page
    assert "version 2" in new_page and "Each concern" in new_page


# -- Photos -----------------------------------------------------------------------------------


def test_a_photo_is_stored_with_its_hash_and_a_copy_without_location(
    client, inspector, premises_id, db, app
):
    data = jpeg_bytes(with_gps=True)
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(data), "shop.jpg")])
    assert response.status_code == 303
    photo = next(db.query("SELECT * FROM photos"))
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()
    folder = Path(app.config["UPLOAD_DIR"]) / "visits" / form["visit_id"]
    original = (folder / f"{photo['id']}.jpg").read_bytes()
    stripped = (folder / f"{photo['id']}.stripped.jpg").read_bytes()
    assert original == data
    assert hashlib.sha256(stripped).hexdigest() == photo["stripped_sha256"]
    assert 0x8825 in Image.open(io.BytesIO(original)).getexif()  # the GPS block
    assert len(Image.open(io.BytesIO(stripped)).getexif()) == 0
    served = client.get(f"/visits/photos/{photo['id']}")
    assert served.status_code == 200 and served.data == data
    assert served.headers["Cache-Control"] == "private, no-store"


def test_a_resend_makes_final_the_photos_a_crash_after_the_commit_left_pending(
    client, inspector, premises_id, db, app
):
    # A worker killed between the commit and finalising the photos (bench/faults.py's
    # "committed" point) leaves them pending: unviewable until the hourly sweep, unless
    # the phone's re-send, which it always makes when no reply came, finalises them.
    data = jpeg_bytes()
    form = visit_form()
    assert post_visit(client, premises_id, form, [(io.BytesIO(data), "a.jpg")]).status_code == 303
    photo = next(db.query("SELECT * FROM photos"))
    folder = Path(app.config["UPLOAD_DIR"]) / "visits" / form["visit_id"]
    for name in (f"{photo['id']}.jpg", f"{photo['id']}.stripped.jpg"):
        (folder / name).rename(folder / f"{name}.pending")
    assert client.get(f"/visits/photos/{photo['id']}").status_code == 404
    assert post_visit(client, premises_id, form, [(io.BytesIO(data), "a.jpg")]).status_code == 303
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{photo['id']}.jpg", f"{photo['id']}.stripped.jpg"]
    )
    assert client.get(f"/visits/photos/{photo['id']}").data == data


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4 not a photo at all", "evidence.jpg", "evidence.jpg is not a photo"),
        (b"", "empty.jpg", "empty.jpg is empty. Take the photo again."),
    ],
)
def test_photo_type_is_checked_by_content(
    client, inspector, premises_id, db, content, name, message
):
    form = visit_form()
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(content), name)])
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert stored_visit(db, form["visit_id"]) is None


def test_a_photo_over_the_size_limit_is_refused_with_its_size(tmp_path):
    app = make_app(tmp_path, PHOTO_MAX_BYTES=2048)
    premises_id = add_premises(app)
    client = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(client).login("inspector")
    big = jpeg_bytes(size=(400, 400))
    assert len(big) > 2048
    response = post_visit(client, premises_id, visit_form(), files=[(io.BytesIO(big), "big.jpg")])
    assert response.status_code == 400
    assert "big.jpg is too large. Each photo must be 2 KB or smaller" in response.get_data(
        as_text=True
    )


def test_photos_survive_a_failed_validation(client, inspector, premises_id, db):
    data = jpeg_bytes()
    form = visit_form(accuracy_m="500")  # needs a reason: fails
    response = post_visit(client, premises_id, form, files=[(io.BytesIO(data), "a.jpg")])
    page = parse(response.get_data(as_text=True))
    staged = [i["value"] for i in page.select('input[name="staged_photo"]')]
    assert len(staged) == 1
    fixed = {**form, "location_reason": "Under a canopy", "staged_photo": staged}
    assert post_visit(client, premises_id, fixed).status_code == 303
    photo = next(db.query("SELECT * FROM photos WHERE visit_id = ?", [form["visit_id"]]))
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("role", "status"), [("inspector", 200), ("coordinator", 200), ("partner", 403), ("admin", 403)]
)
def test_photos_are_served_only_to_roles_that_may_see_the_visit(app, premises_id, role, status):
    from tests.conftest import AuthActions

    officer = app.test_client()
    AuthActions(officer).login("inspector")
    form = visit_form()
    post_visit(officer, premises_id, form, files=[(io.BytesIO(jpeg_bytes()), "x.jpg")])
    photo_id = connect(app.config["DATABASE"]).execute("SELECT id FROM photos").fetchone()[0]
    viewer = app.test_client()
    AuthActions(viewer).login(role)
    assert viewer.get(f"/visits/photos/{photo_id}").status_code == status
    assert app.test_client().get(f"/visits/photos/{photo_id}").status_code == 302  # signed out


def test_a_visit_arriving_late_does_not_replace_a_later_one(client, inspector, premises_id, db):
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC).replace(microsecond=0)
    later = visit_form(visited_at=now.isoformat(), **{"q-debt_bondage": "yes"})
    earlier = visit_form(  # recorded offline two days before, sent today
        visited_at=(now - timedelta(days=2)).isoformat(),
        **{"q-cash_only": "no", "q-no_ppe": "no", "q-price_basic_wash": "25"},
    )
    post_visit(client, premises_id, later)
    post_visit(client, premises_id, earlier)
    current = premises_q.get(db, premises_id)
    assert current["last_visit_at"] == now.isoformat()
    assert current["risk_band"] == "high" and current["red_flag_count"] == 1


# -- Could not inspect --------------------------------------------------------------------------


def risk_columns(db, premises_id):
    row = premises_q.get(db, premises_id)
    keys = ("risk_band", "risk_score", "red_flag_count", "red_flags", "last_red_flag_at")
    return {key: row[key] for key in (*keys, "last_visit_at", "concerns")}


def test_a_visit_with_nothing_checked_is_refused_with_a_warning_then_kept_as_could_not_inspect(
    client, inspector, premises_id, db
):
    post_visit(client, premises_id, visit_form(**{"q-id_retained": "yes"}))
    before = risk_columns(db, premises_id)
    assert before["risk_band"] == "high"
    empty = visit_form(thorough=False, **{"q-cash_only": None, "q-no_ppe": None})
    for key in ("q-no_receipt", "q-price_basic_wash", "q-workers_per_car", "q-minutes_per_car"):
        empty.pop(key)
    refused = post_visit(client, premises_id, empty)
    assert refused.status_code == 400
    page = parse(refused.get_data(as_text=True))
    link = page.select_one('.govuk-error-summary a[href="#outcome_reason"]')
    assert "Too little was checked to judge the risk" in link.text
    assert page.select_one("#outcome_reason") is not None
    assert not page.select_one("#outcome-warning").has_attr("hidden")
    assert stored_visit(db, empty["visit_id"]) is None

    kept = post_visit(client, premises_id, {**empty, "outcome_reason": "refused_entry"})
    assert kept.status_code == 303
    visit = stored_visit(db, empty["visit_id"])
    assert (visit["outcome"], visit["outcome_reason"], visit["band"]) == (
        "not_assessed",
        "refused_entry",
        None,
    )
    assert risk_columns(db, premises_id) == before  # still high, red flag kept
    result = parse(client.get(f"/visits/{empty['visit_id']}").get_data(as_text=True))
    assert "Could not inspect: Refused entry" in result.select_one("#outcome").text


def test_an_unknown_reason_is_an_error_on_the_field(client, inspector, premises_id, db):
    form = visit_form(outcome_reason="<script>alert(1)</script>")
    response = post_visit(client, premises_id, form)
    assert response.status_code == 400
    assert "Choose why you could not inspect from the list" in response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert stored_visit(db, form["visit_id"]) is None


@pytest.mark.parametrize(
    "answers",
    [
        {"q-id_retained": "yes"},  # a red flag seen from the door
        {"q-electrical": "yes", "q-cash_only": "no"},
        {},
    ],
    ids=["red flag", "hazard", "thorough and clean"],
)
def test_a_could_not_inspect_visit_never_changes_the_current_risk_or_flag(
    app, client, inspector, premises_id, db, answers
):
    from fieldapp.queries import sites as sites_q
    from fieldapp.sitefilter import parse as parse_filter

    post_visit(client, premises_id, visit_form(**{"q-transported": "yes", "q-pay_manager": "yes"}))
    before = risk_columns(db, premises_id)
    with app.app_context():
        flagged_before = sites_q.ids(db, parse_filter({"flagged": "1"}))
    post_visit(client, premises_id, visit_form(outcome_reason="partial", **answers))
    assert risk_columns(db, premises_id) == before
    with app.app_context():
        assert sites_q.ids(db, parse_filter({"flagged": "1"})) == flagged_before


def test_a_nail_bar_price_is_compared_with_the_judged_visits_recorded_before_it(app, db):
    from tests.factories import record_visit

    def nail_visit(price, **extra):
        premises_id = add_premises(app, f"Nails {price} {len(extra)}", sector="nail_bar")
        form = visit_form(**{"q-price_manicure": price, **extra})
        return record_visit(app, premises_id, form)

    for price in ("20.00", "22.00", "18.00", "25.00"):
        nail_visit(price)
    nail_visit("1.00", outcome_reason="closed")  # could not inspect: not part of the median
    fifth = nail_visit("19.00")
    result = json.loads(stored_visit(db, fifth)["result"])
    # Only four other judged visits: the comparison needs five.
    assert not any(p["indicator_id"] == "price_below_median" for p in result["price_checks"])
    cheap = json.loads(stored_visit(db, nail_visit("13.00"))["result"])
    (check,) = [p for p in cheap["price_checks"] if p["indicator_id"] == "price_below_median"]
    # Prices 18, 19, 20, 22, 25: the median is £20.00 and 70% of it £14.00.
    assert (check["compared_pence"], check["triggered"]) == (2000, True)
