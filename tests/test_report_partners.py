"""Partner agencies and Reports: shut unless the council shares them
(``REPORTS_FOR_PARTNERS``), and then only ever the versions for sharing - no exact counts,
no links to records - on every page and download."""

from __future__ import annotations

import csv
import io

import pytest

from fieldapp import create_app
from fieldapp.queries import connect
from tests.conftest import make_app, parse
from tests.report_world import build_council, signed_in

YEAR = "period=custom&from-day=1&from-month=4&from-year=2025&to-day=31&to-month=3&to-year=2026"
PAGES = [
    "/reports/",
    "/reports/trends",
    "/reports/areas",
    "/reports/indicators",
    "/reports/displacement",
    "/reports/pack",
]
DOWNLOADS = [
    "/reports/figures.csv",
    "/reports/areas.csv",
    "/reports/indicators.csv",
    "/reports/displacement.csv",
]


def _world(tmp_path_factory, name: str, **config):
    app = make_app(tmp_path_factory.mktemp(name), **config)
    db = connect(app.config["DATABASE"])
    build_council(db)
    db.conn.close()
    return signed_in(app, ("partner", "coordinator", "inspector"))


@pytest.fixture(scope="module")
def shut(tmp_path_factory):
    return _world(tmp_path_factory, "reports-shut")


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return _world(tmp_path_factory, "reports-shared", REPORTS_FOR_PARTNERS=True)


def _menu(client) -> list[str]:
    soup = parse(client.get("/").get_data(as_text=True))
    return [a.get_text(strip=True) for a in soup.select(".govuk-service-navigation__link")]


@pytest.mark.parametrize("path", [*PAGES, *DOWNLOADS, "/reports/pack.zip"])
def test_partners_cannot_open_reports_unless_the_council_shares_them(shut, path):
    assert shut["partner"].get(f"{path}?{YEAR}").status_code == 403
    assert shut["coordinator"].get(f"{path}?{YEAR}").status_code == 200
    assert "Reports" not in _menu(shut["partner"])


@pytest.mark.parametrize("path", PAGES)
def test_shared_reports_show_partners_only_the_version_for_sharing(shared, path):
    response = shared["partner"].get(f"{path}?{YEAR}")  # not asking for the shared version
    assert response.status_code == 200
    soup = parse(response.get_data(as_text=True))
    main = soup.select_one("main")
    assert "Version for sharing" in main.text, path
    assert not soup.select("#show-exact, #download-exact")
    assert not soup.select(".app-report-records")  # no links to the records behind a figure
    for td in main.select("td[data-cell]"):
        assert td.get_text(strip=True) not in {"1", "2", "3", "4"}, (path, td)
    assert "Alpha Wash" not in main.text
    assert "Reports" in _menu(shared["partner"])


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_partner_asking_for_exact_counts_gets_the_copy_for_sharing(shared, path):
    response = shared["partner"].get(f"{path}?{YEAR}&shared=0")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    version = next(r[1] for r in rows if r and r[0] == "Version")
    assert version.startswith("For sharing"), path
    assert "for-sharing" in response.headers["Content-Disposition"]


def test_coordinators_still_see_exact_counts_and_inspectors_still_nothing(shared):
    soup = parse(shared["coordinator"].get(f"/reports/?{YEAR}").get_data(as_text=True))
    assert soup.select_one("#download-exact")
    assert shared["inspector"].get(f"/reports/?{YEAR}").status_code == 403


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_setting_must_be_plainly_on_or_off(tmp_path, value):
    with pytest.raises(ValueError, match="REPORTS_FOR_PARTNERS"):
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "x",
                "DATABASE": str(tmp_path / "x.db"),
                "REPORTS_FOR_PARTNERS": value,
                "SAFEGUARDING_PLACEHOLDERS_ALLOWED": True,
            }
        )
