"""Displacement: new premises, or premises first seen as high concern, near sites that were
closed or actioned in a period.

When enforcement closes or acts against a car wash, the business and its workers often
reopen close by ("on to another neighbouring district", LGA councillor guide 2019). This
lists, for each site actioned in the period, the premises within a chosen distance that
appeared, or had their first high-concern visit, on or after the day of the action and by
the end of the period. Being near is not proof of a link: it is a prompt to look.

The rules, in the order the page states them:

- A site actioned is a premises with a map position whose operation outcome, on an
  operation dated in the period, records an enforcement action. A premises actioned more
  than once in the period is one site, from its first action (its actions all listed).
- A new premises is one first known on or after the action's UK date: the earlier of the
  UK date it was added to the app and the date the council's own list says it was
  registered, so an old registration imported late is not new, nor is a premises an
  officer added before the action and the council registered after it. The action's own
  day counts, as an operation's time of day is not recorded.
- First-time high concern is a premises whose first ever high-concern visit (the latest
  version of each visit) falls on or after the action's UK date.
- Distances are geodesic (WGS84), from map position to map position.

Totals count each premises once however many actioned sites it is near, under its own
sector; the sites actioned are counted under theirs. Pure arrangement: no Flask.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.geo import bounding_box, distance_m
from fieldapp.operations import ENFORCEMENT_ACTIONS
from fieldapp.queries import displacement as displacement_q
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period
from fieldapp.timeutil import uk_date, uk_day_start_utc

# The distances a coordinator can choose, in metres, and how the page names them.
DISTANCES = {500: "500 metres", 1000: "1 km", 2000: "2 km", 5000: "5 km"}
DEFAULT_METRES = 1000
TOTAL = "total"
ROWS = {**SECTORS, TOTAL: "Total"}
COLUMNS = {
    "anchors": "Sites actioned",
    "followed": "Sites actioned with new premises or first-time high concern nearby",
    "new": "New premises nearby",
    "high": "Premises with first-time high concern nearby",
    "same": "New or first-time high concern, in the same sector as a site actioned nearby",
}
Cell = tuple[str, str]  # (row: a sector or TOTAL, column)


@dataclass
class Follower:
    """A premises near a site actioned: when it was new or first high (None if it was
    not), how far away and how many days after the action."""

    premises: dict
    distance_m: float
    new_on: date | None
    high_on: date | None
    days_after: int
    same_sector: bool


@dataclass
class Anchor:
    """A site actioned in the period, from its first action, with what followed nearby."""

    premises: dict
    action_day: date
    actions: list[str]
    operations: list[str]
    followers: list[Follower] = field(default_factory=list)


@dataclass
class Displacement:
    period: Period
    metres: int
    anchors: list[Anchor]
    counts: dict[str, dict[str, int]]  # by row (sector or TOTAL), then column

    # The table's rows and columns by key, with their names, for the page and the pack.
    rows = ROWS
    columns = COLUMNS

    @property
    def distance(self) -> str:
        return DISTANCES.get(self.metres, f"{self.metres:,} metres")

    def sums(self) -> list[tuple[Cell, list[Cell]]]:
        """Each column's total is the sum of its sectors (each premises has one sector)."""
        return [((TOTAL, c), [(s, c) for s in SECTORS]) for c in COLUMNS]

    def hidden(self, below: int) -> dict[Cell, str]:
        """The cells to hide in the version for sharing, each PRIMARY or SECONDARY."""
        values = {(r, c): self.counts[r][c] for r in ROWS for c in COLUMNS}
        return suppression.suppress(values, self.sums(), below)


def _day(value: str | None) -> date | None:
    """A registration date as stored (ISO), or None when there is none or it is unreadable."""
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def first_known(row: dict) -> date:
    """The UK date a premises was first known: added to the app, or registered by the
    council if that was earlier."""
    added = uk_date(row["created_at"])
    registered = _day(row["registered_on"])
    return min(added, registered) if registered else added


def follower(anchor: Anchor, row: dict, metres: int, end: date) -> Follower | None:
    """``row`` as a follower of ``anchor`` if it is near enough and new or first high
    from the action's day to ``end``; None if not."""
    here = anchor.premises
    far = distance_m(here["latitude"], here["longitude"], row["latitude"], row["longitude"])
    if far > metres:
        return None
    since = anchor.action_day
    known = first_known(row)
    new_on = known if since <= known <= end else None
    high = uk_date(row["first_high_at"]) if row["first_high_at"] else None
    high_on = high if high and since <= high <= end else None
    if new_on is None and high_on is None:
        return None
    first = min(d for d in (new_on, high_on) if d)
    same = row["sector"] == here["sector"]
    return Follower(row, far, new_on, high_on, (first - since).days, same)


def anchors(db: Database, period: Period) -> list[Anchor]:
    """The sites actioned in ``period``, each once, from its first action, earliest first."""
    found: dict[int, Anchor] = {}
    rows = displacement_q.actioned(db, period.start.isoformat(), period.end.isoformat())
    for row in rows:
        try:
            actions = [a for a in json.loads(row["enforcement_actions"]) if isinstance(a, str)]
        except (TypeError, ValueError):
            continue
        site = found.get(row["id"])
        if site is None:
            premises = {k: row[k] for k in ("id", "name", "address", "postcode", "sector")}
            premises |= {"latitude": row["latitude"], "longitude": row["longitude"]}
            day = date.fromisoformat(row["operation_date"])
            site = found[row["id"]] = Anchor(premises, day, [], [])
        site.actions += [a for a in actions if a not in site.actions]
        if row["operation_name"] not in site.operations:
            site.operations.append(row["operation_name"])
    for site in found.values():
        known = [a for a in ENFORCEMENT_ACTIONS if a in site.actions]
        site.actions = known + [a for a in site.actions if a not in ENFORCEMENT_ACTIONS]
    return list(found.values())


def _count(sites: list[Anchor]) -> dict[str, dict[str, int]]:
    """The totals: sites actioned by their sector, nearby premises once each by theirs."""
    counts = {r: dict.fromkeys(COLUMNS, 0) for r in ROWS}
    seen: dict[str, dict[int, str]] = {"new": {}, "high": {}, "same": {}}
    for site in sites:
        for row in (site.premises["sector"], TOTAL):
            counts[row]["anchors"] += 1
            counts[row]["followed"] += 1 if site.followers else 0
        for f in site.followers:
            sector = f.premises["sector"]
            for column, counted in (
                ("new", f.new_on),
                ("high", f.high_on),
                ("same", f.same_sector),
            ):
                if counted:
                    seen[column][f.premises["id"]] = sector
    for column, premises in seen.items():
        for sector in premises.values():
            counts[sector][column] += 1
            counts[TOTAL][column] += 1
    return counts


def build(db: Database, period: Period, metres: int = DEFAULT_METRES) -> Displacement:
    """The sites actioned in ``period`` and what appeared within ``metres`` of each."""
    sites = anchors(db, period)
    for site in sites:
        here = site.premises
        box = bounding_box(here["latitude"], here["longitude"], metres)
        since = site.action_day
        rows = displacement_q.near(
            db,
            box,
            besides=here["id"],
            since=uk_day_start_utc(since).isoformat(),
            since_day=since.isoformat(),
        )
        found = [follower(site, row, metres, period.end) for row in rows]
        site.followers = sorted(
            (f for f in found if f), key=lambda f: (f.distance_m, f.premises["id"])
        )
    return Displacement(period, metres, sites, _count(sites))
