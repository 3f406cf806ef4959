"""The coordinator's risk map in Chromium: filters, counts, popups, nothing from elsewhere."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.test_browser_shell import SCREENSHOTS, record_outside_requests, sign_in
from tests.test_sites import XSS
from tests.test_sites import register as register  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def watch(page: Page, base_url: str):
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    return errors, dialogs, record_outside_requests(page, base_url)


def test_coordinator_filters_the_map_and_opens_a_popup(page: Page, live_server, register):
    errors, dialogs, outside = watch(page, live_server.url)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/sites/map")
    frame = page.frame_locator("#risk-map")
    expect(frame.locator("html[data-map-ready]")).to_have_count(1, timeout=15000)
    expect(page.locator("#site-count strong")).to_have_text("7")
    page.screenshot(path=str(SCREENSHOTS / "map-phone.png"), full_page=True, scale="css")

    # Filter to flagged sites: the map and the list agree.
    page.get_by_text("Filter sites").click()
    page.get_by_label("Flagged sites only").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#site-count strong")).to_have_text("2")
    expect(frame.locator("html")).to_have_attribute("data-map-ready", "2", timeout=15000)
    page.get_by_role("link", name="Show these sites as a list").click()
    expect(page.locator("#site-table tr[data-id]")).to_have_count(2)
    expect(page.locator("#site-count strong")).to_have_text("2")

    # The premises with a script-like name: its popup shows the text, runs nothing.
    page.goto(f"{live_server.url}/sites/map?q=onerror")
    frame = page.frame_locator("#risk-map")
    expect(frame.locator("html")).to_have_attribute("data-map-ready", "1", timeout=15000)
    # The whole map in view first: a marker at the bottom edge of the phone's screen has
    # the page scroll as it takes focus, between the press and the release of the tap.
    page.locator("#risk-map").scroll_into_view_if_needed()
    frame.locator(".app-marker").first.click()
    popup = frame.locator(".app-popup")
    expect(popup.locator(".app-popup__title")).to_have_text(XSS, timeout=15000)
    expect(popup).to_contain_text("Red flags")
    expect(popup.locator("img")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "map-popup-phone.png"), scale="css")
    assert dialogs == []
    assert errors == []
    assert outside == []


def test_map_at_desktop_size_with_heat_map(browser, browser_context_args, live_server, register):
    context = browser.new_context(
        **{
            **browser_context_args,
            "viewport": {"width": 1280, "height": 900},
            "is_mobile": False,
            "has_touch": False,
        }
    )
    page = context.new_page()
    errors, dialogs, outside = watch(page, live_server.url)
    sign_in(page, live_server.url, "coordinator")
    page.goto(f"{live_server.url}/sites/map")
    page.get_by_role("link", name="Show high-risk density (heat map)").click()
    frame = page.frame_locator("#risk-map")
    expect(frame.locator("html[data-map-ready]")).to_have_count(1, timeout=15000)
    expect(frame.locator("canvas.leaflet-heatmap-layer")).to_have_count(1)
    expect(frame.locator(".app-legend")).to_contain_text("High")
    expect(frame.locator(".app-legend")).to_have_attribute("open", "")
    page.screenshot(path=str(SCREENSHOTS / "map-desktop-heat.png"), scale="css")
    assert re.search(r"heat=1", frame.locator("html").evaluate("() => location.search"))
    assert errors == [] and outside == [] and dialogs == []
    context.close()
