"""Importing premises in a real browser at phone size: upload, check, look up, import."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import make_app
from tests.nominatim_server import running_nominatim
from tests.test_browser_shell import SCREENSHOTS, record_outside_requests, sign_in
from tests.test_import import with_register

pytestmark = pytest.mark.browser

CSV = (
    "name,sector,address,postcode,latitude,longitude\n"
    "Sparkle Hand Car Wash,car wash,1 Narborough Road,LE3 0AB,52.6301,-1.1502\n"
    "Glamour Nails,nails,12 High Street,LE1 4FP,,\n"
    "Garage Wash,garage,3 Garage Road,LE1 1AC,52.63,-1.13\n"
    "Odd Wash,car wash,4 Odd Road,NOT A CODE,52.63,-1.13\n"
)


@pytest.fixture
def nominatim():
    with running_nominatim({"12 high street, le1 4fp": (52.6352, -1.1360)}) as server:
        yield server


@pytest.fixture
def app(tmp_path, nominatim):
    """The live server's app, with address lookups going to the local Nominatim server."""
    return with_register(
        make_app(
            tmp_path,
            GEOCODER_URL=nominatim.url,
            GEOCODER_MIN_DELAY_SECONDS=0,
            GEOCODER_USER_AGENT="fieldapp-tests (test@example.invalid)",
        )
    )


def test_coordinator_checks_a_file_looks_up_addresses_and_imports(
    page: Page, live_server, nominatim, tmp_path
):
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    outside = record_outside_requests(page, live_server.url)
    csv_path = Path(tmp_path) / "register.csv"
    csv_path.write_text(CSV)
    SCREENSHOTS.mkdir(exist_ok=True)

    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/imports")
    page.get_by_label("Upload a CSV file").set_input_files(str(csv_path))
    page.get_by_role("button", name="Check the file").click()

    # The columns are our own names, so every one is proposed as itself.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Which column is which")
    expect(page.get_by_label("postcode")).to_have_value("postcode")
    page.wait_for_timeout(1000)  # a second press within a second is ignored
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Which premises to import")
    expect(page.get_by_label("garage (1 row)")).to_have_value("skip")
    expect(page.get_by_label("car wash (2 rows)")).to_have_value("hand_car_wash")
    page.screenshot(path=str(SCREENSHOTS / "import-values.png"), full_page=True, scale="css")
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Check the import")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("postcode 'NOT A CODE' is not a UK postcode")
    expect(problems.locator("tbody tr td").first).to_have_text("5")
    expect(page.locator("[data-count=new]")).to_have_text("2")
    expect(page.locator("#skipped")).to_contain_text("garage (1 row)")

    # The script looks the address up, shows progress and reloads the report when done.
    page.get_by_role("button", name="Look up 1 address").click()
    expect(page.locator("#lookup-form")).to_have_count(0)
    assert len(nominatim.searches) == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "import-report.png"), full_page=True, scale="css")

    page.get_by_role("button", name="Import 2 good rows").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible()
    expect(page.locator("#added")).to_contain_text("Sparkle Hand Car Wash")
    page.locator("#added").get_by_role("link", name="Glamour Nails").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Glamour Nails")
    assert errors == []
    assert outside == []
