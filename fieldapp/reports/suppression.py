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

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction
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
        matrix = [[Fraction(0)] * len(variables) for _ in group]
        for r, row in enumerate(group):
            for key, n in row.items():
                matrix[r][index[key]] = Fraction(n)
        solved += [variables[c] for c in _solved_columns(matrix, len(variables))]
    return solved


def _independent(equations: list[dict]) -> list[list[dict]]:
    """The equations in groups sharing no hidden cell, each solved on its own."""
    owner: dict = {}
    groups: list[list[dict]] = []
    for row in equations:
        joined = {owner[key] for key in row if key in owner}
        merged = [row] + [eq for g in sorted(joined) for eq in groups[g]]
        for g in joined:
            groups[g] = []
        groups.append(merged)
        for eq in merged:
            for key in eq:
                owner[key] = len(groups) - 1
    return [g for g in groups if g]


def _solved_columns(rows: list[list[Fraction]], width: int) -> list[int]:
    """Columns fixed by the equations ``rows`` (each = a known constant): those whose unit
    vector lies in the rows' span, seen as a reduced row of one non-zero entry."""
    pivot_row = 0
    for column in range(width):
        found = next((r for r in range(pivot_row, len(rows)) if rows[r][column]), None)
        if found is None:
            continue
        rows[pivot_row], rows[found] = rows[found], rows[pivot_row]
        lead = rows[pivot_row][column]
        rows[pivot_row] = [value / lead for value in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][column]:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return [
        nonzero[0]
        for row in rows[:pivot_row]
        if len(nonzero := [column for column, value in enumerate(row) if value]) == 1
    ]


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
