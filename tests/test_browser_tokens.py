"""The API tokens page fits a phone: nothing wider than the 390 px screen."""

import pytest
from playwright.sync_api import Page

from fieldapp.exports import tokens
from fieldapp.queries import connect
from tests.test_browser_shell import SCREENSHOTS, sign_in

pytestmark = pytest.mark.browser


def test_the_tokens_page_fits_a_phone_screen(page: Page, live_server, app):
    db = connect(app.config["DATABASE"])
    admin_id = db.execute("SELECT id FROM users WHERE role = 'admin'").fetchone()[0]
    for agency in ("glaa", "hmrc"):
        tokens.create(
            db, agency=agency, name="Case management system", created_by=admin_id, days=90
        )
    db.conn.close()
    sign_in(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/admin/tokens")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Each row, now a card, says what each value is.
    label = page.evaluate(
        "getComputedStyle(document.querySelector('td[data-label=Expires]'), '::before').content"
    )
    assert label == '"Expires: "'
    page.screenshot(path=str(SCREENSHOTS / "admin-tokens.png"), full_page=True, scale="css")
