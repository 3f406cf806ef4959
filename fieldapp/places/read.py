"""Telling the three kinds of file apart by their shape, and reading one in checked batches.

A file is known by its first row, never by its name (councils rename downloads): the ONS
Postcode Directory and OS Open UPRN have header rows naming their columns, Code-Point Open
has no header and ten columns, the first a postcode.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TextIO

from fieldapp.places import rows
from fieldapp.places.model import BATCH_ROWS, POSTCODE, LoadReport, normalise_postcode


@dataclass(frozen=True)
class Kind:
    """One kind of open data file."""

    name: str  # as place_loads and postcodes.source record it
    label: str  # as people know it
    holds: str  # "postcodes" or "UPRNs"
    checker: Callable[[dict[str, int]], rows.Checker]
    finish: Callable[[list[tuple]], list[tuple]]


ONSPD = Kind("onspd", "ONS Postcode Directory", "postcodes", rows.onspd_checker, rows.identity)
CODEPOINT = Kind(
    "codepoint", "Code-Point Open", "postcodes", rows.codepoint_checker, rows.codepoint_finish
)
UPRN = Kind("uprn", "OS Open UPRN", "UPRNs", rows.uprn_checker, rows.identity)


@dataclass(frozen=True)
class Shape:
    """A file's kind and layout, from its first row."""

    kind: Kind
    width: int  # cells in every row
    header: bool  # whether the first row names the columns
    positions: dict[str, int]


class MissingColumns(Exception):
    """The header is plainly one kind's but lacks columns a load needs."""

    def __init__(self, kind: Kind, missing: list[str]):
        super().__init__(", ".join(missing))
        self.kind = kind
        self.missing = missing


def shape_of(first: list[str]) -> Shape | None:
    """The shape of a file whose first non-blank row is ``first``; None if it is none of the
    three. Raises :class:`MissingColumns` for a header that is nearly a known one."""
    positions: dict[str, int] = {}
    for index, heading in enumerate(first):
        positions.setdefault(heading.strip().lower(), index)
    if {"uprn", "x_coordinate", "y_coordinate"} <= positions.keys():
        return Shape(UPRN, len(first), True, _needs(UPRN, positions, rows.UPRN_COLUMNS))
    if positions.keys() & {"pcd", "pcds"} and {"lat", "long"} <= positions.keys():
        # pcds is the display form (LE1 5AA); pcd pads to seven characters. Either will do.
        positions["pcd"] = positions.get("pcds", positions.get("pcd", 0))
        return Shape(ONSPD, len(first), True, _needs(ONSPD, positions, rows.ONSPD_COLUMNS))
    if len(first) == rows.CODEPOINT_WIDTH and POSTCODE.fullmatch(normalise_postcode(first[0])):
        return Shape(CODEPOINT, rows.CODEPOINT_WIDTH, False, {})
    return None


def _needs(kind: Kind, positions: dict[str, int], columns: tuple[str, ...]) -> dict[str, int]:
    missing = [c for c in columns if c not in positions]
    if missing:
        raise MissingColumns(kind, missing)
    return positions


def batches(
    stream: TextIO, shape: Shape, report: LoadReport, file: str | None
) -> Iterator[list[tuple]]:
    """The stream's good rows, checked and finished, ``BATCH_ROWS`` at a time. Each bad row
    goes in ``report`` by the line a text editor shows (the first line is 1); rows without a
    position are counted there. A row CSV itself cannot read is reported and passed over."""
    reader = csv.reader(stream)
    check = shape.kind.checker(shape.positions)
    finish = shape.kind.finish
    width = shape.width
    batch: list[tuple] = []
    if shape.header:
        next(reader, None)
    line = reader.line_num  # lines read so far: a record may span several
    while True:
        try:
            for cells in reader:
                start, line = line + 1, reader.line_num
                if len(cells) == width:
                    checked = check(cells)
                    if checked.__class__ is tuple:
                        batch.append(checked)
                        if len(batch) >= BATCH_ROWS:
                            report.candidates += len(batch)
                            yield finish(batch)
                            batch = []
                    elif checked is None:
                        report.no_position += 1
                    else:
                        report.problem(file, start, checked)
                elif any(c.strip() for c in cells):  # blank lines are passed over
                    report.problem(file, start, _width_reason(len(cells), width, shape))
            break
        except csv.Error as error:
            line = reader.line_num
            report.problem(file, line, f"the row cannot be read as CSV ({error})")
    if batch:
        report.candidates += len(batch)
        yield finish(batch)


def _width_reason(count: int, width: int, shape: Shape) -> str:
    against = "the header row has" if shape.header else f"{shape.kind.label} rows have"
    return f"the row has {count} cells where {against} {width}"
