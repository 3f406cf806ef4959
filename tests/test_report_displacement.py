"""Displacement: new premises and first-time high concern near sites actioned, over records
placed by hand at known distances (each position is worked out with geographiclib's
direct geodesic from the site actioned, so a premises "900 m north" is 900 m away by
construction); the page, its version for sharing, its CSV files and who may see them.

Times are in the financial year 2025 to 2026, in British Summer Time where it matters:
23:30 UTC on 9 June 2025 is 12:30am BST on 10 June.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from geographiclib.geodesic import Geodesic

from fieldapp.queries import connect
from fieldapp.reports import displacement, periods
from tests.conftest import make_app, parse
from tests.report_world import add_operation, add_premises, add_visit, signed_in

YEAR = periods.financial_year(date(2025, 6, 1))
YEAR_ARGS = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
HCW, NB = "hand_car_wash", "nail_bar"
OLD = "2024-01-10T09:00:00+00:00"  # long before anything in the year
HOME = (52.6, -1.1)


def away(origin: tuple[float, float], azimuth: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from ``origin`` on the bearing ``azimuth`` (degrees)."""
    found = Geodesic.WGS84.Direct(origin[0], origin[1], azimuth, metres)
    return found["lat2"], found["lon2"]


def place(db, name, sector, created, at=None, registered=None) -> int:
    pid = add_premises(db, name, sector, created)
    lat, lon = at if at else (None, None)
    db.execute(
        "UPDATE premises SET latitude = ?, longitude = ?, registered_on = ? WHERE id = ?",
        [lat, lon, registered, pid],
    )
    return pid


def checklists(db) -> None:
    db.execute(
        "INSERT OR IGNORE INTO checklist_versions VALUES ('h', 'hand_car_wash', 2, '{}', "
        "'2024-01-01T00:00:00+00:00')"
    )


def build_town(db) -> dict:
    """Site A (a car wash closed on 10 June 2025, and arrested at on 20 July), site D (a
    nail bar given a prohibition notice on 1 September 2025, 1.5 km east of A) and the
    premises around them. Returns the ids by name."""
    checklists(db)
    ids = {}
    d_at = away(HOME, 90, 1500)

    def near_a(name, azimuth, metres, created=OLD, sector=HCW, registered=None):
        ids[name] = place(db, name, sector, created, away(HOME, azimuth, metres), registered)
        return ids[name]

    ids["A"] = place(db, "A", HCW, OLD, HOME)
    ids["D"] = place(db, "D", NB, OLD, d_at)
    add_visit(db, ids["A"], "2025-06-10T10:00:00+00:00", "high")  # A itself: never its own
    near_a("F900", 0, 900, "2025-07-01T09:00:00+00:00")
    near_a("F1100", 90, 1100, "2025-07-01T09:00:00+00:00")
    near_a("before", 160, 300, "2025-06-09T10:00:00+00:00")
    near_a("same day", 180, 300, "2025-06-10T12:00:00+00:00")
    near_a("BST", 200, 300, "2025-06-09T23:30:00+00:00", sector=NB)  # 10 June in the UK
    near_a("BST before", 220, 350, "2025-06-09T22:30:00+00:00")  # 11:30pm BST on 9 June
    add_visit(db, near_a("first high", 270, 400, sector=NB), "2025-08-01T10:00:00+00:00", "high")
    already = near_a("already high", 300, 450)
    add_visit(db, already, "2025-05-01T10:00:00+00:00", "high")
    add_visit(db, already, "2025-08-01T10:00:00+00:00", "high")
    away_from = near_a("amended away", 330, 500)
    first = add_visit(db, away_from, "2025-08-01T10:00:00+00:00", "high")
    add_visit(db, away_from, "2025-08-01T10:00:00+00:00", "medium", amends=first)
    to = near_a("amended to high", 240, 600)
    first = add_visit(db, to, "2025-08-01T10:00:00+00:00", "low")
    add_visit(db, to, "2025-08-01T10:00:00+00:00", "high", amends=first)
    again = near_a("high again", 250, 700)  # high before the action, amended away
    first = add_visit(db, again, "2025-05-01T10:00:00+00:00", "high")
    add_visit(db, again, "2025-05-01T10:00:00+00:00", "low", amends=first)
    add_visit(db, again, "2025-09-01T10:00:00+00:00", "high")
    near_a("registered long ago", 10, 200, "2025-07-01T09:00:00+00:00", registered="2019-01-01")
    near_a("added before, registered after", 20, 250, registered="2025-07-15")
    near_a("after the period", 45, 100, "2026-04-05T09:00:00+00:00")
    ids["no position"] = place(db, "no position", HCW, "2025-07-01T09:00:00+00:00")
    ids["G"] = place(db, "G", HCW, "2025-10-01T09:00:00+00:00", away(HOME, 90, 750))
    ids["H"] = place(db, "H", NB, "2025-09-05T09:00:00+00:00", away(d_at, 90, 300))
    # Not sites actioned: an outcome with no action, a site with no map position, and one
    # actioned the year before (with a new premises beside it).
    ids["B"] = place(db, "B", HCW, OLD, away(HOME, 0, 50))
    ids["E"] = place(db, "E", HCW, OLD)
    south = away(HOME, 180, 20_000)
    ids["C"] = place(db, "C", HCW, OLD, south)
    place(db, "near C", HCW, "2025-04-10T09:00:00+00:00", away(south, 0, 100))
    add_operation(db, "2025-06-10", ("police",), {ids["A"]: {"actions": ["closure"]}, ids["B"]: {}})
    add_operation(db, "2025-07-20", ("police",), {ids["A"]: {"actions": ["arrest"]}})
    add_operation(db, "2025-09-01", ("glaa",), {ids["D"]: {"actions": ["prohibition_notice"]}})
    add_operation(db, "2025-08-01", ("police",), {ids["E"]: {"actions": ["closure"]}})
    add_operation(db, "2025-03-01", ("police",), {ids["C"]: {"actions": ["closure"]}})
    db.conn.commit()
    return ids


@pytest.fixture
def town(query_db):
    return query_db, build_town(query_db)


def followers(found, site_id) -> dict[str, tuple]:
    site = next(s for s in found.anchors if s.premises["id"] == site_id)
    return {
        f.premises["name"]: (f.new_on, f.high_on, f.days_after, f.same_sector)
        for f in site.followers
    }


def test_the_sites_actioned_are_those_with_an_action_a_position_and_a_date_in_the_period(town):
    db, ids = town
    found = displacement.build(db, YEAR)
    assert [s.premises["name"] for s in found.anchors] == ["A", "D"]
    a = found.anchors[0]
    # Actioned twice: one site, from its first action, its actions in the usual order.
    assert (a.action_day, a.actions) == (date(2025, 6, 10), ["arrest", "closure"])
    assert a.operations == ["Operation 2025-06-10", "Operation 2025-07-20"]


def test_what_appeared_within_1_km_of_each_site(town):
    db, ids = town
    found = displacement.build(db, YEAR, 1000)
    june10, aug1 = date(2025, 6, 10), date(2025, 8, 1)
    assert followers(found, ids["A"]) == {
        "same day": (june10, None, 0, True),  # the action's own day counts
        "BST": (june10, None, 0, False),  # 12:30am BST on 10 June
        "first high": (None, aug1, 52, False),
        "amended to high": (None, aug1, 52, True),
        "high again": (None, date(2025, 9, 1), 83, True),
        "G": (date(2025, 10, 1), None, 113, True),
        "F900": (date(2025, 7, 1), None, 21, True),
    }
    # Nearest first, each once, with its distance.
    distances = [round(f.distance_m) for f in found.anchors[0].followers]
    assert distances == [300, 300, 400, 600, 700, 750, 900]
    assert followers(found, ids["D"]) == {
        "H": (date(2025, 9, 5), None, 4, True),
        "G": (date(2025, 10, 1), None, 30, False),
    }


def test_the_distance_chosen_decides_who_is_near(town):
    db, ids = town
    at_500 = followers(displacement.build(db, YEAR, 500), ids["A"])
    assert "F900" not in at_500 and "same day" in at_500
    assert "F1100" not in followers(displacement.build(db, YEAR, 1000), ids["A"])
    assert "F1100" in followers(displacement.build(db, YEAR, 2000), ids["A"])


def test_the_totals_count_each_premises_once_under_its_sector(town):
    db, _ = town
    counts = displacement.build(db, YEAR, 1000).counts
    # G is near both sites and counts once; new: same day, G, F900 (car washes), BST, H.
    assert counts[HCW] == {"anchors": 1, "followed": 1, "new": 3, "high": 2, "same": 5}
    assert counts[NB] == {"anchors": 1, "followed": 1, "new": 2, "high": 1, "same": 1}
    assert counts["total"] == {"anchors": 2, "followed": 2, "new": 5, "high": 3, "same": 6}


def test_a_period_with_no_sites_actioned(query_db):
    build_town(query_db)
    found = displacement.build(query_db, periods.financial_year(date(2023, 6, 1)))
    assert found.anchors == []
    assert found.counts["total"] == dict.fromkeys(displacement.COLUMNS, 0)


def test_the_first_date_known_is_the_earlier_of_added_and_registered():
    row = {"created_at": "2025-06-09T23:30:00+00:00", "registered_on": None}
    assert displacement.first_known(row) == date(2025, 6, 10)
    assert displacement.first_known({**row, "registered_on": "2019-01-01"}) == date(2019, 1, 1)
    assert displacement.first_known({**row, "registered_on": "2026-01-01"}) == date(2025, 6, 10)
    assert displacement.first_known({**row, "registered_on": "not a date"}) == date(2025, 6, 10)


def test_the_shared_counts_hide_a_small_count_and_the_cell_that_gives_it_away():
    found = displacement.Displacement(YEAR, 1000, [], {})
    found.counts = {r: dict.fromkeys(displacement.COLUMNS, 0) for r in displacement.ROWS}
    found.counts[HCW]["new"], found.counts[NB]["new"], found.counts["total"]["new"] = 9, 3, 12
    hidden = found.hidden(5)
    assert hidden[(NB, "new")] == "primary"
    assert hidden[(HCW, "new")] == "secondary"
    assert ("total", "new") not in hidden


# The pages.


def build_board(db) -> dict:
    """The town, and five more car washes and a nail bar actioned far apart, so that the
    version for sharing has a count to show (8 sites actioned), a small one (2 nail bars)
    and one hidden to protect it (6 car washes); plus hostile names."""
    ids = build_town(db)
    for n in range(4):
        site = place(db, f"Closed Wash {n}", HCW, OLD, away(HOME, 0, 30_000 + n * 10_000))
        add_operation(db, f"2025-11-0{n + 1}", ("police",), {site: {"actions": ["closure"]}})
    nails = place(db, "Closed Nails", NB, OLD, away(HOME, 0, 200_000))
    add_operation(db, "2025-11-20", ("police",), {nails: {"actions": ["civil_penalty"]}})
    hostile = place(db, "<svg onload=x>", HCW, OLD, away(HOME, 0, 100_000))
    add_operation(db, "2025-12-01", ("police",), {hostile: {"actions": ["closure"]}})
    place(
        db,
        '=HYPERLINK("x")',
        HCW,
        "2025-12-02T09:00:00+00:00",
        away(away(HOME, 0, 100_000), 90, 200),
    )
    db.conn.commit()
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("report-displacement"))
    db = connect(app.config["DATABASE"])
    ids = build_board(db)
    db.conn.close()
    clients = signed_in(app)
    return {"app": app, "clients": clients, "ids": ids}


def get(world, query="", status=200, role="coordinator", path="/reports/displacement"):
    response = world["clients"][role].get(f"{path}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    return response.get_data(as_text=True)


def cells(soup, row: str) -> list[str]:
    return [td.text for td in soup.select(f'#displacement-counts tr[data-row="{row}"] td')]


def test_a_coordinator_sees_each_site_and_what_is_near_it_with_links(world):
    html = get(world, YEAR_ARGS)
    soup = parse(html)
    assert soup.select_one("#period-name").text == "Financial year 2025 to 2026"
    assert cells(soup, "total") == ["8", "3", "6", "3", "7"]
    site = soup.select_one(f"#site-{world['ids']['A']}")
    assert site.select_one("h3 a")["href"] == f"/premises/{world['ids']['A']}"
    assert "Arrest, Closure" in site.select_one("[data-actions]").text
    links = [a.text for a in site.select("tbody th a")]
    assert links[:2] == ["same day", "BST"] and "F900" in links
    row = site.select_one(f'tr[data-follower="{world["ids"]["F900"]}"]')
    assert row.select_one('[data-cell="distance"]').text == "900 m"
    assert row.select_one('[data-cell="days"]').text == "21"
    assert "not proof of a link" in soup.select_one("#not-proof").text
    # Hostile names are text, never markup.
    assert "<svg onload=x>" not in html and "&lt;svg onload=x&gt;" in html


def test_the_distance_is_kept_and_changes_what_is_near(world):
    soup = parse(get(world, YEAR_ARGS + "&distance=500"))
    assert soup.select_one('input[name="distance"][value="500"]').has_attr("checked")
    assert soup.select_one('#presets input[name="distance"]')["value"] == "500"
    site = soup.select_one(f"#site-{world['ids']['A']}")
    assert "F900" not in [a.text for a in site.select("tbody th a")]


def test_the_shared_version_shows_counts_alone_with_small_ones_hidden(world):
    html = get(world, YEAR_ARGS + "&shared=1")
    soup = parse(html)
    assert soup.select_one("h1").text.strip() == "Displacement: version for sharing"
    for td in soup.select("td[data-cell]"):
        assert td.text not in {"1", "2", "3", "4"}, td
    assert cells(soup, NB)[0] == "fewer than 5"
    assert cells(soup, HCW)[0] == "hidden"  # else 8 - 6 would give the nail bars away
    assert cells(soup, "total")[0] == "8"
    assert not soup.select("#sites, [data-follower], #download-exact")
    main = soup.select_one("main")
    assert not main.select('a[href^="/premises/"]')
    for name in ("F900", "svg onload", "HYPERLINK", "Closed Wash"):
        assert name not in main.text


def test_the_csv_files_exact_and_for_sharing(world):
    exact = get(world, YEAR_ARGS, path="/reports/displacement.csv")
    table = list(csv.reader(io.StringIO(exact.lstrip("\ufeff"))))
    assert ["Within", "1 km of a site actioned"] in table
    assert ["Total", "8", "3", "6", "3", "7"] in table
    assert ["Hand car wash", "6", "2", "4", "2", "6"] in table
    names = [row[4] for row in table if len(row) == 10]
    assert "F900" in names and '\'=HYPERLINK("x")' in names
    assert not any(cell.startswith("=") for row in table for cell in row)
    shared = get(world, YEAR_ARGS + "&shared=1", path="/reports/displacement.csv")
    table = list(csv.reader(io.StringIO(shared.lstrip("\ufeff"))))
    assert [
        "Nail bar",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
        "fewer than 5",
    ] in table
    assert "F900" not in shared and "HYPERLINK" not in shared and "svg" not in shared


def test_the_reports_page_links_to_displacement_for_its_period(world):
    soup = parse(world["clients"]["coordinator"].get(f"/reports/?{YEAR_ARGS}").get_data(True))
    href = soup.select_one("#displacement-link")["href"]
    assert href.startswith("/reports/displacement?") and "from-year=2025" in href


@pytest.mark.parametrize("role", ["inspector", "partner", "admin"])
@pytest.mark.parametrize("path", ["/reports/displacement", "/reports/displacement.csv"])
def test_only_coordinators_can_see_displacement(world, role, path):
    assert world["clients"][role].get(f"{path}?{YEAR_ARGS}").status_code == 403


HOSTILE = [
    ("distance=750", "Select a distance from the list", "#distance"),
    ("distance=1e309", "Select a distance from the list", "#distance"),
    ("distance=-1000", "Select a distance from the list", "#distance"),
    (f"distance={'9' * 5000}", "Select a distance from the list", "#distance"),
    ("period=bogus", "Select a period from the list", "#period"),
    ("period=custom&from-day=1&from-month=13&from-year=2026", "Start date", "#from-"),
]


@pytest.mark.parametrize("path", ["/reports/displacement", "/reports/displacement.csv"])
@pytest.mark.parametrize(("query", "message", "href"), HOSTILE)
def test_a_bad_distance_or_period_gets_a_clear_error(world, query, message, href, path):
    soup = parse(get(world, f"{query}&shared=<script>", status=400, path=path))
    summary = soup.select_one(".govuk-error-summary")
    assert summary is not None and message in summary.text, summary
    assert summary.select_one("a")["href"].startswith(href)
    assert "<script>" not in str(soup.select_one("main"))


@pytest.mark.parametrize("latitude", [50.0, 52.6, 55.8, 60.8])
@pytest.mark.parametrize("metres", sorted(displacement.DISTANCES))
def test_the_quick_distance_screen_never_turns_away_what_the_geodesic_keeps(latitude, metres):
    here = {"latitude": latitude, "longitude": -1.1}
    for azimuth in range(0, 360, 15):
        lat, lon = away((latitude, -1.1), azimuth, metres)
        assert not displacement._surely_beyond(here, {"latitude": lat, "longitude": lon}, metres)
        lat, lon = away((latitude, -1.1), azimuth, metres * 1.05)
        assert displacement._surely_beyond(here, {"latitude": lat, "longitude": lon}, metres)
