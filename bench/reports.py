"""Scrutiny figures for a financial year beside the year before, against one count(*).

    .venv/bin/python -m bench.reports [--premises 50000] [--visits 1000000] [--repeat 5]

Builds a synthetic council (bench._report_data): 50,000 premises and 1,000,000 visits over
one financial year (one in a hundred amended), with referrals (some corrected), joint
operations and hand flags, written through the app's own schema and triggers. Then times
the figures exactly as the Reports page counts them (fieldapp.reports.figures.build, every
figure for the year and the previous year), and again with the copy for sharing worked out
(disclosure control), beside the baseline measured in the same run: one
``SELECT count(*) FROM visits``. Also prints, without a target, the same figures for dates
that are not a whole year, quarter or month (one look per premises instead), and the
indicator insight for the year. Times everything the problem profile pack shows for the
year (fieldapp.reports.pack.build: its figures, trends, areas and methods).

Targets: the year's figures, and the pack's data, each in <= 1 s and within 5x of the
count(*); the visits counted
equal to the current visits stored (a check that the running totals are right at this
size). Try --premises 2000 --visits 20000 --repeat 1 for a quick run.

Exits 0 if every target is met, 1 if not.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from bench._report_data import ROUTES, report_db
from bench._targets import Targets, figure
from fieldapp.queries import connect
from fieldapp.reports import figures, insight, pack, periods

TARGET_S = 1.0
TARGET_TIMES_COUNT = 5
# The financial year 2025 to 2026 begins at midnight BST on 1 April 2025.
YEAR_START = datetime(2025, 3, 31, 23, tzinfo=UTC)


def build(db, period: periods.Period, shared: bool):
    report = figures.build(
        db,
        period,
        flag_bands=["high"],
        routes=[{"id": route} for route in ROUTES],
        indicators={},
    )
    if shared:
        report.hidden(5)
    return report


def pack_data(db, period: periods.Period):
    """Everything the problem profile pack shows, its figures included, as the page makes it."""
    return pack.build(
        db, period, build(db, period, shared=False), below=5, questions={}, ended=True
    )


def best(repeat: int, work) -> tuple[float, object]:
    """The fastest of ``repeat`` runs of ``work()``, and its result."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        runs.append((time.perf_counter() - started, result))
    return min(runs, key=lambda run: run[0])


def stored_current_visits(db) -> int:
    return db.execute(
        "SELECT count(*) FROM visits WHERE id NOT IN "
        "(SELECT amends FROM visits WHERE amends IS NOT NULL)"
    ).fetchone()[0]


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--premises", type=int, default=50_000)
    parser.add_argument("--visits", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-reports-"))
    try:
        started = time.perf_counter()
        report_db(work / "reports.db", args.premises, args.visits, YEAR_START).conn.close()
        print(
            f"built {args.premises:,} premises, {args.visits:,} visits in "
            f"{time.perf_counter() - started:.0f} s; best of {args.repeat}"
        )
        db = connect(str(work / "reports.db"))
        year = periods.financial_year(date(2025, 4, 1))
        days = periods.Period(date(2025, 4, 3), date(2026, 3, 30))
        count_s, _ = best(args.repeat, lambda: db.execute("SELECT count(*) FROM visits").fetchone())
        year_s, report = best(args.repeat, lambda: build(db, year, shared=False))
        shared_s, _ = best(args.repeat, lambda: build(db, year, shared=True))
        days_s, _ = best(max(1, args.repeat // 2), lambda: build(db, days, shared=False))
        pack_s, _ = best(args.repeat, lambda: pack_data(db, year))
        insight_s, _ = best(1, lambda: insight.build(db, year, {}, {}))
        counted = next(f for f in report.figures() if f.key == "visits").counts["current"]["total"]
        stored = stored_current_visits(db)
        db.conn.close()
    finally:
        shutil.rmtree(work)
    print(f"{'baseline: one count(*) of the visits':<48} {count_s * 1000:8.1f} ms")
    print(f"{'figures: a financial year and the year before':<48} {year_s * 1000:8.1f} ms")
    print(f"{'  with the copy for sharing':<48} {shared_s * 1000:8.1f} ms")
    print(f"{'  dates that are not a whole year (no target)':<48} {days_s * 1000:8.1f} ms")
    print(f"{'the problem profile pack: everything it shows':<48} {pack_s * 1000:8.1f} ms")
    print(f"{'indicator insight for the year (no target)':<48} {insight_s * 1000:8.1f} ms")
    print(f"visits counted {counted:,}; current visits stored {stored:,}")
    targets = Targets()
    baseline = f"count(*) {figure(count_s * 1000, 'ms')}"
    worst = max(year_s, shared_s)
    targets.check(
        "a year's figures with the copy for sharing", worst, TARGET_S, "s", baseline=baseline
    )
    targets.check(
        "a year's figures beside one count(*)",
        worst / count_s,
        TARGET_TIMES_COUNT,
        "x",
        baseline=baseline,
    )
    targets.check("the pack's data", pack_s, TARGET_S, "s", baseline=baseline)
    targets.check(
        "the pack's data beside one count(*)",
        pack_s / count_s,
        TARGET_TIMES_COUNT,
        "x",
        baseline=baseline,
    )
    targets.check("visits miscounted", abs(counted - stored), 0)
    return targets.finish()


if __name__ == "__main__":
    raise SystemExit(main())
