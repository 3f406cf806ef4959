"""Disclosure control: small counts hidden, and never recoverable from the totals shown."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fieldapp.reports.suppression import PRIMARY, SECONDARY, rule, shown, suppress, worked_out


def row(*parts: int) -> tuple[dict, list]:
    """One row of cells a, b, c... and its total t."""
    names = [chr(ord("a") + n) for n in range(len(parts))]
    values = dict(zip(names, parts, strict=True)) | {"t": sum(parts)}
    return values, [("t", names)]


@pytest.mark.parametrize(
    ("parts", "hidden"),
    [
        ((0, 7, 9), {}),  # zero is shown; nothing small
        ((5, 7), {}),  # five is not small
        ((3, 10), {"a": PRIMARY, "b": SECONDARY}),  # 3 = 13 - 10: hide the 10 too
        ((3, 10, 6), {"a": PRIMARY, "c": SECONDARY}),  # the next smallest, not the largest
        ((3, 4, 10), {"a": PRIMARY, "b": PRIMARY}),  # two hidden already: nothing more
        ((2, 2), {"a": PRIMARY, "b": PRIMARY, "t": PRIMARY}),  # the total is small too
        ((3, 0), {"a": PRIMARY, "t": PRIMARY}),  # 3 + 0: the total hides it
        ((4, 0, 9), {"a": PRIMARY, "c": SECONDARY}),  # a zero is never the second cell
    ],
)
def test_a_row_hides_its_small_counts_and_whatever_would_give_them_away(parts, hidden):
    values, sums = row(*parts)
    assert suppress(values, sums) == hidden


def test_the_threshold_is_a_setting():
    values, sums = row(7, 30)
    assert suppress(values, sums, below=5) == {}
    assert suppress(values, sums, below=10) == {"a": PRIMARY, "b": SECONDARY}


def test_a_hidden_cell_a_column_total_would_give_away_hides_another():
    # Visits by sector (columns) and concern level (rows), with both totals shown. Hiding
    # the 3 and, for the row, the 10 still leaves 3 = 13 - 10 in the first column and
    # 10 = 18 - 8 in the second: all four cells must go.
    values = {"a": 3, "b": 10, "c": 10, "d": 8, "r1": 13, "r2": 18, "c1": 13, "c2": 18, "t": 31}
    sums = [
        ("r1", ["a", "b"]),
        ("r2", ["c", "d"]),
        ("c1", ["a", "c"]),
        ("c2", ["b", "d"]),
        ("t", ["r1", "r2"]),
        ("t", ["c1", "c2"]),
    ]
    hidden = suppress(values, sums)
    assert hidden == {"a": PRIMARY, "b": SECONDARY, "c": SECONDARY, "d": SECONDARY}
    assert worked_out(values, sums, hidden) == []


def test_worked_out_finds_a_cell_known_only_by_combining_totals():
    # a + b = 7 has two hidden cells, but b + c = 9 with c shown gives b = 5, and then a = 2.
    values = {"a": 2, "b": 5, "c": 4, "x": 7, "y": 9}
    sums = [("x", ["a", "b"]), ("y", ["b", "c"])]
    assert set(worked_out(values, sums, {"a": PRIMARY, "b": SECONDARY})) == {"a", "b"}
    assert worked_out(values, sums, {"a": PRIMARY, "b": SECONDARY, "c": SECONDARY}) == []


def determined_by_rank(values, sums, hidden) -> set:
    """The hidden cells fixed by the sums, by a second method: a cell is fixed exactly when
    adding its unit row to the equations does not raise their rank (numpy's SVD)."""
    variables = [k for k in values if k in hidden]
    if not variables:
        return set()
    matrix = []
    for total, parts in sums:
        line = [0.0] * len(variables)
        for key, sign in ((total, 1), *((p, -1) for p in parts)):
            if key in hidden:
                line[variables.index(key)] += sign
        matrix.append(line)
    base = np.linalg.matrix_rank(np.array(matrix)) if matrix else 0
    fixed = set()
    for n, key in enumerate(variables):
        unit = [0.0] * len(variables)
        unit[n] = 1.0
        if np.linalg.matrix_rank(np.array([*matrix, unit])) == base:
            fixed.add(key)
    return fixed


@st.composite
def tables(draw):
    """A table of 1-4 rows and 1-3 columns of counts (many small), with every row total,
    column total and the grand total shown."""
    rows = draw(st.integers(1, 4))
    cols = draw(st.integers(1, 3))
    count = st.one_of(st.integers(0, 6), st.integers(0, 40))
    cells = {(r, c): draw(count) for r in range(rows) for c in range(cols)}
    values = dict(cells)
    sums = []
    for r in range(rows):
        values[("row", r)] = sum(cells[(r, c)] for c in range(cols))
        sums.append((("row", r), [(r, c) for c in range(cols)]))
    for c in range(cols):
        values[("col", c)] = sum(cells[(r, c)] for r in range(rows))
        sums.append((("col", c), [(r, c) for r in range(rows)]))
    values["all"] = sum(cells.values())
    sums.append(("all", [("row", r) for r in range(rows)]))
    sums.append(("all", [("col", c) for c in range(cols)]))
    return values, sums


@settings(max_examples=150, deadline=None, derandomize=True)
@given(tables())
def test_no_hidden_count_can_be_worked_out_from_a_shared_table(table):
    values, sums = table
    hidden = suppress(values, sums)
    for key, value in values.items():
        if 0 < value < 5:
            assert hidden.get(key) == PRIMARY, key
        elif key in hidden:
            assert hidden[key] == SECONDARY, key
    assert worked_out(values, sums, hidden) == []
    assert determined_by_rank(values, sums, hidden) == set()


@settings(max_examples=100, deadline=None, derandomize=True)
@given(tables())
def test_worked_out_agrees_with_a_second_method(table):
    values, sums = table
    hidden = {key: PRIMARY for key, value in values.items() if value % 3 == 1}
    assert set(worked_out(values, sums, hidden)) == determined_by_rank(values, sums, hidden)


def test_cells_are_shown_as_people_read_them():
    assert shown(1234, None) == "1,234"
    assert shown(0, None) == "0"
    assert shown(3, PRIMARY) == "fewer than 5"
    assert shown(3, PRIMARY, below=10) == "fewer than 10"
    assert shown(12, SECONDARY) == "hidden"
    assert shown(None, None) == "–"
    assert "fewer than 10" in rule(10) and "1 to 9" in rule(10)
