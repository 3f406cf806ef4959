"""Address lookups through geopy against a local Nominatim server, and the distance helpers."""

from __future__ import annotations

import math
import socket
import time
from datetime import timedelta

import pytest
from geopy.distance import geodesic

from fieldapp.geo import (
    DISABLED_MESSAGE,
    UNAVAILABLE_MESSAGE,
    Geocoder,
    GeocodeResult,
    GeocoderSettings,
    GeocoderUnavailable,
    bounding_box,
    distance_m,
    from_config,
    normalise_query,
    order_by_distance,
    settings_from_config,
)
from fieldapp.timeutil import utcnow
from tests.nominatim_server import running_nominatim

USER_AGENT = "fieldapp-tests/1.0 (licensing@example.gov.uk)"
CLOCK_TOWER = (52.6344, -1.1315)
STATION = (52.6317, -1.1252)
ADDRESSES = {
    "1 Clock Tower, Leicester": (*CLOCK_TOWER, "Clock Tower, Leicester, LE1 5YA, United Kingdom"),
    "London Road, Leicester LE2 0QB": (*STATION, "Leicester Station, London Road, Leicester"),
}


@pytest.fixture(autouse=True)
def _no_proxies(monkeypatch):
    """geopy reads proxy settings from the environment; loopback tests must not use one."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ALL_PROXY", raising=False)


@pytest.fixture
def db(query_db):
    """A file database with the real migrations (overrides the app-backed ``db`` fixture)."""
    return query_db


@pytest.fixture
def nominatim():
    with running_nominatim(ADDRESSES) as server:
        yield server


def make_geocoder(url: str, **overrides) -> Geocoder:
    settings = {
        "url": url,
        "user_agent": USER_AGENT,
        "min_delay_seconds": 0.0,
        "timeout_seconds": 2.0,
        **overrides,
    }
    return Geocoder(GeocoderSettings(**settings))


def cache_rows(db) -> list[dict]:
    return list(db["geocode_cache"].rows)


def unused_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- Lookups ---------------------------------------------------------------------------------


def test_hit_returns_coordinates_and_sends_the_configured_user_agent(db, nominatim):
    result = make_geocoder(nominatim.url).geocode(db, "1 Clock Tower, Leicester")

    assert result == GeocodeResult(
        latitude=52.6344,
        longitude=-1.1315,
        display_name="Clock Tower, Leicester, LE1 5YA, United Kingdom",
        cached=False,
    )
    [request] = nominatim.requests
    assert request.path == "/search"
    assert request.user_agent == USER_AGENT
    assert request.params["q"] == "1 clock tower, leicester"
    assert request.params["format"] == "json"
    assert request.params["limit"] == "1"
    assert request.params["countrycodes"] == "gb"


def test_second_lookup_of_the_same_address_comes_from_the_cache(db, nominatim):
    geocoder = make_geocoder(nominatim.url)
    first = geocoder.geocode(db, "1 Clock Tower, Leicester")
    # Different case and spacing normalise to the same cache key.
    second = geocoder.geocode(db, "  1 CLOCK   tower,  leicester ")

    assert len(nominatim.requests) == 1
    assert first.cached is False
    assert second.cached is True
    assert (second.latitude, second.longitude, second.display_name) == (
        first.latitude,
        first.longitude,
        first.display_name,
    )


def test_miss_returns_none_and_is_not_asked_again(db, nominatim):
    geocoder = make_geocoder(nominatim.url)

    assert geocoder.geocode(db, "99 Nowhere Lane, Atlantis") is None
    assert geocoder.geocode(db, "99 nowhere lane, atlantis") is None

    assert len(nominatim.requests) == 1
    [row] = cache_rows(db)
    assert row["query"] == "99 nowhere lane, atlantis"
    assert row["latitude"] is None and row["longitude"] is None


@pytest.mark.parametrize(("age_days", "asks_again"), [(6, False), (8, True)])
def test_cached_miss_is_retried_only_once_a_week_old(db, nominatim, age_days, asks_again):
    geocoder = make_geocoder(nominatim.url)
    assert geocoder.geocode(db, "New Build Close, Leicester") is None
    old = (utcnow() - timedelta(days=age_days)).isoformat()
    db["geocode_cache"].update("new build close, leicester", {"fetched_at": old})
    # The address has since been mapped.
    nominatim.addresses["new build close, leicester"] = (52.64, -1.12)

    result = geocoder.geocode(db, "New Build Close, Leicester")

    assert len(nominatim.requests) == (2 if asks_again else 1)
    if asks_again:
        assert (result.latitude, result.longitude, result.cached) == (52.64, -1.12, False)
        assert cache_rows(db)[0]["latitude"] == 52.64
    else:
        assert result is None


def test_cached_hit_does_not_expire(db, nominatim):
    geocoder = make_geocoder(nominatim.url)
    geocoder.geocode(db, "1 Clock Tower, Leicester")
    old = (utcnow() - timedelta(days=400)).isoformat()
    db["geocode_cache"].update("1 clock tower, leicester", {"fetched_at": old})

    assert geocoder.geocode(db, "1 Clock Tower, Leicester").cached is True
    assert len(nominatim.requests) == 1


def test_server_down_raises_plain_message(db):
    geocoder = make_geocoder(f"http://127.0.0.1:{unused_port()}")

    with pytest.raises(GeocoderUnavailable) as raised:
        geocoder.geocode(db, "1 Clock Tower, Leicester")

    assert raised.value.message == UNAVAILABLE_MESSAGE
    assert str(raised.value) == UNAVAILABLE_MESSAGE
    assert "Use your phone's location or place the premises on the map." in str(raised.value)
    assert cache_rows(db) == []


def test_http_500_raises_and_is_not_cached(db, nominatim):
    geocoder = make_geocoder(nominatim.url)
    nominatim.fail_with(500)

    with pytest.raises(GeocoderUnavailable, match="could not be reached"):
        geocoder.geocode(db, "1 Clock Tower, Leicester")
    assert cache_rows(db) == []

    # Once the server recovers the same address is asked again, not answered from a cache.
    nominatim.fail_with(None)
    assert geocoder.geocode(db, "1 Clock Tower, Leicester").cached is False
    assert len(nominatim.requests) == 2


@pytest.mark.parametrize("status", [403, 429, 503])
def test_other_http_errors_raise_unavailable(db, nominatim, status):
    nominatim.fail_with(status)
    with pytest.raises(GeocoderUnavailable):
        make_geocoder(nominatim.url).geocode(db, "1 Clock Tower, Leicester")
    assert len(nominatim.requests) == 1
    assert cache_rows(db) == []


def test_slow_server_times_out(db, nominatim):
    nominatim.delay(3)
    geocoder = make_geocoder(nominatim.url, timeout_seconds=0.3)

    started = time.monotonic()
    with pytest.raises(GeocoderUnavailable, match="could not be reached"):
        geocoder.geocode(db, "1 Clock Tower, Leicester")

    # One request, abandoned after the timeout: no hidden transport retries.
    assert time.monotonic() - started < 1
    assert len(nominatim.requests) == 1
    assert cache_rows(db) == []


def test_disabled_geocoder_raises_without_any_request(db, nominatim):
    geocoder = make_geocoder("")

    assert geocoder.enabled is False
    with pytest.raises(GeocoderUnavailable) as raised:
        geocoder.geocode(db, "1 Clock Tower, Leicester")

    assert raised.value.message == DISABLED_MESSAGE
    assert nominatim.requests == []


def test_requests_are_spaced_by_the_rate_limit(db, nominatim):
    geocoder = make_geocoder(nominatim.url, min_delay_seconds=0.2)

    geocoder.geocode(db, "1 Clock Tower, Leicester")
    geocoder.geocode(db, "London Road, Leicester LE2 0QB")

    first, second = nominatim.requests
    # The limiter spaces the starts of calls; arrival times can differ from those by the
    # connection set-up, a millisecond or so, hence the small allowance.
    assert second.at - first.at >= 0.19


def test_cache_hits_do_not_wait_for_the_rate_limit(db, nominatim):
    geocoder = make_geocoder(nominatim.url, min_delay_seconds=2)
    geocoder.geocode(db, "1 Clock Tower, Leicester")

    started = time.monotonic()
    geocoder.geocode(db, "1 Clock Tower, Leicester")

    assert time.monotonic() - started < 1


def test_url_path_prefix_is_kept(db):
    with running_nominatim(ADDRESSES, prefix="/nominatim") as server:
        result = make_geocoder(server.url).geocode(db, "1 Clock Tower, Leicester")

        assert result is not None
        assert [r.path for r in server.requests] == ["/nominatim/search"]


def test_blank_query_returns_none_without_a_request(db, nominatim):
    assert make_geocoder(nominatim.url).geocode(db, "   ") is None
    assert nominatim.requests == []


def test_geocode_many_reports_progress_and_keeps_going_after_a_failure(db, nominatim):
    geocoder = make_geocoder(nominatim.url)
    geocoder.geocode(db, "1 Clock Tower, Leicester")  # already cached: no request
    progress = []
    queries = ["1 Clock Tower, Leicester", "Unknown Street", "London Road, Leicester LE2 0QB"]

    outcomes = []
    for query, outcome in geocoder.geocode_many(db, queries, lambda *p: progress.append(p)):
        outcomes.append((query, outcome))
        if query == "Unknown Street":
            nominatim.fail_with(500)

    assert [q for q, _ in outcomes] == queries
    assert outcomes[0][1].cached is True
    assert outcomes[1][1] is None
    assert isinstance(outcomes[2][1], GeocoderUnavailable)
    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert len(nominatim.requests) == 3


# -- Settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "scheme", "domain"),
    [
        ("https://nominatim.openstreetmap.org", "https", "nominatim.openstreetmap.org"),
        ("https://nominatim.openstreetmap.org/", "https", "nominatim.openstreetmap.org"),
        ("http://127.0.0.1:8123", "http", "127.0.0.1:8123"),
        ("https://maps.example.gov.uk/nominatim/", "https", "maps.example.gov.uk/nominatim"),
        ("https://maps.example.gov.uk/nominatim/search", "https", "maps.example.gov.uk/nominatim"),
    ],
)
def test_settings_parse_scheme_and_domain(url, scheme, domain):
    settings = GeocoderSettings(url=url)
    assert (settings.enabled, settings.scheme, settings.domain) == (True, scheme, domain)


@pytest.mark.parametrize(
    "url", ["nominatim.openstreetmap.org", "ftp://example.com", "https://", "http://x/?q=1"]
)
def test_settings_refuse_unusable_urls(url):
    with pytest.raises(ValueError, match="GEOCODER_URL"):
        GeocoderSettings(url=url)


def test_settings_from_empty_config_are_disabled_with_polite_defaults():
    settings = settings_from_config({})
    assert settings == GeocoderSettings(
        url="", user_agent="fieldapp/0.1", min_delay_seconds=1.0, timeout_seconds=5.0
    )
    assert settings.enabled is False
    assert settings.country_codes == "gb"


def test_settings_from_config_reads_every_key():
    settings = settings_from_config(
        {
            "GEOCODER_URL": " http://127.0.0.1:8123 ",
            "GEOCODER_USER_AGENT": USER_AGENT,
            "GEOCODER_MIN_DELAY_SECONDS": "2",
            "GEOCODER_TIMEOUT_SECONDS": 3,
            "GEOCODER_COUNTRY_CODES": "GB, IE",
        }
    )
    assert settings == GeocoderSettings(
        url="http://127.0.0.1:8123",
        user_agent=USER_AGENT,
        min_delay_seconds=2.0,
        timeout_seconds=3.0,
        country_codes="gb,ie",
    )


def test_from_config_sends_the_configured_user_agent(db, nominatim):
    geocoder = from_config({"GEOCODER_URL": nominatim.url, "GEOCODER_USER_AGENT": USER_AGENT})
    geocoder.geocode(db, "1 Clock Tower, Leicester")
    assert nominatim.requests[0].user_agent == USER_AGENT


def test_public_server_is_never_asked_faster_than_once_a_second():
    geocoder = make_geocoder("https://nominatim.openstreetmap.org", min_delay_seconds=0.1)
    assert geocoder._geocode.min_delay_seconds == 1.0


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("  1 High   Street,\tLEICESTER \n", "1 high street, leicester"), ("", "")],
)
def test_normalise_query(raw, normalised):
    assert normalise_query(raw) == normalised


# -- Distances -------------------------------------------------------------------------------


def haversine_m(lat1, lon1, lat2, lon2):
    """Great-circle distance on a sphere of the mean Earth radius: an independent check."""
    radius = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def test_distance_clock_tower_to_station_is_about_500_metres():
    expected = haversine_m(*CLOCK_TOWER, *STATION)
    measured = distance_m(*CLOCK_TOWER, *STATION)
    assert 450 < expected < 550
    # The sphere and the ellipsoid differ by well under 0.5% at UK latitudes.
    assert measured == pytest.approx(expected, rel=0.005)


def test_distance_to_the_same_point_is_zero():
    assert distance_m(*CLOCK_TOWER, *CLOCK_TOWER) == 0


@pytest.mark.parametrize("lat", [0.0, 50.1, 52.6344, 60.8, -33.9, 70.0])
@pytest.mark.parametrize("radius_m", [25, 500, 5_000, 50_000])
def test_bounding_box_holds_the_circle_and_not_much_more(lat, radius_m):
    lon = -1.1315
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)

    def inside(point):
        return min_lat <= point.latitude <= max_lat and min_lon <= point.longitude <= max_lon

    for bearing in range(0, 360, 45):
        at_radius = geodesic(meters=radius_m).destination((lat, lon), bearing)
        beyond = geodesic(meters=radius_m * 1.5).destination((lat, lon), bearing)
        assert inside(at_radius), bearing
        if bearing % 90 == 0:  # the box's corners are further than 1.5x on the diagonals
            assert not inside(beyond), bearing


def test_bounding_box_holds_points_just_off_the_compass_points():
    # The widest point of the circle is not exactly due east at high latitudes.
    lat, lon, radius_m = 70.0, 20.0, 50_000
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius_m)
    for tenth in range(0, 3600, 5):
        point = geodesic(meters=radius_m).destination((lat, lon), tenth / 10)
        assert min_lat <= point.latitude <= max_lat
        assert min_lon <= point.longitude <= max_lon


def test_order_by_distance_puts_nearest_first_and_skips_unplaced_rows():
    rows = [
        {"name": "station", "latitude": STATION[0], "longitude": STATION[1]},
        {"name": "no location", "latitude": None, "longitude": None},
        {"name": "clock tower", "latitude": CLOCK_TOWER[0], "longitude": CLOCK_TOWER[1]},
        {"name": "half placed", "latitude": 52.6, "longitude": None},
        {"name": "far", "latitude": 52.7, "longitude": -1.2},
    ]

    ordered = order_by_distance(CLOCK_TOWER, rows)

    assert [r["name"] for r in ordered] == ["clock tower", "station", "far"]
    assert ordered[0]["distance_m"] == 0
    assert ordered[1]["distance_m"] == pytest.approx(distance_m(*CLOCK_TOWER, *STATION))
    assert "distance_m" not in rows[0]  # the caller's rows are left alone


def test_order_by_distance_uses_the_given_keys():
    rows = [{"id": 1, "lat": 52.7, "lng": -1.2}, {"id": 2, "lat": 52.63, "lng": -1.13}]
    ordered = order_by_distance(CLOCK_TOWER, rows, lat_key="lat", lon_key="lng")
    assert [r["id"] for r in ordered] == [2, 1]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ((52.6344, -1.1315), (52.6317, -1.1252)),
        ((51.5007, -0.1246), (55.9533, -3.1883)),
        ((50.0, -5.7), (50.0, -5.7)),
    ],
)
def test_distance_is_geopys_geodesic(a, b):
    from geopy.distance import geodesic

    assert distance_m(*a, *b) == pytest.approx(geodesic(a, b).meters, abs=1e-6)
