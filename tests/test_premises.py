"""Finding premises (near me, search), adding one with duplicate warnings and geocoding."""

import pytest

from fieldapp.queries import connect
from tests.conftest import make_app, parse
from tests.nominatim_server import running_nominatim
from tests.visit_helpers import CLOCK_TOWER, add_premises, offset


def test_near_me_lists_premises_nearest_first_within_5_km(app, as_role):
    add_premises(app, "Far Away Car Wash", at=offset(CLOCK_TOWER, north_m=4000))
    add_premises(app, "Close Nails", sector="nail_bar", at=offset(CLOCK_TOWER, east_m=150))
    add_premises(app, "Closest Car Wash", at=offset(CLOCK_TOWER, north_m=40))
    add_premises(app, "Other Town Car Wash", at=offset(CLOCK_TOWER, north_m=9000))
    add_premises(app, "Nowhere Car Wash", at=None)
    lat, lon = CLOCK_TOWER
    page = as_role("inspector").get(f"/premises/?lat={lat}&lon={lon}&accuracy=8")
    names = [a.text for a in page.select("#results li > a.govuk-link")]
    assert names == ["Closest Car Wash", "Close Nails", "Far Away Car Wash"]
    assert "40 m away" in page.select_one("#results li").text
    assert "accurate to 8 m" in page.text


@pytest.mark.parametrize("query", ["testford", "TEST STREET", "le1", "le1 5aa", "testf"])
def test_search_by_name_street_or_postcode(app, as_role, query):
    add_premises(app, "Testford Hand Car Wash")
    add_premises(app, "Elsewhere Nails", sector="nail_bar")
    page = as_role("inspector").get(f"/premises/?q={query}")
    names = [a.text for a in page.select("#results li > a.govuk-link")]
    assert "Testford Hand Car Wash" in names


def test_search_with_no_match_offers_to_add(app, as_role):
    page = as_role("inspector").get("/premises/?q=zzzz")
    assert "No premises match" in page.text
    assert page.select_one('a[href="/premises/new?name=zzzz"]')


def new_premises_form(**overrides):
    lat, lon = offset(CLOCK_TOWER, north_m=30)
    form = {
        "name": "Bubbles Hand Car Wash",
        "sector": "hand_car_wash",
        "address": "2 Test Street, Leicester",
        "postcode": "LE1 5AA",
        "latitude": f"{lat:.6f}",
        "longitude": f"{lon:.6f}",
        "location_source": "gps",
    }
    form.update(overrides)
    return form


def test_same_sector_within_50_m_is_a_likely_duplicate(app, as_role, db):
    add_premises(app, "Sparkle Valet")  # different name, 30 m away, same sector
    officer = as_role("inspector")
    response = officer.post("/premises/new", new_premises_form(), expected=200)
    page = parse(response.get_data(as_text=True))
    assert "This may already be on the register" in page.select_one("#duplicates").text
    assert "Sparkle Valet" in page.select_one("#duplicates").text
    assert db["premises"].count == 1
    response = officer.post("/premises/new", new_premises_form(confirm_new="y"))
    assert response.headers["Location"].startswith("/premises/2/visits/new")
    assert db["premises"].count == 2


def test_a_different_sector_close_by_is_not_a_duplicate(app, as_role, db):
    add_premises(app, "Glamour Nails", sector="nail_bar")
    as_role("inspector").post("/premises/new", new_premises_form())
    assert db["premises"].count == 2


def test_a_similar_name_within_500_m_is_a_likely_duplicate(app, as_role, db):
    add_premises(app, "Bubbles Car Wash", at=offset(CLOCK_TOWER, north_m=400))
    response = as_role("inspector").post("/premises/new", new_premises_form(), expected=200)
    assert "Bubbles Car Wash" in response.get_data(as_text=True)


def test_adding_premises_reports_each_bad_field(as_role):
    response = as_role("inspector").post(
        "/premises/new",
        {"name": "", "sector": "", "address": "", "postcode": "NOT A POSTCODE"},
        expected=200,
    )
    page = parse(response.get_data(as_text=True))
    summary = page.select_one(".govuk-error-summary").text
    for message in (
        "Enter the business name",
        "Select hand car wash or nail bar",
        "Enter the street address",
        "Enter a real postcode",
    ):
        assert message in summary


def test_address_is_geocoded_when_the_phone_gives_no_location(tmp_path):
    address = "2 test street, leicester, le1 5aa"
    with running_nominatim({address: (52.6301, -1.1302, "2 Test Street")}) as server:
        app = make_app(
            tmp_path,
            GEOCODER_URL=server.url,
            GEOCODER_MIN_DELAY_SECONDS=0,
            GEOCODER_USER_AGENT="fieldapp-tests (test@example.invalid)",
        )
        from tests.conftest import AuthActions, PageClient

        client = app.test_client()
        AuthActions(client).login("inspector")
        PageClient(client).post(
            "/premises/new", new_premises_form(latitude="", longitude="", location_source="")
        )
        assert [r.user_agent for r in server.requests] == ["fieldapp-tests (test@example.invalid)"]
    db = connect(app.config["DATABASE"])
    row = next(db.query("SELECT * FROM premises"))
    assert (row["latitude"], row["longitude"], row["location_source"]) == (
        52.6301,
        -1.1302,
        "geocoder",
    )


def test_an_address_the_geocoder_cannot_find_still_adds_the_premises(tmp_path):
    with running_nominatim({}) as server:
        app = make_app(tmp_path, GEOCODER_URL=server.url, GEOCODER_MIN_DELAY_SECONDS=0)
        from tests.conftest import AuthActions, PageClient

        client = app.test_client()
        AuthActions(client).login("inspector")
        PageClient(client).post(
            "/premises/new", new_premises_form(latitude="", longitude="", location_source="")
        )
    row = next(connect(app.config["DATABASE"]).query("SELECT * FROM premises"))
    assert row["latitude"] is None and row["name"] == "Bubbles Hand Car Wash"


def test_a_geocoder_that_is_down_does_not_stop_the_form(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(tmp_path, GEOCODER_URL=f"http://127.0.0.1:{port}", GEOCODER_TIMEOUT_SECONDS=1)
    from tests.conftest import AuthActions, PageClient

    client = app.test_client()
    AuthActions(client).login("inspector")
    # Without a phone location it still adds the premises, just without coordinates...
    PageClient(client).post(
        "/premises/new", new_premises_form(latitude="", longitude="", location_source="")
    )
    # ...and with the phone's fix nothing needs the geocoder at all.
    PageClient(client).post(
        "/premises/new",
        new_premises_form(name="Other Place Nails", sector="nail_bar", confirm_new="y"),
    )
    rows = list(connect(app.config["DATABASE"]).query("SELECT * FROM premises ORDER BY id"))
    assert [r["latitude"] is None for r in rows] == [True, False]


def test_premises_page_shows_visits_trend_and_status(app, as_role):
    from datetime import UTC, datetime, timedelta

    from fieldapp.timeutil import format_uk_date
    from tests.test_visits import post_visit
    from tests.visit_helpers import visit_form

    earlier = (datetime.now(UTC) - timedelta(days=10)).replace(microsecond=0)
    premises_id = add_premises(app)
    officer = as_role("inspector")
    post_visit(
        officer.client,
        premises_id,
        visit_form(
            visited_at=earlier.isoformat(),
            **{"q-cash_only": "no", "q-no_ppe": "no", "q-price_basic_wash": "20.00"},
        ),
    )
    post_visit(officer.client, premises_id, visit_form(**{"q-debt_bondage": "yes"}))
    page = officer.get(f"/premises/{premises_id}")
    assert f"Rising: low on {format_uk_date(earlier)}, high now" in page.text
    assert "Flagged" in page.text
    assert len(page.select("tbody tr")) == 2


@pytest.mark.parametrize("role", ["partner", "admin"])
def test_premises_pages_are_for_field_roles(app, as_role, role):
    premises_id = add_premises(app)
    client = as_role(role)
    for url in (
        "/premises/",
        "/premises/new",
        f"/premises/{premises_id}",
        f"/premises/{premises_id}/visits/new",
        "/visits/recent",
    ):
        client.get(url, expected=403)


def test_a_name_of_only_spaces_is_an_error_not_a_crash(as_role, db):
    response = as_role("inspector").post(
        "/premises/new", new_premises_form(name="   ", address="  "), expected=200
    )
    summary = parse(response.get_data(as_text=True)).select_one(".govuk-error-summary").text
    assert "Enter the business name" in summary and "Enter the street address" in summary
    assert db["premises"].count == 0


def test_the_premises_page_says_how_the_map_position_was_found(app, as_role):
    from tests.visit_helpers import add_premises

    premises_id = add_premises(app, "Fixed Wash")  # added with a phone's fix
    page = as_role("inspector").get(f"/premises/{premises_id}")
    assert "placed by a phone's location fix" in page.text


def test_two_messages_on_one_page_each_have_their_own_banner_ids(client, as_role):
    as_role("coordinator")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Outcome saved."), ("info", "Site already added.")]
    # parse fails on any id used twice.
    page = parse(client.get("/premises/").get_data(as_text=True))
    banners = page.select(".govuk-notification-banner:not(#outbox-banner)")
    assert [b.select_one(".govuk-notification-banner__content").text.strip() for b in banners] == [
        "Outcome saved.",
        "Site already added.",
    ]
    for banner in banners:
        title = banner.select_one(".govuk-notification-banner__title")
        assert banner["aria-labelledby"] == title["id"]
    assert len({b["id"] for b in banners}) == 2
