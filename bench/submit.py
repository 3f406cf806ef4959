"""Visit submissions against gunicorn on loopback, beside a trivial endpoint in the same run.

    .venv/bin/python -m bench.submit [--seconds 10] [--clients 16] [--workers 4]

The load comes from wrk (Debian package "wrk", written in C) when it is installed, so the
load generator takes little of the CPU the server needs; otherwise from Python threads,
which on a small machine take as much CPU as the server and lower both figures.

Prints throughput and p50/p99 latency for GET /healthz (the baseline: routing, a session
check and SELECT 1) and for POST of a full visit (parse, score, one transaction of ~40 rows,
premises risk refresh, audit). Targets: submissions >= 30% of the baseline's throughput,
p99 <= 50 ms. For a quick try: --seconds 2. Exits 0 if both targets are met, 1 if not.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from bench._server import (
    USER_AGENT,
    Browser,
    Gunicorn,
    percentile,
    prepare_instance,
    visit_fields,
)
from bench._targets import Targets, figure

TARGET_SHARE_PERCENT = 30
TARGET_P99_MS = 50


def run(clients: list[Browser], seconds: float, action) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int, client: Browser) -> None:
        nonlocal failures
        mine, bad = [], 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            ok = action(index, client)
            mine.append(time.perf_counter() - started)
            bad += 0 if ok else 1
        with lock:
            latencies.extend(mine)
            failures += bad

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, failures


def report(name: str, count: int, latencies: list[float], failures: int, seconds: float):
    rate = count / seconds
    print(
        f"{name:<22} {rate:8.0f} req/s   p50 {percentile(latencies, 50) * 1000:6.1f} ms   "
        f"p99 {percentile(latencies, 99) * 1000:6.1f} ms   failures {failures}"
    )
    return rate, percentile(latencies, 99)


HERE = Path(__file__).resolve().parent


def wrk(url: str, seconds: float, clients: int, script: str, env: dict | None = None):
    """Run wrk; return (requests, error responses, p50 ms, p99 ms)."""
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds:g}s", "-s", script, url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "WRK_REPORT": str(HERE / "wrk_report.lua"), **(env or {})},
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, status_errors, _socket, _timeouts, p50, p99 = line.split()[1:]
    return int(requests), int(status_errors), float(p50), float(p99)


def measure_with_wrk(server, args) -> tuple[float, float, float, float]:
    """Both loads from wrk: (baseline req/s, baseline p99 ms, submissions req/s, their p99 ms)."""
    client = Browser(server.url)
    fields = {**visit_fields(1), "visit_id": "VISIT_ID"}
    env = {
        "VISIT_BODY": urllib.parse.urlencode({"csrf_token": client.token, **fields}),
        "VISIT_COOKIE": _cookie_header(client),
        "VISIT_USER_AGENT": USER_AGENT,
    }
    print(
        f"wrk: gunicorn {args.workers} workers, {args.clients} connections, {args.seconds:g} s each"
    )
    base = wrk(server.url + "/healthz", args.seconds, args.clients, str(HERE / "wrk_report.lua"))
    sub = wrk(server.url, args.seconds, args.clients, str(HERE / "wrk_submit.lua"), env)
    for name, (count, errors, p50, p99) in (("GET /healthz (baseline)", base), ("POST visit", sub)):
        print(
            f"{name:<24} {count / args.seconds:8.0f} req/s   p50 {p50:6.1f} ms   "
            f"p99 {p99:6.1f} ms   error responses {errors}"
        )
    return base[0] / args.seconds, base[3], sub[0] / args.seconds, sub[3]


def _cookie_header(client: Browser) -> str:
    for handler in client.opener.handlers:
        jar = getattr(handler, "cookiejar", None)
        if jar is not None:
            return "; ".join(f"{c.name}={c.value}" for c in jar)
    raise RuntimeError("no cookies")


def measure_with_python(server, args) -> tuple[float, float, float, float]:
    """Both loads from Python threads: (baseline req/s, baseline p99 ms, submissions req/s,
    their p99 ms)."""
    clients = [Browser(server.url) for _ in range(args.clients)]
    print(f"gunicorn {args.workers} workers, {args.clients} clients, {args.seconds:g} s each")
    baseline = report(
        "GET /healthz (baseline)",
        *run(clients, args.seconds, lambda i, c: c.get("/healthz")[0] == 200),
        args.seconds,
    )
    submit = report(
        "POST visit",
        *run(
            clients,
            args.seconds,
            lambda i, c: (
                c.post(f"/premises/{i % 50 + 1}/visits/new", visit_fields(i % 50 + 1))[0] == 303
            ),
        ),
        args.seconds,
    )
    return baseline[0], baseline[1] * 1000, submit[0], submit[1] * 1000


def check(base_rate: float, base_p99: float, rate: float, p99: float) -> int:
    """Check both targets; return the exit code."""
    targets = Targets()
    targets.check(
        "submissions' share of the baseline's throughput",
        rate / base_rate * 100,
        TARGET_SHARE_PERCENT,
        "%",
        better="higher",
        baseline=f"GET /healthz {base_rate:.0f} req/s, POST visit {rate:.0f} req/s",
    )
    targets.check(
        "submission p99 latency",
        p99,
        TARGET_P99_MS,
        "ms",
        baseline=f"GET /healthz p99 {figure(base_p99, 'ms')}",
    )
    return targets.finish()


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.submit",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--python-clients", action="store_true", help="load from Python, not wrk")
    args = parser.parse_args()

    instance = prepare_instance(premises=50)
    with_wrk = shutil.which("wrk") and not args.python_clients
    measure = measure_with_wrk if with_wrk else measure_with_python
    with Gunicorn(instance, workers=args.workers) as server:
        figures = measure(server, args)
    return check(*figures)


if __name__ == "__main__":
    raise SystemExit(main())
