"""The de-identified aggregate feed: the scrutiny counts by month, sector and area, with
small numbers hidden, for a regional partnership to pool several councils' figures
without pooling records.

Every count is published as a cell, ``{"value": 7, "suppressed": null}``, or, when hidden,
``{"value": null, "suppressed": "primary"}`` (a count from 1 to below - 1) or
``"secondary"`` (hidden so that a small count cannot be worked out from the totals). Zero
is shown. The totals the feed publishes, and so the sums disclosure control respects, are:

- each month's (and the whole period's) ``total`` is its sectors added up;
- the whole period's row is its months added up, sector by sector;
- a row's ``visits`` is its visits by concern level added up (high, medium, low, not judged);
- the areas' visits, high-concern visits and potential victims add up to the whole
  period's totals, and each local authority's to its wards'.

Counts that appear in no sum together (visits and referrals, say) are suppressed apart,
which gives the same answer and keeps the calculation small. Nothing names a premises,
an address, a postcode, a person or a record: areas are ONS codes or postcode districts.
No Flask: the API view (fieldapp.web.api.aggregates) reads the request and logs the read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.places.lookup import postcode_places
from fieldapp.queries import aggregates as aggregates_q
from fieldapp.queries import areas as areas_q
from fieldapp.reports import areas as areas_r
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period, month
from fieldapp.timeutil import uk_day_end_utc, uk_day_start_utc

TOTAL = "total"
MAX_MONTHS = 36  # the longest period the feed answers for, in calendar months
ALL = "all"  # the whole period's row
LEVELS = ("high", "medium", "low", "not_judged")
VISIT_MEASURES = ("visits", *LEVELS)
AREA_MEASURES = ("visits", "high", "potential_victims")
AREA_NAMES = {
    "visits": "visits",
    "high": "high_concern_visits",
    "potential_victims": "potential_victims",
}
# How an area was found, as the feed names it.
FOUND_BY = {
    areas_r.DIRECTORY: "directory",
    areas_r.DISTRICT: "postcode_district",
    areas_r.NONE: "none",
}
COLUMNS = (*SECTORS, TOTAL)


def months(period: Period) -> list[Period]:
    """The calendar months ``period`` touches, each cut to the period's dates at either end
    (the feed asks for whole months; a partial one is cut all the same)."""
    found, day = [], period.start
    while day <= period.end:
        whole = month(day)
        found.append(Period(max(whole.start, period.start), min(whole.end, period.end)))
        day = whole.end + timedelta(days=1)
    return found


def month_count(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


@dataclass
class Counts:
    """The counts behind the feed, by cell key, and the sums the feed publishes.

    A month's cell is ``(month, sector or TOTAL, measure)`` (``month`` is "2025-04", or ALL
    for the whole period); an area's is ``("la", la, measure)`` or
    ``("ward", la, ward, measure)``. Measures: VISIT_MEASURES, "red_flag_visits",
    "potential_victims" and "referrals:<route>".
    """

    values: dict[tuple, int]
    sums: list[tuple[tuple, list[tuple]]]
    rows: list[str]
    routes: list[str]
    areas: dict[tuple[str, str], dict[tuple[str, str], None]]  # (la, how) -> (ward, how)


def measures(routes: Sequence[str]) -> list[str]:
    return [*VISIT_MEASURES, "red_flag_visits", "potential_victims"] + [
        f"referrals:{r}" for r in routes
    ]


def _add(values: dict, row: str, sector: str, measure: str, n: int) -> None:
    """Count ``n`` in its month and sector, and in the totals it belongs to."""
    columns = (sector, TOTAL) if sector in SECTORS else (TOTAL,)
    for where in (row, ALL):
        for column in columns:
            key = (where, column, measure)
            values[key] = values.get(key, 0) + n


def month_values(db: Database, period: Period, routes: Sequence[str]) -> tuple[dict, list]:
    """The months' counts, every cell present (zero where nothing was counted), and the
    routes found (the configured ones first, then any others the records name)."""
    visits = aggregates_q.visits(db, period.start, period.end)
    referrals = aggregates_q.referrals(db, period.start, period.end)
    found = list(routes) + sorted({r["route"] for r in referrals} - set(routes))
    rows = [m.start.isoformat()[:7] for m in months(period)]
    values = {(row, c, m): 0 for row in (*rows, ALL) for c in COLUMNS for m in measures(found)}
    for r in visits:
        if r["month"] not in rows:
            continue
        n = r["visits"] or 0
        _add(values, r["month"], r["sector"], "visits", n)
        _add(values, r["month"], r["sector"], r["band"] or "not_judged", n)
        _add(values, r["month"], r["sector"], "red_flag_visits", n if r["red_flagged"] else 0)
        _add(values, r["month"], r["sector"], "potential_victims", r["victims"] or 0)
    for r in referrals:
        if r["month"] in rows:
            _add(values, r["month"], r["sector"], f"referrals:{r['route']}", r["referrals"] or 0)
    return values, found


def month_sums(rows: Sequence[str], found: Sequence[str]) -> list:
    """Across sectors, down the months, and visits by concern level."""
    every = measures(found)
    across = [
        ((row, TOTAL, m), [(row, s, m) for s in SECTORS]) for row in (*rows, ALL) for m in every
    ]
    down = [((ALL, c, m), [(row, c, m) for row in rows]) for c in COLUMNS for m in every]
    levels = [
        ((row, c, "visits"), [(row, c, level) for level in LEVELS])
        for row in (*rows, ALL)
        for c in COLUMNS
    ]
    return across + down + levels


def area_values(db: Database, period: Period) -> tuple[dict, list, dict]:
    """Each local authority's and ward's visits, high-concern visits and potential victims
    (areas with no visits are left out), the sums to the whole period's totals, and the
    areas in order (most high-concern visits first)."""
    start = uk_day_start_utc(period.start).isoformat()
    end = uk_day_end_utc(period.end).isoformat()
    rows = [r for r in areas_q.premises(db, start, end) if r["visits"]]
    places = postcode_places(db, (r["postcode"] for r in rows if r["postcode"]))
    values: dict[tuple, int] = {}
    nested: dict[tuple[str, str], dict[tuple[str, str], None]] = {}
    for row in rows:
        la = areas_r.place(row, places, "local_authority")
        ward = areas_r.place(row, places, "ward")
        nested.setdefault(la, {})[ward] = None
        counted = {
            "visits": row["visits"],
            "high": row["high"],
            "potential_victims": row["victims"] or 0,
        }
        for m, n in counted.items():
            for key in (("la", la[0], m), ("ward", la[0], ward[0], m)):
                values[key] = values.get(key, 0) + n
    sums = []
    for m in AREA_MEASURES:
        sums.append(((ALL, TOTAL, m), [("la", la, m) for la, _ in nested]))
        sums += [
            (("la", la, m), [("ward", la, w, m) for w, _ in wards])
            for (la, _), wards in nested.items()
        ]

    def weight(key: str) -> tuple:
        return (-values[("la", key, "high")], -values[("la", key, "visits")], key)

    ordered = {la: nested[la] for la in sorted(nested, key=lambda la: weight(la[0]))}
    return values, sums, ordered


def group(key: tuple) -> str:
    """The sums a cell can appear in: visits with their concern levels (and the areas'
    visits and high-concern visits), or its measure alone."""
    measure = key[-1]
    return "visits" if measure in VISIT_MEASURES else measure


def hide(values: Mapping[tuple, int], sums: Sequence, below: int) -> dict[tuple, str]:
    """The cells to hide, suppressing each group of related counts on its own."""
    groups: dict[str, dict[tuple, int]] = {}
    for key, n in values.items():
        groups.setdefault(group(key), {})[key] = n
    hidden: dict[tuple, str] = {}
    for cells in groups.values():
        related = [s for s in sums if s[0] in cells]
        hidden.update(suppression.suppress(cells, related, below))
    return hidden


def counts(db: Database, period: Period, routes: Sequence[str]) -> Counts:
    """Every count the feed publishes for ``period``, with the sums between them."""
    values, found = month_values(db, period, routes)
    rows = [m.start.isoformat()[:7] for m in months(period)]
    area_counts, area_sums, nested = area_values(db, period)
    values.update(area_counts)
    return Counts(values, month_sums(rows, found) + area_sums, rows, found, nested)


def cell(values: Mapping, hidden: Mapping, key: tuple) -> dict:
    """One published count: its value, or null and why it is hidden."""
    reason = hidden.get(key)
    return {"value": None if reason else values[key], "suppressed": reason}


def _figures(c: Counts, hidden: Mapping, row: str, column: str) -> dict:
    def at(measure: str) -> dict:
        return cell(c.values, hidden, (row, column, measure))

    return {
        "visits": at("visits"),
        "visits_by_concern": {level: at(level) for level in LEVELS},
        "red_flag_visits": at("red_flag_visits"),
        "potential_victims": at("potential_victims"),
        "referrals_by_route": {r: at(f"referrals:{r}") for r in c.routes},
    }


def _area(c: Counts, hidden: Mapping, key: tuple, area: tuple[str, str]) -> dict:
    return {
        "area": area[0],
        "found_by": FOUND_BY[area[1]],
        **{AREA_NAMES[m]: cell(c.values, hidden, (*key, m)) for m in AREA_MEASURES},
    }


def feed(c: Counts, hidden: Mapping, periods_by_row: Mapping[str, Period]) -> dict:
    """The feed's figures: ``referral_routes`` (ids), ``months``, ``whole_period``, ``areas``."""
    return {
        "referral_routes": list(c.routes),
        "months": [
            {
                "month": row,
                "from": periods_by_row[row].start.isoformat(),
                "to": periods_by_row[row].end.isoformat(),
                "sectors": {col: _figures(c, hidden, row, col) for col in COLUMNS},
            }
            for row in c.rows
        ],
        "whole_period": {col: _figures(c, hidden, ALL, col) for col in COLUMNS},
        "areas": [
            {
                **_area(c, hidden, ("la", la[0]), la),
                "wards": [_area(c, hidden, ("ward", la[0], w[0]), w) for w in wards],
            }
            for la, wards in c.areas.items()
        ],
    }


def build(db: Database, period: Period, *, routes: Iterable[str], below: int) -> dict:
    """The feed's figures for ``period`` with small numbers hidden (``below`` the threshold)."""
    c = counts(db, period, list(routes))
    hidden = hide(c.values, c.sums, below)
    by_row = {m.start.isoformat()[:7]: m for m in months(period)}
    return feed(c, hidden, by_row)
