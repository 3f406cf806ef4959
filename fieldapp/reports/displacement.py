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
import math
from dataclasses import dataclass, field
from datetime import date

from sqlite_utils import Database

from fieldapp.checklists.model import SECTORS
from fieldapp.geo import bounding_box, distance_m
from fieldapp.operations import ENFORCEMENT_ACTIONS
from fieldapp.queries import displacement as displacement_q
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period
from fieldapp.timeutil import uk_date, uk_day_end_utc, uk_day_start_utc

# The distances a coordinator can choose, in metres, and how the page names them.
DISTANCES = {500: "500 metres", 1000: "1 km", 2000: "2 km", 5000: "5 km"}
DEFAULT_METRES = 1000
TOTAL = "total"
ROWS = {**SECTORS, TOTAL: "Total"}
COLUMNS = {
    "anchors": "Sites actioned",
    "followed": "Sites actioned with something new nearby",
    "new": "New premises nearby",
    "high": "First-time high concern nearby",
    "same": "New or first high, same sector as the site",
}
Cell = tuple[str, str]  # (row: a sector or TOTAL, column)
# The WGS84 ellipsoid: its equatorial radius in metres and its eccentricity squared.
_A = 6_378_137.0
_E2 = 6.694379990141317e-3


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


def _surely_beyond(here: dict, there: dict, metres: int) -> bool:
    """Whether ``there`` is certainly more than ``metres`` from ``here``, by a flat-earth
    sum on the ellipsoid's local radii: good to well under 1% at these distances, so with
    a 2% margin it never turns away a premises the geodesic would keep. It spares the
    geodesic (hundreds of microseconds) for the corners of the search box."""
    mid = math.radians((here["latitude"] + there["latitude"]) / 2)
    grow = 1 - _E2 * math.sin(mid) ** 2
    north = _A * (1 - _E2) / grow**1.5 * math.radians(there["latitude"] - here["latitude"])
    east = _A / math.sqrt(grow) * math.cos(mid)
    east *= math.radians(there["longitude"] - here["longitude"])
    return math.hypot(north, east) > metres * 1.02


def follower(anchor: Anchor, row: dict, metres: int, end: date) -> Follower | None:
    """``row`` as a follower of ``anchor`` if it is new or first high from the action's
    day to ``end`` and near enough; None if not. The dates are checked first, as they
    are cheap and a geodesic is not."""
    since = anchor.action_day
    known = first_known(row)
    new_on = known if since <= known <= end else None
    high = uk_date(row["first_high_at"]) if row.get("first_high_at") else None
    high_on = high if high and since <= high <= end else None
    if new_on is None and high_on is None:
        return None
    here = anchor.premises
    if _surely_beyond(here, row, metres):
        return None
    far = distance_m(here["latitude"], here["longitude"], row["latitude"], row["longitude"])
    if far > metres:
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


def _near(db: Database, sites: list[Anchor], metres: int, end: date) -> dict[int, list[dict]]:
    """For each site (by premises id), the premises in the box around it that could follow
    it: added or registered, or first high concern, from the earliest action to ``end``."""
    since = min(s.action_day for s in sites)
    start, until = uk_day_start_utc(since).isoformat(), uk_day_end_utc(end).isoformat()
    rows = {
        r["id"]: {**r, "first_high_at": None}
        for r in displacement_q.appeared(db, start, until, since.isoformat(), end.isoformat())
    }
    boxes = {}
    for site in sites:
        here = site.premises
        box = bounding_box(here["latitude"], here["longitude"], metres)
        boxes[here["id"]] = displacement_q.in_box(db, box, here["id"])
    inside = {i for ids in boxes.values() for i in ids}
    for row in displacement_q.first_high(db, list(inside), start, until):
        rows[row["id"]] = row
    return {site: [rows[i] for i in ids if i in rows] for site, ids in boxes.items()}


def build(db: Database, period: Period, metres: int = DEFAULT_METRES) -> Displacement:
    """The sites actioned in ``period`` and what appeared within ``metres`` of each."""
    sites = anchors(db, period)
    near = _near(db, sites, metres, period.end) if sites else {}
    for site in sites:
        found = (follower(site, row, metres, period.end) for row in near[site.premises["id"]])
        site.followers = sorted(
            (f for f in found if f), key=lambda f: (f.distance_m, f.premises["id"])
        )
    return Displacement(period, metres, sites, _count(sites))
