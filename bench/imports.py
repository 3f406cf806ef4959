"""A council's 10,000-row business rates list imported through the web pages, placed by
postcode from the open data loaded here.

    .venv/bin/python -m bench.imports [--rows 10000]

Builds a throwaway instance with a postcode directory of its own (one postcode for every
row, loaded as ``flask places load-postcodes`` does), writes a business rates list in the
published shape (one full-address column, upper case, Windows-1252): ``--rows`` car washes
and nail bars, and a tenth as many other shops for the mapping to skip), then in the same run:

- placing every row by its postcode, as an import plans it (fieldapp.imports.placing),
  beside one postcode query a row;
- the whole web import against a real gunicorn: upload, confirm the proposed columns and
  sector values, check, import; beside the same file imported in-process (parse, plan and
  write with no HTTP), which is the floor the pages add to.

Targets: placing 10,000 rows by postcode <= 0.5 s; the web import of 10,000 rows <= 10 s.
Exits 0 if every target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import tempfile
import time
from html.parser import HTMLParser
from pathlib import Path

import requests

from bench._server import PASSWORD, USER_AGENT, Gunicorn, prepare_instance
from bench._targets import Targets, figure
from fieldapp import imports, places
from fieldapp.imports import presets
from fieldapp.imports.placing import Gazetteer
from fieldapp.queries import connect, transaction
from fieldapp.queries import places as places_q

TARGET_PLACE_S = 0.5
TARGET_WEB_S = 10.0
HEADER = [
    "pcd",
    "pcds",
    "doterm",
    "oseast1m",
    "osnrth1m",
    "oslaua",
    "osward",
    "lat",
    "long",
]  # the columns a load reads (an ONSPD file has 50 more)
KINDS = ["CAR WASH AND PREMISES", "NAIL BAR AND PREMISES", "HAND CAR WASH AND PREMISES"]
# A rates list is mostly other shops: one in ten rows here, skipped by the sector mapping.
OTHER = "SHOP AND PREMISES"


def postcode(i: int) -> str:
    """A distinct, well-formed postcode for row ``i`` (LE1 0AA, LE1 0AB, ...)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    district, rest = divmod(i, 10 * 400)
    sector, unit = divmod(rest, 400)
    return f"LE{district + 1} {sector}{letters[unit // 20]}{letters[unit % 20]}"


def write_postcodes(path: Path, rows: int) -> None:
    with path.open("w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i in range(rows):
            pc = postcode(i)
            lat, lon = 52.6 + (i % 100) / 1000, -1.2 + (i // 100) / 1000
            out.writerow([pc, pc, "", 458000 + i % 1000, 304000 + i // 1000, "E06000016",
                          "E05010470", f"{lat:.6f}", f"{lon:.6f}"])  # fmt: skip


def rates_list(rows: int) -> bytes:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["Property Reference", "Billing Authority Code", "Ratepayer Name",
                  "Full Property Address", "Post Code", "Description", "Rateable Value",
                  "Liability Start Date"])  # fmt: skip
    for i in range(rows + rows // 10):
        kind = OTHER if i >= rows else KINDS[i % len(KINDS)]
        out.writerow([f"{i:07d}", "E06000016", f"RATEPAYER {i} LTD",
                      f"UNIT {i}, {i % 300} NARBOROUGH ROAD, LEICESTER", postcode(i),
                      kind, 1000 + i, "01/04/2017"])  # fmt: skip
    return buf.getvalue().encode("cp1252")


def time_placing(db, parsed) -> tuple[float, float]:
    """Seconds to place every row by postcode as an import does, and one query a row."""
    ours, baseline = [], []
    for _ in range(3):
        started = time.perf_counter()
        gazetteer = Gazetteer(db, parsed.rows)
        placed = sum(1 for row in parsed.rows if gazetteer.postcode(row) is not None)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for row in parsed.rows:
            places_q.postcodes(db, [places.normalise_postcode(row.postcode)])
        baseline.append(time.perf_counter() - started)
    assert placed == len(parsed.rows), placed
    print(f"{'ours: placing by postcode':<40} {min(ours):8.3f} s  ({placed:,} rows)")
    print(f"{'baseline: one query a row':<40} {min(baseline):8.3f} s")
    return min(ours), min(baseline)


class _Form(HTMLParser):
    """What a page's POST form would send as it stands (selected options, inputs)."""

    def __init__(self, html: str):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") != "radio":
            self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
        elif (
            tag == "option" and self._select and ("selected" in a or self._select not in self.data)
        ):
            self.data[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)


def web_import(url: str, data: bytes) -> tuple[float, str]:
    """Seconds from upload to the done page, signed in as a coordinator; and the done page."""
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    signed_in = session.post(
        f"{url}/sign-in",
        data={"csrf_token": _csrf(session.get(f"{url}/sign-in").text),
              "username": "bench.coordinator", "password": PASSWORD},
    )  # fmt: skip
    assert signed_in.ok, signed_in.status_code
    csrf = _csrf(session.get(f"{url}/imports").text)
    started = time.perf_counter()
    sent = session.post(f"{url}/imports", data={"csrf_token": csrf},
                        files={"file": ("rates.csv", data, "text/csv")})  # fmt: skip
    for step in ("columns", "values"):
        step_url = re.sub(r"/(columns|values)$", "", sent.url) + f"/{step}"
        sent = session.post(step_url, data=_Form(session.get(step_url).text).data)
    report = sent.url
    assert "Check the import" in sent.text, sent.text[:500]
    form = _Form(sent.text).data
    done = session.post(f"{report}/import", data={"csrf_token": form["csrf_token"]})
    seconds = time.perf_counter() - started
    assert "Import complete" in done.text, done.text[:500]
    return seconds, done.text


def time_in_process(folder: Path, data: bytes) -> float:
    db = connect(str(folder / "fieldapp.db"))
    started = time.perf_counter()
    mapping = presets.find(db, "Business rates list").fit(imports.read_table(data).headings)
    imports.run_import(db, imports.parse(data, mapping), source="rates.csv")
    seconds = time.perf_counter() - started
    db.conn.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.imports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=10_000, help="rows in the rates list")
    args = parser.parse_args()
    web_folder, floor_folder = prepare_instance(premises=0), prepare_instance(premises=0)
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-imports-"))
    try:
        write_postcodes(work / "postcodes.csv", args.rows + args.rows // 10)
        for folder in (web_folder, floor_folder):
            db = connect(str(folder / "fieldapp.db"))
            places.load_postcodes(db, work / "postcodes.csv")
            db.conn.close()
        data = rates_list(args.rows)
        db = connect(str(web_folder / "fieldapp.db"))
        mapping = presets.find(db, "Business rates list").fit(imports.read_table(data).headings)
        parsed = imports.parse(data, mapping)
        placing, base_placing = time_placing(db, parsed)
        db.conn.close()
        floor = time_in_process(floor_folder, data)
        print(
            f"{'baseline: the import in-process':<40} {floor:8.2f} s  ({len(parsed.rows):,} rows)"
        )
        with Gunicorn(web_folder, workers=2) as server:
            web, _done = web_import(server.url, data)
        print(f"{'ours: the web import, upload to done':<40} {web:8.2f} s")
        db = connect(str(web_folder / "fieldapp.db"))
        with transaction(db):
            placed = db.execute(
                "SELECT count(*) FROM premises WHERE location_source = 'postcode'"
            ).fetchone()[0]
        db.conn.close()
        assert placed == len(parsed.rows), (placed, len(parsed.rows))
    finally:
        for folder in (work, web_folder, floor_folder):
            shutil.rmtree(folder, ignore_errors=True)
    targets = Targets()
    targets.check(f"placing {args.rows:,} rows by postcode", placing, TARGET_PLACE_S, "s",
                  baseline=f"one query a row {figure(base_placing, 's')}")  # fmt: skip
    targets.check(f"web import of {args.rows:,} rows", web, TARGET_WEB_S, "s",
                  baseline=f"in-process {figure(floor, 's')}")  # fmt: skip
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
