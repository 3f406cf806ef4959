"""A report's table: figures by sector and in total, for a period and the one before it.

Each figure names the figure it is part of when it adds up to one (concern levels to
visits, routes to referrals), and each figure's total is the sum of its sectors: those
sums are what disclosure control must respect, so a shared copy never gives away a small
count by subtraction. No Flask, no database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from fieldapp.checklists.model import SECTORS
from fieldapp.reports import suppression
from fieldapp.reports.periods import Period

TOTAL = "total"
COLUMNS = (*SECTORS, TOTAL)
PERIODS = ("current", "previous")

Counts = dict[str, dict[str, int | None]]  # period -> column -> count (None: not counted)
Cell = tuple[str, str, str]  # (figure key, period, column)


@dataclass(frozen=True)
class Link:
    """Where the records behind a figure are listed: a page's endpoint and arguments,
    filtered by sector in the sector columns when ``by_sector``."""

    endpoint: str
    args: tuple[tuple[str, str], ...]
    text: str
    by_sector: bool = True


@dataclass
class Figure:
    """One row: what is counted, how, and the counts; ``parent`` is the figure this one is
    part of (the parent's count is the sum of its parts')."""

    key: str
    label: str
    how: str
    counts: Counts
    parent: str | None = None
    link: Link | None = None

    @property
    def by_sector(self) -> bool:
        return all(self.counts[p][s] is not None for p in PERIODS for s in SECTORS)


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)


@dataclass
class Report:
    """Every figure for ``period``, beside the ``previous`` equivalent period."""

    period: Period
    previous: Period
    sections: list[Section]

    def figures(self) -> Iterable[Figure]:
        for section in self.sections:
            yield from section.figures

    def sums(self) -> list[tuple[Cell, list[Cell]]]:
        """Every (total, parts) the table shows: each figure's total is its sectors added
        up, and a figure with parts is its parts added up, column by column."""
        found = []
        figures = list(self.figures())
        for f in figures:
            children = [c.key for c in figures if c.parent == f.key]
            for period in PERIODS:
                if f.by_sector:
                    found.append(((f.key, period, TOTAL), [(f.key, period, s) for s in SECTORS]))
                for column in COLUMNS if children else ():
                    found.append(((f.key, period, column), [(c, period, column) for c in children]))
        return found

    def hidden(self, below: int) -> dict[Cell, str]:
        """The cells to hide in a copy for sharing, each PRIMARY or SECONDARY."""
        values = {
            (f.key, period, column): value
            for f in self.figures()
            for period in PERIODS
            for column, value in f.counts[period].items()
            if value is not None
        }
        return suppression.suppress(values, self.sums(), below)


def by_sector(rows: Iterable[Mapping], value: str, **match) -> Counts:
    """Sum ``value`` over the rows matching ``match``, by period and sector, and in total."""
    counts: Counts = {period: dict.fromkeys(COLUMNS, 0) for period in PERIODS}
    for row in rows:
        if row["period"] in counts and all(row[k] == v for k, v in match.items()):
            cells = counts[row["period"]]
            if row["sector"] in SECTORS:
                cells[row["sector"]] += row[value] or 0
            cells[TOTAL] += row[value] or 0
    return counts


def total_only(rows: Iterable[Mapping], value: str, **match) -> Counts:
    """The same for a figure that is not counted by sector (the sectors are None)."""
    counts: Counts = {period: {**dict.fromkeys(SECTORS), TOTAL: 0} for period in PERIODS}
    for row in rows:
        if row["period"] in counts and all(row[k] == v for k, v in match.items()):
            counts[row["period"]][TOTAL] += row[value] or 0
    return counts


def add(*many: Counts) -> Counts:
    """Counts added cell by cell."""
    return {
        period: {c: sum(m[period][c] or 0 for m in many) for c in COLUMNS} for period in PERIODS
    }


def anything(counts: Counts) -> bool:
    """Whether a figure counted anything in either period."""
    return any(counts[p][TOTAL] for p in PERIODS)
