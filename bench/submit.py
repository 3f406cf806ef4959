"""Visit submissions against gunicorn on loopback, beside a trivial endpoint in the same run.

    .venv/bin/python -m bench.submit [--seconds 10] [--clients 16] [--workers 4]

The load comes from wrk (Debian package "wrk", written in C) when it is installed, so the
load generator takes little of the CPU the server needs; otherwise from Python threads,
which on a small machine take as much CPU as the server and lower both figures.

Prints throughput and p50/p99 latency for GET /healthz (the baseline: routing, a session
check and SELECT 1) and for POST of a full visit (parse, score, one transaction of ~40 rows,
premises risk refresh, audit). Target: submissions >= 30% of the baseline's throughput,
p99 <= 50 ms.
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

from bench._server import Browser, Gunicorn, percentile, prepare_instance, visit_fields


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


def main_wrk(server, args) -> None:
    client = Browser(server.url)
    fields = {**visit_fields(1), "visit_id": "VISIT_ID"}
    env = {
        "VISIT_BODY": urllib.parse.urlencode({"csrf_token": client.token, **fields}),
        "VISIT_COOKIE": _cookie_header(client),
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
    share = sub[0] / base[0] * 100
    print(
        f"submissions run at {share:.0f}% of the baseline's throughput (target >= 30%); "
        f"p99 {sub[3]:.1f} ms (target <= 50 ms)"
    )


def _cookie_header(client: Browser) -> str:
    for handler in client.opener.handlers:
        jar = getattr(handler, "cookiejar", None)
        if jar is not None:
            return "; ".join(f"{c.name}={c.value}" for c in jar)
    raise RuntimeError("no cookies")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--python-clients", action="store_true", help="load from Python, not wrk")
    args = parser.parse_args()

    instance = prepare_instance(premises=50)
    if shutil.which("wrk") and not args.python_clients:
        with Gunicorn(instance, workers=args.workers) as server:
            main_wrk(server, args)
        return
    with Gunicorn(instance, workers=args.workers) as server:
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
    share = submit[0] / baseline[0] * 100
    print(
        f"submissions run at {share:.0f}% of the baseline's throughput (target >= 30%); "
        f"p99 {submit[1] * 1000:.1f} ms (target <= 50 ms)"
    )


if __name__ == "__main__":
    main()
