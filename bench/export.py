"""Exporting 50,000 flagged-site rows to GeoJSON, against json.dumps of the same rows.

    .venv/bin/python -m bench.export [--sites 50000] [--repeat 3]

Builds a synthetic register (bench._synthetic, as the map benchmark does), then times the
export exactly as the app serves it: the same query, profile, encoder, SHA-256 and export-log
row, read from the streamed response to the last byte. Beside it, in the same run, the
baseline: the site list's query (fieldapp.queries.sites.select) and json.dumps of its rows.
Prints seconds and MB for each, and the time until the first 1,000 sites are sent
(streaming). Target: 50,000 sites to GeoJSON in <= 1 s (checked at whatever --sites is;
try --sites 1000 --repeat 1 for a quick run).

Exits 0 if the target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

from bench._synthetic import synthetic_db
from bench._targets import Targets, figure
from fieldapp import create_app, sitefilter
from fieldapp.exports import Requester
from fieldapp.queries import sites as sites_q
from fieldapp.web.exports.streaming import export_response

TARGET_GEOJSON_S = 1.0


def ours(app, agency: str, fmt: str) -> tuple[float, float, int]:
    """(seconds, seconds to the first 1,000 sites, bytes) for one export as served."""
    started = time.perf_counter()
    with app.test_request_context(f"/exports/sites.{fmt}?agency={agency}"):
        response = export_response(sitefilter.SiteFilter(), agency, fmt, Requester("bench", 1))
    size = 0
    first = 0.0
    # GeoJSON sends its header (marking and metadata) on its own, then 1,000 sites a chunk.
    first_rows = 1 if fmt == "geojson" else 0
    for n, chunk in enumerate(response.response):
        if n == first_rows:
            first = time.perf_counter() - started
        size += len(chunk)
    response.close()  # as a server does: this writes the export-log row
    return time.perf_counter() - started, first, size


def baseline(app, db) -> tuple[float, float, int]:
    """(query seconds, json.dumps seconds, bytes): the list's query and json.dumps of it."""
    with app.app_context():
        started = time.perf_counter()
        rows = sites_q.select(db, sitefilter.SiteFilter())
        queried = time.perf_counter()
        data = json.dumps(rows).encode()
    return queried - started, time.perf_counter() - queried, len(data)


def setup(work: Path, sites: int):
    """The synthetic register with a coordinator to export as, and an app on it."""
    db = synthetic_db(work / "export.db", sites)
    db.conn.execute(
        "INSERT INTO users (id, username, display_name, role, password_hash, created_at, "
        "updated_at) VALUES (1, 'bench', 'Bench', 'coordinator', 'x', '', '')"
    )
    db.conn.commit()
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "DATABASE": str(work / "export.db"),
            "SAFEGUARDING_PLACEHOLDERS_ALLOWED": True,
        },
        instance_path=str(work / "instance"),
    )
    return db, app


def time_exports(app, repeat: int) -> dict[str, float]:
    """Print the best of ``repeat`` runs of each format (KML once); return seconds by format."""
    best = {}
    for agency, fmt in (("police", "geojson"), ("police", "csv"), ("police", "kml")):
        runs = [ours(app, agency, fmt) for _ in range(repeat if fmt != "kml" else 1)]
        seconds, first, size = min(runs)
        label = f"ours: {fmt} for {agency}"
        print(f"{label:<34} {seconds:8.3f} {first:13.3f} {size / 1e6:7.1f}")
        best[fmt] = seconds
    return best


def time_baseline(app, db, repeat: int) -> float:
    """Print the best of ``repeat`` runs of select() + json.dumps; return its seconds."""
    runs = [baseline(app, db) for _ in range(repeat)]
    query_s, dumps_s, size = min(runs, key=lambda r: r[0] + r[1])
    total = query_s + dumps_s
    print(f"{'baseline: select() + json.dumps':<34} {total:8.3f} {'':>13} {size / 1e6:7.1f}")
    print(f"{'  of which select()':<34} {query_s:8.3f}")
    print(f"{'  of which json.dumps':<34} {dumps_s:8.3f}")
    return total


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sites", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-export-"))
    try:
        db, app = setup(work, args.sites)
        print(f"{args.sites:,} sites, best of {args.repeat}")
        print(f"{'':<34} {'seconds':>8} {'first 1,000 s':>13} {'MB':>7}")
        best = time_exports(app, args.repeat)
        base = time_baseline(app, db, args.repeat)
        logged = db.execute("SELECT count(*), sum(byte_count) FROM export_log").fetchone()
        print(f"export log: {logged[0]} rows, {logged[1] / 1e6:.1f} MB hashed")
        db.conn.close()
    finally:
        shutil.rmtree(work)
    targets = Targets()
    targets.check(
        f"GeoJSON export of {args.sites:,} sites",
        best["geojson"],
        TARGET_GEOJSON_S,
        "s",
        baseline=f"select() + json.dumps {figure(base, 's')}",
    )
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
