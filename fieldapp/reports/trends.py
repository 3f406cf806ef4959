"""The scrutiny measures over time: by month, or by quarter for a period over two years.

Four trends, each a table of counts by month (rows) with a chart drawn from it: visits by
sector, high-concern visits by sector, potential victims identified (on routine visits and
joint operations), and how often one red flag was found in one sector (the share of visits
that could inspect where it was found). Each table ends with the whole period, so in the
version for sharing disclosure control respects both the totals across sectors and the
totals down the months. The counting is SQL in :mod:`fieldapp.queries.trends`. No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.queries import trends as trends_q
from fieldapp.reports import charts, suppression
from fieldapp.reports.periods import Period, month, quarter
from fieldapp.reports.table import TOTAL
from fieldapp.timeutil import MONTHS

ALL = "all"  # the row for the whole period
LONGEST_BY_MONTH = 731  # days: a longer period is shown by quarter
LONGEST = 3653  # days: ten years
SHARE = "share"
Cell = tuple[str, str]  # (bucket key or ALL, column)


@dataclass(frozen=True)
class Bucket:
    """One row: a month or quarter (cut to the period's dates at either end)."""

    key: str
    period: Period
    axis: tuple[str, str]  # the chart's label: the month, and the year where it changes


def buckets(period: Period, by: str | None = None) -> tuple[str, list[Bucket]]:
    """Whether ``period`` goes by "month" or "quarter" (``by`` if given), and its buckets
    in order."""
    by = by or ("quarter" if period.days > LONGEST_BY_MONTH else "month")
    found: list[Bucket] = []
    day = period.start
    while day <= period.end:
        whole = quarter(day) if by == "quarter" else month(day)
        start, end = max(whole.start, period.start), min(whole.end, period.end)
        cut = whole if (start, end) == (whole.start, whole.end) else Period(start, end)
        first = not found or (whole.start.month == 1)
        year = str(whole.start.year) if first else ""
        key = (
            f"{whole.start.year}-q{(whole.start.month + 2) // 3}"
            if by == "quarter"
            else f"{whole.start.year}-{whole.start.month:02d}"
        )
        found.append(Bucket(key, cut, (MONTHS[whole.start.month - 1][:3], year)))
        day = whole.end + timedelta(days=1)
    return by, found


@dataclass
class Trend:
    """One measure over time: its ``columns`` (key to heading), the ones its chart draws,
    the counts by row (bucket key or ALL) and column, and the sums the table shows."""

    key: str
    title: str
    how: str
    columns: dict[str, str]
    charted: tuple[str, ...]
    counts: dict[str, dict[str, int]]
    sums: list[tuple[Cell, list[Cell]]]
    share: bool = False  # a share of visits: found out of judged, with a share column
    subject: str = ""  # what a share trend follows: the red flag's question

    def hidden(self, below: int) -> dict[Cell, str]:
        """The cells to hide in the version for sharing (a share goes with its counts)."""
        values = {(row, c): n for row, cells in self.counts.items() for c, n in cells.items()}
        found = suppression.suppress(values, self.sums, below)
        if self.share:
            for row in self.counts:
                reasons = [found.get((row, c)) for c in ("found", "judged")]
                if any(reasons):
                    found[(row, SHARE)] = suppression.SECONDARY
        return found

    def ratio(self, row: str) -> float | None:
        """Found out of judged, for a share trend (None when nothing was judged)."""
        judged = self.counts[row]["judged"]
        return self.counts[row]["found"] / judged if judged else None

    def cell(self, row: str, column: str, hidden: Mapping[Cell, str], below: int) -> str:
        """A table cell as a person reads it."""
        reason = hidden.get((row, column))
        if column == SHARE:
            if reason:
                return "hidden"
            ratio = self.ratio(row)
            return "no visits" if ratio is None else f"{round(ratio * 100)}%"
        return suppression.shown(self.counts[row][column], reason, below)


def _sums(keys: Sequence[str], columns: Sequence[str], parts: Sequence[str]) -> list:
    """Each row's TOTAL column is its ``parts`` added up; each column's ALL row is its
    months added up."""
    across = [((row, TOTAL), [(row, p) for p in parts]) for row in (*keys, ALL)] if parts else []
    down = [((ALL, column), [(row, column) for row in keys]) for column in columns]
    return across + down


def _counted(rows: Sequence[Mapping], value: str, keys: Sequence[str], column) -> dict:
    """``value`` added up by bucket and in all, into the columns ``column(row)`` names."""
    counts = {row: {} for row in (*keys, ALL)}
    for r in rows:
        if r["bucket"] not in counts:
            continue
        for where in (r["bucket"], ALL):
            for name in column(r):
                counts[where][name] = counts[where].get(name, 0) + (r[value] or 0)
    return counts


def _fill(counts: dict, columns: Sequence[str]) -> dict[str, dict[str, int]]:
    return {row: {c: cells.get(c, 0) for c in columns} for row, cells in counts.items()}


def by_sector(key: str, title: str, how: str, rows, value: str, keys) -> Trend:
    """A count by sector and in total for each bucket."""
    columns = {**SECTORS, TOTAL: "Total"}
    counts = _counted(rows, value, keys, lambda r: [r["sector"], TOTAL])
    return Trend(
        key,
        title,
        how,
        columns,
        tuple(SECTORS),
        _fill(counts, list(columns)),
        _sums(keys, list(columns), list(SECTORS)),
    )


def victims(visit_rows, operation_rows, keys) -> Trend:
    columns = {"visits": "Routine visits", "operations": "Joint operations", TOTAL: "Total"}
    counts = _counted(visit_rows, "victims", keys, lambda r: ["visits", TOTAL])
    more = _counted(operation_rows, "victims", keys, lambda r: ["operations", TOTAL])
    for row, cells in more.items():
        for name, n in cells.items():
            counts[row][name] = counts[row].get(name, 0) + n
    return Trend(
        "victims",
        "Potential victims identified",
        "People officers had reasonable grounds to think may be victims of modern slavery: "
        "the number recorded on each routine visit, by its UK date, and in each joint "
        "operation's outcomes, by the operation's date.",
        columns,
        (TOTAL,),
        _fill(counts, list(columns)),
        _sums(keys, list(columns), ["visits", "operations"]),
    )


def prevalence(found_rows, visit_rows, keys, sector: str, name: str, unit: str) -> Trend:
    """How often a red flag was found in a sector: found, out of visits that could inspect."""
    columns = {"found": "Found", "judged": "Visits that inspected"}
    counts = _counted(found_rows, "visits", keys, lambda r: ["found"])
    judged = _counted(
        [r for r in visit_rows if r["sector"] == sector], "judged", keys, lambda r: ["judged"]
    )
    for row, cells in judged.items():
        counts[row].update(cells)
    sector_name = SECTORS.get(sector, sector).lower()
    return Trend(
        "prevalence",
        f"A red flag at {sector_name} visits, by {unit}",
        f"The share of visits to {sector_name} premises that could inspect where this was "
        "answered yes as a red flag. Visits that could not inspect are not judged and are "
        "left out.",
        {**columns, SHARE: "Share"},
        (SHARE,),
        _fill(counts, list(columns)),
        _sums(keys, list(columns), []),
        share=True,
        subject=name,
    )


@dataclass
class Trends:
    period: Period
    by: str
    buckets: list[Bucket]
    trends: list[Trend]


def build(
    db: Database,
    period: Period,
    *,
    indicator: str | None,
    sector: str,
    indicator_name: str,
    by: str | None = None,
) -> Trends:
    """The trends for ``period``, by ``by`` ("month" or "quarter") if given; the red
    flag's share for ``indicator`` (if any) in ``sector``."""
    by, rows = buckets(period, by)
    keys = [b.key for b in rows]
    visit_rows = trends_q.visits(db, period.start, period.end, by)
    unit = "month" if by == "month" else "quarter"
    found = [
        by_sector(
            "visits",
            f"Visits by {unit}",
            "Visits made, by their UK date and the premises' sector. An amended visit counts "
            "once, as amended.",
            visit_rows,
            "visits",
            keys,
        ),
        by_sector(
            "high",
            f"High-concern visits by {unit}",
            "Visits whose overall level of concern was high.",
            visit_rows,
            "high",
            keys,
        ),
        victims(visit_rows, trends_q.operation_victims(db, period.start, period.end, by), keys),
    ]
    if indicator:
        flags = trends_q.red_flag(db, period.start, period.end, by, indicator, sector)
        found.append(prevalence(flags, visit_rows, keys, sector, indicator_name, unit))
    return Trends(period, by, rows, found)


def chart(trends: Trends, trend: Trend, hidden: Mapping[Cell, str]) -> str:
    """The SVG chart of a trend: bars for counts, points for a share."""
    labels = [b.axis for b in trends.buckets]
    keys = [b.key for b in trends.buckets]
    if trend.share:
        share = charts.Series(
            "Share of visits that could inspect",
            [trend.ratio(k) for k in keys],
            [bool(hidden.get((k, SHARE))) for k in keys],
        )
        return charts.share_chart(f"chart-{trend.key}", labels, share)
    series = [
        charts.Series(
            trend.columns[c],
            [trend.counts[k][c] for k in keys],
            [bool(hidden.get((k, c))) for k in keys],
        )
        for c in trend.charted
    ]
    return charts.bar_chart(f"chart-{trend.key}", labels, series)
