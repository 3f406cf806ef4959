"""A coordinator at a desk imports the council's case-management export through the mapping
step in a real browser: the preset is offered, the sector words chosen, the mapping saved,
and the premises land where the file's grid references put them."""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from fieldapp.geo import distance_m
from fieldapp.queries import connect
from tests.conftest import make_app
from tests.test_browser_assessment import no_accessibility_problems
from tests.test_browser_shell import SCREENSHOTS, record_outside_requests, sign_in
from tests.test_import_mapping import CASE, TRUE_POSITIONS

pytestmark = pytest.mark.browser


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path)


def test_a_case_management_export_imports_through_the_mapping_step(
    browser: Browser, live_server, app, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    outside = record_outside_requests(page, live_server.url)
    path = Path(tmp_path) / "Uniform export.csv"
    path.write_bytes(CASE)
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/imports")
    page.get_by_label("Upload a CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Which column is which")
    expect(page.locator("#presets")).to_contain_text("Case-management export")
    expect(page.get_by_label("Easting")).to_have_value("easting")
    expect(page.get_by_label("Officer")).to_have_value("")
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "import-columns-desktop.png"), full_page=True)
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Which premises to import")
    expect(page.get_by_label("Tattoo Studio (1 row)")).to_have_value("skip")
    expect(page.get_by_label("Beauty Salon - Nails (1 row)")).to_have_value("nail_bar")
    expect(page.get_by_label("Car Valeting (2 rows)")).to_have_value("hand_car_wash")
    page.get_by_label("Save these choices as a mapping").fill("Uniform export")
    no_accessibility_problems(page)
    page.screenshot(path=str(SCREENSHOTS / "import-values-desktop.png"), full_page=True)
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the import")
    expect(page.locator("[data-count=new]")).to_have_text("5")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("rounded number by a spreadsheet")
    expect(problems).to_contain_text("UPRN 100030000002 is also on line 3")
    expect(page.locator("#skipped")).to_contain_text("Tattoo Studio (1 row)")
    no_accessibility_problems(page)
    page.wait_for_timeout(1000)
    page.get_by_role("button", name="Import 5 good rows").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()

    db = connect(app.config["DATABASE"])
    rows = {r["name"]: r for r in db.query("SELECT * FROM premises")}
    for name, (lat, lon) in TRUE_POSITIONS.items():
        assert distance_m(rows[name]["latitude"], rows[name]["longitude"], lat, lon) < 10
    assert rows["Narborough Road Hand Car Wash Ltd"]["easting"] == 457615
    assert db.execute("SELECT name FROM import_presets").fetchall() == [("Uniform export",)]

    # The premises page says how it was placed and keeps the grid reference.
    page.locator("#added").get_by_role("link", name="Belgrave Valeting").click()
    expect(page.locator("main")).to_contain_text("placed from the coordinates in an imported file")
    expect(page.locator("main")).to_contain_text("grid reference E 459,034, N 305,273")

    # The next file with these headings is offered the saved mapping first.
    page.goto(f"{live_server.url}/imports")
    page.get_by_label("Upload a CSV file").set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()
    expect(page.locator("#preset")).to_have_value("Uniform export")
    assert outside == []
    context.close()
