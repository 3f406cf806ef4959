"""Loading 2.7 million postcodes from an ONSPD-shaped file, against sqlite3's own .import.

    .venv/bin/python -m bench.places [--rows 2700000]

Writes a synthetic ONS Postcode Directory to a temporary folder: 54 columns as ONS names
them, text quoted and numbers not, in postcode order as ONS ships it, one postcode in three
terminated and one in a hundred without a grid reference. Then, in the same run:

- the load as ``flask places load-postcodes`` does it (fieldapp.places.load_postcodes into
  a migrated database, one transaction), beside the baseline ``/usr/bin/sqlite3 NEW.db
  ".import --csv FILE onspd"`` of the same file (every column, no checks);
- looking up 10,000 postcodes with postcode_places, beside one query a postcode;
- converting 10,000 British National Grid pairs with geo.bng_to_wgs84_many, beside
  bng_to_wgs84 one pair at a time.

Targets: the load <= 60 s and <= 3x the sqlite3 import; 10,000 lookups <= 0.5 s; 10,000
conversions <= 0.1 s. They are checked at whatever --rows is (try --rows 100000 for a quick
run). Exits 0 if every target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench._targets import Targets, figure
from fieldapp import geo, places
from fieldapp.migrations import migrate
from fieldapp.queries import connect
from fieldapp.queries import places as places_q

TARGET_LOAD_S = 60.0
TARGET_LOAD_RATIO = 3.0
TARGET_LOOKUP_S = 0.5
TARGET_CONVERT_S = 0.1
LOOKUPS = 10_000
SQLITE3 = "/usr/bin/sqlite3"

HEADER = (
    "pcd,pcd2,pcds,dointr,doterm,oscty,ced,oslaua,osward,parish,usertype,oseast1m,osnrth1m,"
    "osgrdind,oshlthau,nhser,ctry,rgn,streg,pcon,eer,teclec,ttwa,pct,itl,statsward,oa01,"
    "casward,npark,lsoa01,msoa01,ur01ind,oac01,oa11,lsoa11,msoa11,wz11,sicbl,bua22,pfa,"
    "ru11ind,oac11,lat,long,lep1,lep2,imd,calncv,icb,oa21,lsoa21,msoa21,ruc21,wz21"
)
# Postcode areas, and the letters ONS uses for the last two characters of a postcode.
AREAS = ["AB", "B", "BS", "CF", "E", "G", "L", "LE", "LS", "M", "N", "NG", "S", "SW", "W"]
UNIT_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
# One row's columns from its grid reference on; the %-fields vary, the rest are as dull as
# most of ONSPD's 54 columns are for a given area.
_TAIL = (
    '"{grid}","E18000004","E40000004","E92000001","E12000004","0","E14000{n:03d}",'
    '"E15000004","E24000032","E30000239","E16000098","E06000016","31UJ{s}","E00{i:06d}",'
    '"31UJFA","E99999999","E01{o:06d}","E02{o:06d}","5","2C3","E00{i:06d}","E01{o:06d}",'
    '"E02{o:06d}","E33{o:06d}","E38000097","E63000{n:03d}","E23000021","A1","2C3",{lat},'
    '{lon},"E37000025","","{imd}","E56000001","E54000015","E00{i:06d}","E01{o:06d}",'
    '"E02{o:06d}","UN1","E33{o:06d}"\r\n'
)


def postcodes(rows: int):
    """``(district number, outward code, inward code)`` for ``rows`` postcodes in ONSPD's
    order (by ``pcd``, the outward code padded to four characters)."""
    per_district = 10 * len(UNIT_LETTERS) ** 2
    districts = -(-rows // per_district)
    per_area = -(-districts // len(AREAS))
    outwards = sorted(
        (f"{area}{d}" for area in AREAS for d in range(1, per_area + 1)),
        key=lambda o: o.ljust(4),
    )
    count = 0
    for number, outward in enumerate(outwards):
        for sector in range(10):
            for first in UNIT_LETTERS:
                for second in UNIT_LETTERS:
                    if count == rows:
                        return
                    count += 1
                    yield number, outward, f"{sector}{first}{second}"


def write_onspd(path: Path, rows: int) -> None:
    """A synthetic ONSPD file of ``rows`` postcodes."""
    rng = random.Random(1)
    with path.open("w", newline="", encoding="ascii") as fh:
        fh.write(HEADER + "\r\n")
        lines = []
        for i, (number, outward, inward) in enumerate(postcodes(rows)):
            o, district = i // 4000, number % 400
            pcds = f"{outward} {inward}"
            padded = f"{outward:<4}{inward}"
            doterm = f'"{rng.choice(("199606", "200112", "201504"))}"' if i % 3 == 0 else ""
            if i % 100 == 7:  # ONS gives no grid reference, and the 99.999999 "no position"
                grid, lat, lon, e, n = "9", "99.999999", "0.000000", "", ""
            else:
                grid = "1"
                e, n = 80_000 + (i * 37) % 570_000, 10_000 + (i * 91) % 950_000
                lat, lon = (
                    f"{50.1 + (i % 89_000) / 10_000:.6f}",
                    f"{-5.5 + (i % 70_000) / 10_000:.6f}",
                )
            lines.append(
                f'"{padded}","{outward:<5}{inward}","{pcds}","198001",{doterm},"E10000018",'
                f'"E58000{district:03d}","E06000{district:03d}","E05{o:06d}","E43000{district:03d}",'
                f'"0",{e},{n},'
                + _TAIL.format(
                    grid=grid, n=district, s=inward[:2], i=i, o=o, lat=lat, lon=lon, imd=i % 32_844
                )
            )
            if len(lines) == 50_000:
                fh.write("".join(lines))
                lines = []
        fh.write("".join(lines))


def time_sqlite3_import(work: Path, csv_path: Path) -> float:
    """Seconds for the sqlite3 shell to import the file into a new database."""
    db_path = work / "sqlite3-import.db"
    started = time.perf_counter()
    subprocess.run(
        [SQLITE3, str(db_path), f".import --csv {csv_path} onspd"], check=True, timeout=1800
    )
    seconds = time.perf_counter() - started
    imported = subprocess.run(
        [SQLITE3, str(db_path), "SELECT count(*) FROM onspd"], capture_output=True, text=True
    ).stdout.strip()
    print(f"{'baseline: sqlite3 .import --csv':<36} {seconds:8.2f} s  ({int(imported):,} rows)")
    db_path.unlink()
    return seconds


def time_load(work: Path, csv_path: Path):
    """Seconds for ours, and the database it loaded."""
    db = connect(str(work / "places.db"))
    migrate(db)
    started = time.perf_counter()
    report = places.load_postcodes(db, csv_path)
    seconds = time.perf_counter() - started
    print(f"{'ours: places.load_postcodes':<36} {seconds:8.2f} s  ({report.loaded:,} rows)")
    for line in places.describe(report):
        print(f"  {line}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory of this process: {peak_mb:.0f} MB")
    return seconds, db


def time_lookups(db) -> tuple[float, float]:
    """Seconds for 10,000 postcodes at once, the first time (as an import asks, with the
    table's pages not yet read) and again; and the same as one query a postcode (baseline,
    best of three). Returns the first time and the baseline."""
    held = [r[0] for r in db.conn.execute("SELECT postcode FROM postcodes")]
    rng = random.Random(2)
    wanted = rng.sample(held, min(LOOKUPS - LOOKUPS // 10, len(held)))
    wanted += [f"ZZ{i} 9ZZ" for i in range(LOOKUPS - len(wanted))]  # some not held
    runs = []
    for _ in range(3):
        started = time.perf_counter()
        found = places.postcode_places(db, wanted)
        runs.append(time.perf_counter() - started)
    baseline = []
    for _ in range(3):
        started = time.perf_counter()
        for key in wanted:
            places_q.postcodes(db, [places.normalise_postcode(key)])
        baseline.append(time.perf_counter() - started)
    print(
        f"{'ours: postcode_places, first call':<36} {runs[0]:8.3f} s  "
        f"({len(found):,} of {len(wanted):,} held; then {min(runs[1:]):.3f} s)"
    )
    print(f"{'baseline: one query a postcode':<36} {min(baseline):8.3f} s")
    return runs[0], min(baseline)


def time_conversion() -> tuple[float, float]:
    """Best of three: seconds for 10,000 pairs at once, and one pair at a time (baseline)."""
    rng = random.Random(3)
    eastings = [rng.uniform(100_000, 650_000) for _ in range(LOOKUPS)]
    northings = [rng.uniform(10_000, 1_200_000) for _ in range(LOOKUPS)]
    geo.bng_to_wgs84(*eastings[0:1], *northings[0:1])  # build the transformer first
    ours, baseline = [], []
    for _ in range(3):
        started = time.perf_counter()
        geo.bng_to_wgs84_many(eastings, northings)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for easting, northing in zip(eastings, northings, strict=True):
            geo.bng_to_wgs84(easting, northing)
        baseline.append(time.perf_counter() - started)
    print(f"{'ours: bng_to_wgs84_many':<36} {min(ours):8.4f} s")
    print(f"{'baseline: bng_to_wgs84 one at a time':<36} {min(baseline):8.4f} s")
    return min(ours), min(baseline)


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.places",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rows", type=int, default=2_700_000, help="postcodes in the file")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-places-"))
    try:
        csv_path = work / "ONSPD_SYNTHETIC_UK.csv"
        started = time.perf_counter()
        write_onspd(csv_path, args.rows)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"{args.rows:,} postcodes, {size_mb:,.0f} MB, written in "
            f"{time.perf_counter() - started:.1f} s"
        )
        base_load = time_sqlite3_import(work, csv_path)
        load, db = time_load(work, csv_path)
        lookup, base_lookup = time_lookups(db)
        db.conn.close()
        convert, base_convert = time_conversion()
    finally:
        shutil.rmtree(work)
    targets = Targets()
    targets.check(
        f"load of {args.rows:,} postcodes",
        load,
        TARGET_LOAD_S,
        "s",
        baseline=f"sqlite3 .import {figure(base_load, 's')}",
    )
    targets.check(
        "load against sqlite3 .import",
        load / base_load,
        TARGET_LOAD_RATIO,
        "x",
        baseline=f"sqlite3 .import {figure(base_load, 's')}",
    )
    targets.check(
        f"{LOOKUPS:,} postcode lookups",
        lookup,
        TARGET_LOOKUP_S,
        "s",
        baseline=f"one query each {figure(base_lookup, 's')}",
    )
    targets.check(
        f"{LOOKUPS:,} grid conversions",
        convert,
        TARGET_CONVERT_S,
        "s",
        baseline=f"one at a time {figure(base_convert, 's')}",
    )
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
