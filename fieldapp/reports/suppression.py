"""Disclosure control for figures that leave the coordinators: small counts never shown.

Official statistics hide small counts so that no one can be picked out of them: a count
from 1 to 4 is shown as "fewer than 5" (the threshold is the ``REPORT_SUPPRESS_BELOW``
setting), and 0 is shown as 0. That alone is not enough where a table gives totals: if a
row's total and all but one of its cells are shown, the hidden one is the difference. So
a second cell is hidden too ("secondary suppression"), the smallest non-zero one still
shown, until no hidden cell can be worked out exactly from the totals by any combination
of them (checked by solving the totals as equations, so a hidden cell is safe even from
a calculation across several rows and columns).

A table is its cells, each with a key and a count, and its sums: each says one cell (a
total) is the sum of others (its parts). Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

PRIMARY = "primary"  # a small count
SECONDARY = "secondary"  # hidden so a small count cannot be worked out from a total
DEFAULT_BELOW = 5

Sum = tuple[K, Sequence[K]]


def small(value: int, below: int = DEFAULT_BELOW) -> bool:
    """Whether a count is too small to show (1 to below - 1; zero is shown)."""
    return 0 < value < below


def suppress(
    values: Mapping[K, int], sums: Sequence[Sum], below: int = DEFAULT_BELOW
) -> dict[K, str]:
    """The cells to hide, each PRIMARY (small) or SECONDARY (hidden to protect a small one).

    ``values`` maps every cell's key to its count; ``sums`` are (total, parts) pairs among
    those keys. A sum naming a cell that is not in ``values`` is left out.
    """
    order = {key: n for n, key in enumerate(values)}
    equations = [
        (total, list(parts))
        for total, parts in sums
        if total in values and all(part in values for part in parts)
    ]
    hidden = {key: PRIMARY for key, value in values.items() if small(value, below)}
    while True:
        exposed = worked_out(values, equations, hidden)
        if not exposed:
            return hidden
        chosen = _next_to_hide(values, equations, hidden, exposed[0], order)
        if chosen is None:  # nothing left to hide around it: cannot happen with real sums
            return hidden
        hidden[chosen] = SECONDARY


def _cells(equation: tuple) -> list:
    total, parts = equation
    return [total, *parts]


def _next_to_hide(values, equations, hidden, exposed, order):
    """The smallest non-zero shown cell in a sum with ``exposed``, or failing that in the
    sums linked to it through other hidden cells; a zero only if there is nothing else."""
    linked, reached = [], {exposed}
    grew = True
    while grew:
        grew = False
        for eq in equations:
            cells = _cells(eq)
            if eq not in linked and reached.intersection(cells):
                linked.append(eq)
                reached.update(c for c in cells if c in hidden)
                grew = True
        shown = {c for eq in linked for c in _cells(eq) if c not in hidden}
        if shown:
            return min(shown, key=lambda c: (values[c] == 0, values[c], order[c]))
    return None


def worked_out(values: Mapping[K, int], sums: Sequence[Sum], hidden: Mapping[K, str]) -> list[K]:
    """The hidden cells whose counts follow exactly from the shown cells and the sums."""
    equations = []
    for total, parts in sums:
        row: dict[K, int] = {}
        for key, sign in ((total, 1), *((part, -1) for part in parts)):
            if key in hidden:
                row[key] = row.get(key, 0) + sign
        row = {key: n for key, n in row.items() if n}
        if row:
            equations.append(row)
    position = {key: n for n, key in enumerate(values)}
    solved = []
    for group in _independent(equations):
        variables = sorted({key for row in group for key in row}, key=position.__getitem__)
        index = {key: n for n, key in enumerate(variables)}
        rows = [{index[key]: n for key, n in row.items()} for row in group]
        solved += [variables[c] for c in _solved_columns(rows)]
    return solved


def _independent(equations: list[dict]) -> list[list[dict]]:
    """The equations in groups sharing no hidden cell, each solved on its own; the groups
    in the order of the last equation each holds (the order in which they close)."""
    parent = list(range(len(equations)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    first: dict = {}  # a hidden cell -> the first equation it is in
    for n, row in enumerate(equations):
        for key in row:
            if key in first:
                parent[root(n)] = root(first[key])
            else:
                first[key] = n
    groups: dict[int, list[int]] = {}
    for n in range(len(equations)):
        groups.setdefault(root(n), []).append(n)
    ordered = sorted(groups.values(), key=lambda members: members[-1])
    return [[equations[n] for n in members] for members in ordered]


def _solved_columns(rows: list[dict[int, int]]) -> list[int]:
    """Columns fixed by the equations ``rows`` (each = a known constant, a row given as its
    non-zero whole-number coefficients by column): those whose unit vector lies in the
    rows' span, seen as a reduced row of one non-zero entry.

    Reduced a row at a time, each kept sparse (its non-zero entries only) and in whole
    numbers (a row is scaled rather than divided, then cut by the common factor of its
    entries), with every pivot column cleared from every other kept row. The tables are
    wide and their sums short, so this is far quicker than reducing the dense matrix in
    fractions, with the same answer: in a fully reduced basis a unit vector is in the span
    exactly when one kept row has a single non-zero entry, there.
    """
    kept: dict[int, dict[int, int]] = {}  # pivot column -> its row
    for given in rows:
        row = _reduced({c: v for c, v in given.items() if v})
        for pivot in [c for c in row if c in kept]:
            if pivot in row:
                row = _eliminate(row, kept[pivot], pivot)
        if not row:
            continue
        pivot = min(row)
        for column, other in list(kept.items()):
            if pivot in other:
                kept[column] = _eliminate(other, row, pivot)
        kept[pivot] = row
    return sorted(pivot for pivot, row in kept.items() if len(row) == 1)


def _eliminate(row: dict[int, int], pivot_row: dict[int, int], pivot: int) -> dict[int, int]:
    """``row`` with ``pivot`` cleared by ``pivot_row``: lead * row - row[pivot] * pivot_row."""
    lead, factor = pivot_row[pivot], row[pivot]
    found = {c: lead * v for c, v in row.items()}
    for c, v in pivot_row.items():
        found[c] = found.get(c, 0) - factor * v
    return _reduced({c: v for c, v in found.items() if v})


def _reduced(row: dict[int, int]) -> dict[int, int]:
    common = math.gcd(*row.values()) if row else 1
    return {c: v // common for c, v in row.items()} if common > 1 else row


def shown(value: int | None, reason: str | None, below: int = DEFAULT_BELOW) -> str:
    """A cell as a person reads it: the count, "fewer than 5", "hidden", or a dash for a
    figure that does not apply."""
    if value is None:
        return "–"
    if reason == PRIMARY:
        return f"fewer than {below}"
    if reason == SECONDARY:
        return "hidden"
    return f"{value:,}"


def rule(below: int = DEFAULT_BELOW) -> str:
    """The rule in words, for the methods note beside a shared table."""
    return (
        f"Counts from 1 to {below - 1} are shown as \u201cfewer than {below}\u201d, so that no "
        "one can be identified from a small number; 0 is shown as 0. Where a total and the "
        "other figures it adds up from would let a hidden count be worked out, another "
        "count is hidden too, the smallest that protects it, and shown as \u201chidden\u201d."
    )
