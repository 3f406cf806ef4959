"""The risk map at 1k, 20k and 50k sites, against naive folium in the same run.

    .venv/bin/python -m bench.risk_map [--sizes 1000,20000,50000] [--naive-max 50000]

For each size it prints, for our map and for naive folium (one folium.Marker per site in a
MarkerCluster): the server build time, the page size raw and gzipped, and the time until
the map is painted in headless Chromium. Then the flagged-site query on 50k premises with
500k visits. Targets at 50k: build <= 0.3 s, >= 100x faster than naive, <= 1 MB gzipped,
painted <= 1.0 s; flagged-site query <= 25 ms.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import shutil
import tempfile
import threading
import time
from pathlib import Path

import folium
from folium.plugins import MarkerCluster
from playwright.sync_api import sync_playwright

from bench._server import LAUNCH_ARGS, ROOT
from bench._synthetic import synthetic_db
from fieldapp import filters, maps
from fieldapp.queries import sites as sites_q

LAUNCH = LAUNCH_ARGS
ASSETS = {
    "leaflet_js": "/static/leaflet/leaflet.js",
    "leaflet_css": "/static/leaflet/leaflet.css",
    "cluster_js": "/static/leaflet/leaflet.markercluster.js",
    "cluster_css": "/static/leaflet/MarkerCluster.css",
    "cluster_default_css": "/static/leaflet/MarkerCluster.Default.css",
    "heat_js": "/static/leaflet/leaflet-heat.js",
    "map_js": "/static/js/risk-map.js",
    "map_css": "/static/risk-map.css",
}


def ours(db) -> tuple[str, float]:
    started = time.perf_counter()
    points = sites_q.map_points_json(db, filters.SiteFilter())
    html = maps.build_map(points, assets=ASSETS, site_url="/s/{id}", premises_url=None)
    return html, time.perf_counter() - started


def naive(db) -> tuple[str, float]:
    started = time.perf_counter()
    rows = sites_q.select(db, filters.SiteFilter())
    m = folium.Map(location=maps.DEFAULT_CENTRE, zoom_start=7, tiles=None)
    m.options["maxZoom"] = 19
    m.default_js = [("leaflet", ASSETS["leaflet_js"])]
    m.default_css = [("leaflet_css", ASSETS["leaflet_css"])]
    cluster = MarkerCluster()
    cluster.default_js = [("markerclusterjs", ASSETS["cluster_js"])]
    cluster.default_css = [
        ("markerclustercss", ASSETS["cluster_css"]),
        ("markerclusterdefaultcss", ASSETS["cluster_default_css"]),
    ]
    cluster.add_to(m)
    for r in rows:
        if r["latitude"] is not None:
            folium.Marker([r["latitude"], r["longitude"]], popup=r["name"]).add_to(cluster)
    html = m.get_root().render()
    return html, time.perf_counter() - started


class Static(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path):
    handler = lambda *a, **k: Static(*a, directory=str(folder), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def painted(browser, url: str, ready_js: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    started = time.perf_counter()
    page.goto(url, wait_until="load", timeout=300_000)
    page.wait_for_function(ready_js, timeout=300_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    elapsed = time.perf_counter() - started
    page.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,20000,50000")
    parser.add_argument("--naive-max", type=int, default=50000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-map-"))
    shutil.copytree(ROOT / "static", work / "static")
    server = serve(work)
    base = f"http://127.0.0.1:{server.server_port}"
    print(f"{'sites':>7} {'map':<6} {'build s':>8} {'raw MB':>7} {'gzip MB':>8} {'painted s':>10}")
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=LAUNCH)
        for size in (int(s) for s in args.sizes.split(",")):
            db = synthetic_db(work / f"map-{size}.db", size)
            for name, build, ready in (
                ("ours", ours, "document.documentElement.dataset.mapReady !== undefined"),
                ("naive", naive, "document.readyState === 'complete'"),
            ):
                if name == "naive" and size > args.naive_max:
                    continue
                html, seconds = build(db)
                (work / f"{name}-{size}.html").write_text(html)
                raw = len(html.encode())
                zipped = len(gzip.compress(html.encode(), 6))
                paint = painted(browser, f"{base}/{name}-{size}.html", ready)
                results[(name, size)] = seconds
                print(
                    f"{size:>7} {name:<6} {seconds:8.3f} {raw / 1e6:7.2f} {zipped / 1e6:8.3f} "
                    f"{paint:10.2f}"
                )
            if ("naive", size) in results:
                speedup = results[("naive", size)] / results[("ours", size)]
                print(f"{'':>7} ours builds {speedup:.0f}x faster than naive")
            db.conn.close()
        browser.close()
    server.shutdown()

    db = synthetic_db(work / "query.db", 50_000, visits_per_premises=10)
    f = filters.parse({"flagged": "1"})

    def median_ms(work_fn) -> float:
        timings = []
        for _ in range(15):
            started = time.perf_counter()
            work_fn()
            timings.append(time.perf_counter() - started)
        return sorted(timings)[7] * 1000

    n = len(sites_q.ids(db, f))
    visits = db["visits"].count
    print(f"flagged-site query, 50k premises / {visits:,} visits ({n:,} flagged):")
    print(
        f"  every flagged id (map, export order): {median_ms(lambda: sites_q.ids(db, f)):6.1f} ms"
    )
    print(
        f"  list page (first 100 rows + counts):  "
        f"{median_ms(lambda: (sites_q.select(db, f, limit=100), sites_q.counts(db, f))):6.1f} ms"
    )
    full = median_ms(lambda: sites_q.select(db, f))
    print(f"  every flagged row as dicts (exports): {full:6.1f} ms")
    print("  target <= 25 ms")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
