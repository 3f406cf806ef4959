"""The visit result page with and without the read audit, against gunicorn in the same run.

    .venv/bin/python -m bench.read_audit [--seconds 5] [--rounds 2] [--clients 8] [--workers 4]

Two gunicorns serve the same instance, one with READ_AUDIT off and one with it on (each
view of the page then writes a row to the read log in its own short transaction). Loads
alternate between them, round by round, so a noisy neighbour on a shared machine slows
both alike; each figure is the total over the rounds. Load comes from wrk when installed
(Debian package "wrk"), else from Python threads.

Then the same page in-process through Flask's test client, one request at a time, the two
settings alternating request by request: the steadiest figure on a busy machine.

Target: throughput with the read audit >= 50% of without (it must not halve the page's
throughput), both under load and one request at a time. Also checks that the read log
holds a row for every page served with it on. Both servers are warmed up (a second of load
each) before anything is timed. Exits 0 if every target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

from bench._server import (
    PASSWORD,
    USER_AGENT,
    Browser,
    Gunicorn,
    prepare_instance,
    visit_fields,
)
from bench._targets import Targets, figure
from bench.submit import _cookie_header, report, run
from fieldapp import create_app
from fieldapp.queries import connect

TARGET_SHARE_PERCENT = 50
HERE = Path(__file__).resolve().parent


def start(instance: Path, workers: int, read_audit: bool) -> Gunicorn:
    """gunicorn on ``instance`` with the read audit on or off."""
    previous = os.environ.get("FIELDAPP_READ_AUDIT")
    os.environ["FIELDAPP_READ_AUDIT"] = "true" if read_audit else "false"
    try:
        return Gunicorn(instance, workers=workers)
    finally:
        if previous is None:
            os.environ.pop("FIELDAPP_READ_AUDIT")
        else:
            os.environ["FIELDAPP_READ_AUDIT"] = previous


def load_wrk(url: str, path: str, seconds: float, clients: int) -> int:
    """Requests served by GET ``path`` in ``seconds`` under wrk, signed in as an inspector."""
    cookie = _cookie_header(Browser(url))
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "-H", f"Cookie: {cookie}"]
        + ["-H", f"User-Agent: {USER_AGENT}"]
        + ["-s", str(HERE / "wrk_report.lua"), url + path],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    requests, status_errors, *_ = next(
        line for line in out.splitlines() if line.startswith("RESULT")
    ).split()[1:]
    if int(status_errors):
        raise RuntimeError(f"{status_errors} error responses from {url}{path}")
    return int(requests)


def load_python(url: str, path: str, seconds: float, clients: int) -> int:
    """The same load from Python threads."""
    browsers = [Browser(url) for _ in range(clients)]
    count, latencies, failures = run(browsers, seconds, lambda i, c: c.get(path)[0] == 200)
    report(f"GET {path[:16]}", count, latencies, failures, seconds)
    if failures:
        raise RuntimeError(f"{failures} failed requests to {url}{path}")
    return count


def in_process(instance: Path, path: str, requests: int) -> dict[bool, float]:
    """Median milliseconds of the page one request at a time through Flask's test client,
    with the read audit off and on, alternating request by request (no server, no load
    generator: the steadiest figure on a busy machine)."""
    times: dict[bool, list[float]] = {False: [], True: []}
    clients = {}
    for on in times:
        os.environ["FIELDAPP_READ_AUDIT"] = "true" if on else "false"
        try:
            app = create_app(instance_path=str(instance))
        finally:
            os.environ.pop("FIELDAPP_READ_AUDIT")
        client = clients[on] = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        fields = {"username": "bench.inspector", "password": PASSWORD, "csrf_token": token}
        assert client.post("/sign-in", data=fields).status_code == 302
        client.get(path)  # compile the templates
    for _ in range(requests):
        for on in times:
            started = time.perf_counter()
            assert clients[on].get(path).status_code == 200
            times[on].append((time.perf_counter() - started) * 1000)
    return {on: statistics.median(values) for on, values in times.items()}


def reads_written(database: Path, path: str) -> int:
    db = connect(str(database))
    try:
        record_id = path.rsplit("/", 1)[1]
        return db.execute(  # noqa: S608 - a benchmark's check, not the app
            "SELECT count(*) FROM reads WHERE table_name = 'visits' AND record_id = ?",
            [record_id],
        ).fetchone()[0]
    finally:
        db.conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.read_audit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=5, help="per load, per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=200, help="in-process, per setting")
    parser.add_argument("--python-clients", action="store_true", help="load from Python, not wrk")
    args = parser.parse_args()

    instance = prepare_instance(premises=5)
    load = load_python if args.python_clients or not shutil.which("wrk") else load_wrk
    served = {False: 0, True: 0}
    with ExitStack() as stack:
        servers = {on: stack.enter_context(start(instance, args.workers, on)) for on in served}
        status, _ = Browser(servers[False].url).post("/premises/1/visits/new", visit_fields(1))
        assert status == 303, status
        visit_path = _newest_visit_path(instance / "fieldapp.db")
        print(
            f"{load.__name__[5:]}: gunicorn {args.workers} workers each, {args.clients} "
            f"connections, {args.rounds} rounds of {args.seconds:g} s per setting, GET {visit_path}"
        )
        for on in served:  # every worker compiles its templates before anything is timed
            load(servers[on].url, visit_path, 1, args.clients)
        for round_number in range(1, args.rounds + 1):
            for on in (False, True):
                count = load(servers[on].url, visit_path, args.seconds, args.clients)
                served[on] += count
                print(
                    f"round {round_number}  READ_AUDIT {'on ' if on else 'off'}  "
                    f"{count / args.seconds:7.0f} req/s"
                )
                time.sleep(0.5)
    written = reads_written(instance / "fieldapp.db", visit_path)
    single = in_process(instance, visit_path, args.requests)
    print(
        f"in-process, one request at a time ({args.requests} each, medians): READ_AUDIT off "
        f"{figure(single[False], 'ms')}, on {figure(single[True], 'ms')}"
    )
    return check(
        single,
        served[False] / (args.seconds * args.rounds),
        served[True] / (args.seconds * args.rounds),
        served[True],
        written,
    )


def _newest_visit_path(database: Path) -> str:
    db = connect(str(database))
    try:
        (visit_id,) = db.execute("SELECT id FROM visits ORDER BY submitted_at DESC").fetchone()
    finally:
        db.conn.close()
    return f"/visits/{visit_id}"


def check(
    single: dict[bool, float], rate_off: float, rate_on: float, served_on: int, written: int
) -> int:
    """Check the targets; return the exit code."""
    targets = Targets()
    targets.check(
        "result page rate with the read audit, one request at a time, as a share of without",
        single[False] / single[True] * 100,
        TARGET_SHARE_PERCENT,
        "%",
        better="higher",
        baseline=f"READ_AUDIT off {figure(single[False], 'ms')}, on {figure(single[True], 'ms')}",
    )
    targets.check(
        "result page throughput with the read audit, as a share of without",
        rate_on / rate_off * 100 if rate_off else None,
        TARGET_SHARE_PERCENT,
        "%",
        better="higher",
        baseline=f"READ_AUDIT off {rate_off:.0f} req/s, on {rate_on:.0f} req/s",
    )
    targets.check(
        "read log rows for the pages served with it on",
        written,
        served_on,
        better="higher",
        baseline=f"{served_on} pages served",
    )
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
