"""What the checklist page weighs on first load, as a phone on a fresh cache fetches it.

    .venv/bin/python -m bench.page_weight

Serves the app with gunicorn on loopback, signs in as an inspector in headless Chromium at
390x844, opens a car wash checklist with an empty cache and adds up the bytes that crossed
the wire for every response (HTML, CSS, JavaScript, icons), compressed as sent. Beside it,
the sign-in page as a baseline. Target: the checklist page <= 150 KB in total. (One page
load of a small instance: it is already quick, so it has no size to choose.)

Exits 0 if the target is met, 1 if not.
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

from bench._server import LAUNCH_ARGS, PASSWORD, Gunicorn, prepare_instance
from bench._targets import Targets, figure

LAUNCH = LAUNCH_ARGS
TARGET_KB = 150
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def weigh(page, url: str) -> tuple[int, list[tuple[str, int]]]:
    sizes: list[tuple[str, int]] = []

    def on_finished(request):
        response = request.response()
        if response is None:
            return
        s = request.sizes()
        sizes.append((request.url, s["responseBodySize"] + s["responseHeadersSize"]))

    page.on("requestfinished", on_finished)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", on_finished)
    return sum(n for _, n in sizes), sizes


def measure(base: str) -> tuple[int, int, list[tuple[str, int]]]:
    """(sign-in page bytes, checklist page bytes, the checklist page's responses)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH)
        context = browser.new_context(**PHONE)
        page = context.new_page()
        sign_in_total, _ = weigh(page, f"{base}/sign-in")
        page.fill("#username", "bench.inspector")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # A new context with the same session cookie: nothing cached, as on first use.
        cookies = context.cookies()
        fresh = browser.new_context(**PHONE)
        fresh.add_cookies(cookies)
        total, sizes = weigh(fresh.new_page(), f"{base}/premises/1/visits/new")
        browser.close()
    return sign_in_total, total, sizes


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.page_weight",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args()
    instance = prepare_instance(premises=5)
    with Gunicorn(instance, workers=2) as server:
        sign_in_total, total, sizes = measure(server.url)
    print(f"sign-in page (baseline): {sign_in_total / 1024:6.1f} KB on the wire")
    print(f"checklist page:          {total / 1024:6.1f} KB on the wire")
    for url, n in sorted(sizes, key=lambda x: -x[1]):
        print(f"  {n / 1024:6.1f} KB  {url.replace(server.url, '')}")
    targets = Targets()
    targets.check(
        "checklist page on the wire",
        total / 1024,
        TARGET_KB,
        "KB",
        baseline=f"sign-in page {figure(sign_in_total / 1024, 'KB')}",
    )
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
