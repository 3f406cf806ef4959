"""What the checklist page weighs on first load, as a phone on a fresh cache fetches it.

    .venv/bin/python -m bench.page_weight

Serves the app with gunicorn on loopback, signs in as an inspector in headless Chromium at
390x844, opens a car wash checklist with an empty cache and adds up the bytes that crossed
the wire for every response (HTML, CSS, JavaScript, icons), compressed as sent. Beside it,
the sign-in page as a baseline. Target: the checklist page <= 150 KB in total.
"""

from __future__ import annotations

from playwright.sync_api import sync_playwright

from bench._server import LAUNCH_ARGS, PASSWORD, Gunicorn, prepare_instance

LAUNCH = LAUNCH_ARGS


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


def main() -> None:
    instance = prepare_instance(premises=5)
    with Gunicorn(instance, workers=2) as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH)
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        page = context.new_page()
        sign_in_total, _ = weigh(page, f"{server.url}/sign-in")
        page.fill("#username", "bench.inspector")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        # A new context with the same session cookie: nothing cached, as on first use.
        cookies = context.cookies()
        fresh = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        fresh.add_cookies(cookies)
        total, sizes = weigh(fresh.new_page(), f"{server.url}/premises/1/visits/new")
        browser.close()
    print(f"sign-in page (baseline): {sign_in_total / 1024:6.1f} KB on the wire")
    print(f"checklist page:          {total / 1024:6.1f} KB on the wire (target <= 150 KB)")
    for url, n in sorted(sizes, key=lambda x: -x[1]):
        print(f"  {n / 1024:6.1f} KB  {url.replace(server.url, '')}")


if __name__ == "__main__":
    main()
