"""Figures by area: the register, visits, high-concern visits and potential victims for a
period, by ward and by local authority.

Each premises is placed by its postcode in the loaded postcode directory (the ``postcodes``
table: ward and local authority ONS codes). A premises whose postcode is not there, or
whose directory entry gives no ward or local authority, goes under its postcode district
(the outward code, "LE1") so that nothing is dropped; one without a postcode goes under
"No postcode", and one whose postcode is not a UK postcode under "Postcode not
recognised". Each table's total is the sum of its areas, which is what disclosure control
must respect in the version for sharing (fieldapp.reports.suppression).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlite_utils import Database

from fieldapp.places.lookup import postcode_places
from fieldapp.places.model import POSTCODE, normalise_postcode
from fieldapp.queries import areas as areas_q
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period
from fieldapp.timeutil import uk_day_end_utc, uk_day_start_utc

TOTAL = "total"
NO_POSTCODE = "No postcode"
NOT_RECOGNISED = "Postcode not recognised"
COLUMNS = {
    "register": "Premises on the register",
    "visited": "Premises visited",
    "visits": "Visits",
    "high": "High-concern visits",
    "victims": "Potential victims identified",
}
LEVELS = {"ward": "Ward", "local_authority": "Local authority"}
# How a row's area was found: from the directory, the postcode district, or neither.
DIRECTORY, DISTRICT, NONE = "directory", "district", "none"

Cell = tuple[str, str]  # (area key, column)


@dataclass
class Area:
    key: str
    how: str  # DIRECTORY, DISTRICT or NONE
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    @property
    def label(self) -> str:
        return f"{self.key} (postcode district)" if self.how == DISTRICT else self.key


@dataclass
class Table:
    """One level's areas, sorted by high-concern visits then visits, and their total;
    ``fell_back`` is how many premises went under their postcode district."""

    level: str
    areas: list[Area]
    total: dict[str, int]
    fell_back: int
    unplaced: int

    @property
    def title(self) -> str:
        return LEVELS[self.level]

    def sums(self) -> list[tuple[Cell, list[Cell]]]:
        return [((TOTAL, c), [(a.key, c) for a in self.areas]) for c in COLUMNS]

    def hidden(self, below: int) -> dict[Cell, str]:
        """The cells to hide in the version for sharing, each PRIMARY or SECONDARY."""
        values = {(a.key, c): a.counts[c] for a in self.areas for c in COLUMNS}
        values.update({(TOTAL, c): self.total[c] for c in COLUMNS})
        return suppression.suppress(values, self.sums(), below)


@dataclass
class Areas:
    period: Period
    tables: list[Table]
    premises: int  # premises counted (on the register or visited)
    in_directory: int  # of them, those whose postcode the directory holds


def district(postcode: str) -> str | None:
    """The postcode district (outward code) of a UK postcode, or None if it is not one."""
    key = normalise_postcode(postcode or "")
    return key[:-3] if POSTCODE.fullmatch(key) else None


def place(row: Mapping, places: Mapping, level: str) -> tuple[str, str]:
    """Where one premises goes at ``level``: its area key and how it was found."""
    postcode = (row["postcode"] or "").strip()
    if not postcode:
        return NO_POSTCODE, NONE
    found = places.get(normalise_postcode(postcode))
    code = getattr(found, level, None) if found else None
    if code:
        return code, DIRECTORY
    outward = district(postcode)
    return (outward, DISTRICT) if outward else (NOT_RECOGNISED, NONE)


def table(rows: Iterable[Mapping], places: Mapping, level: str) -> Table:
    """The ``rows`` (premises added up by postcode, from fieldapp.queries.areas) counted
    by area at ``level``."""
    found: dict[str, Area] = {}
    total = dict.fromkeys(COLUMNS, 0)
    fell_back = unplaced = 0
    for row in rows:
        key, how = place(row, places, level)
        fell_back += row["premises"] if how == DISTRICT else 0
        unplaced += row["premises"] if how == NONE else 0
        area = found.setdefault(key, Area(key, how))
        counted = {
            "register": row["on_register"] or 0,
            "visited": row["visited"] or 0,
            "visits": row["visits"] or 0,
            "high": row["high"] or 0,
            "victims": row["victims"] or 0,
        }
        for column, n in counted.items():
            area.counts[column] += n
            total[column] += n
    order = sorted(
        found.values(),
        key=lambda a: (-a.counts["high"], -a.counts["visits"], a.key),
    )
    return Table(level, order, total, fell_back, unplaced)


def build(db: Database, period: Period) -> Areas:
    """The figures by ward and by local authority for ``period``."""
    start = uk_day_start_utc(period.start).isoformat()
    end = uk_day_end_utc(period.end).isoformat()
    rows = areas_q.premises(db, start, end, period.bucket)
    places = postcode_places(db, (r["postcode"] for r in rows if r["postcode"]))
    held = sum(
        r["premises"] for r in rows if r["postcode"] and normalise_postcode(r["postcode"]) in places
    )
    counted = sum(r["premises"] for r in rows)
    return Areas(period, [table(rows, places, level) for level in LEVELS], counted, held)
