"""Lighthouse on the pages officers use most: accessibility and layout shift, on a phone.

    .venv/bin/python -m bench.lighthouse

Serves the app with gunicorn on loopback, signs in as an inspector in headless Chromium to
get a session cookie, and runs Lighthouse 12.2.3 (installed from npm into .cache/ the first
time, or the one LIGHTHOUSE names) as a phone on the sign-in page, a car wash checklist
and the risk map (as a coordinator). Targets, per page: accessibility 100, cumulative
layout shift below 0.1. The sign-in page is the baseline: the simplest page there is.

Exits 0 if every target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench._server import LAUNCH_ARGS, PASSWORD, ROOT, Gunicorn, prepare_instance
from bench._targets import Targets

VERSION = "12.2.3"
CACHE = ROOT / ".cache" / "lighthouse"
# The sign-in is tied to the browser that made it (Flask-Login's strong session
# protection hashes the address and user agent), so Lighthouse's phone says it is the
# same browser that signed in.
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 fieldapp-bench"
)
PAGES = (
    ("sign-in page", "/sign-in", None),
    ("car wash checklist", "/premises/1/visits/new", "inspector"),
    ("risk map", "/sites/map", "coordinator"),
)


def lighthouse() -> str:
    """The Lighthouse command: LIGHTHOUSE if set, else the pinned version, installed once."""
    if os.environ.get("LIGHTHOUSE"):
        return os.environ["LIGHTHOUSE"]
    command = CACHE / "node_modules" / ".bin" / "lighthouse"
    if not command.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "i",
                "-E",
                f"lighthouse@{VERSION}",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(CACHE),
            ],
            check=True,
        )
    return str(command)


def cookies(base: str) -> dict[str, str]:
    """A session cookie header for each role a page needs, signed in through the form."""
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH_ARGS)
        for role in ("inspector", "coordinator"):
            context = browser.new_context(user_agent=USER_AGENT)
            page = context.new_page()
            page.goto(f"{base}/sign-in")
            page.fill("#username", f"bench.{role}")
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.click("button[type=submit]")
            if "/sign-in" in page.url:
                raise SystemExit(f"bench.{role} could not sign in")
            found[role] = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
            context.close()
        browser.close()
    return found


def audit(command: str, url: str, cookie: str | None) -> tuple[float, float]:
    """(accessibility score out of 100, cumulative layout shift) for one page."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "report.json"
        args = [
            command,
            url,
            "--quiet",
            "--only-categories=accessibility,performance",
            "--output=json",
            f"--output-path={out}",
            "--chrome-flags=--headless=new " + " ".join(LAUNCH_ARGS),
            f"--emulatedUserAgent={USER_AGENT}",
        ]
        if cookie:
            args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = {**os.environ, "CHROME_PATH": "/usr/bin/chromium"}
        subprocess.run(args, check=True, env=env, capture_output=True, timeout=300)
        report = json.loads(out.read_text())
    landed = report.get("finalDisplayedUrl") or report.get("finalUrl") or ""
    if landed.split("?")[0] != url.split("?")[0]:
        raise SystemExit(f"Lighthouse was sent to {landed}, not {url}: was the sign-in lost?")
    score = round(report["categories"]["accessibility"]["score"] * 100)
    shift = report["audits"]["cumulative-layout-shift"]["numericValue"]
    return score, shift


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.lighthouse",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args()
    command = lighthouse()
    instance = prepare_instance(premises=5)
    targets = Targets()
    with Gunicorn(instance, workers=2) as server:
        signed_in = cookies(server.url)
        results = {
            name: audit(command, server.url + path, signed_in.get(role))
            for name, path, role in PAGES
        }
    base_score, base_shift = results["sign-in page"]
    baseline = f"sign-in page {base_score} and CLS {base_shift:.3f}"
    for name, (score, shift) in results.items():
        print(f"{name:<22} accessibility {score:>3}  cumulative layout shift {shift:.3f}")
        targets.check(f"{name}: accessibility", score, 100, better="higher", baseline=baseline)
        targets.check(f"{name}: layout shift", shift, 0.0999, baseline=baseline)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
