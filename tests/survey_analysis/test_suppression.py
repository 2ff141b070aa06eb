"""crm.core.suppression: after `complete`, no hidden cell of a table can be recovered from one shown sum."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.core.suppression import Unprotectable, complete, exposed_lines


def with_totals(body: list[list[int]]) -> list[list[int]]:
    rows = [[*row, sum(row)] for row in body]
    return rows + [[sum(column) for column in zip(*rows, strict=True)]]


def test_one_small_row_pulls_in_the_next_smallest_whole_row():
    grid = with_totals([[3, 1], [10, 20], [6, 4]])
    primary = {(0, 0), (0, 1), (0, 2)}  # the first row: 4 responses
    hidden = complete(grid, primary, fixed={(3, c) for c in range(3)})
    assert hidden == primary | {(2, 0), (2, 1), (2, 2)}  # the row of 10 (smaller than 30), not a scatter
    assert exposed_lines(grid, hidden) == []


def test_a_single_hidden_cell_in_a_row_gets_a_complement_in_that_row_and_its_column():
    grid = with_totals([[7, 8, 9], [10, 11, 12]])
    hidden = complete(grid, {(0, 0)})
    assert exposed_lines(grid, hidden) == []
    assert len({c for r, c in hidden if r == 0}) >= 2
    assert len({r for r, c in hidden if c == 0}) >= 2


def test_nothing_hidden_stays_nothing_hidden():
    grid = with_totals([[7, 8], [10, 11]])
    assert complete(grid, set()) == set()


def test_a_sum_that_only_fixed_cells_could_protect_is_refused():
    grid = with_totals([[3, 1]])  # one group: its cells are the published totals
    with pytest.raises(Unprotectable):
        complete(grid, {(0, 0), (0, 1), (0, 2)}, fixed={(1, 0), (1, 1), (1, 2)})


def test_the_table_must_be_rectangular_and_the_cells_inside_it():
    with pytest.raises(ValueError):
        complete([[1, 2], [3]], set())
    with pytest.raises(ValueError):
        complete(with_totals([[1, 2]]), {(5, 0)})


def test_exposed_lines_finds_the_derivable_cell():
    grid = with_totals([[7, 8], [10, 11]])
    assert exposed_lines(grid, {(0, 0)}) == [[(0, 0), (0, 1), (0, 2)], [(0, 0), (1, 0), (2, 0)]]


tables = st.integers(1, 6).flatmap(lambda rows: st.integers(1, 6).flatmap(
    lambda columns: st.lists(st.lists(st.integers(0, 30), min_size=columns, max_size=columns),
                             min_size=rows, max_size=rows)))


@settings(max_examples=300, deadline=None)
@given(tables, st.data())
def test_for_random_tables_no_suppressed_cell_is_derivable(body, data):
    grid = with_totals(body)
    cells = [(r, c) for r in range(len(grid)) for c in range(len(grid[0]))]
    primary = set(data.draw(st.lists(st.sampled_from(cells), max_size=4)))
    hidden = complete(grid, primary)
    assert primary <= hidden
    # every row and every column (each one sum with its total) hides none or at least two of its cells
    for r in range(len(grid)):
        assert sum((r, c) in hidden for c in range(len(grid[0]))) != 1
    for c in range(len(grid[0])):
        assert sum((r, c) in hidden for r in range(len(grid))) != 1


@settings(max_examples=200, deadline=None)
@given(tables, st.data())
def test_small_rows_with_the_totals_row_kept_shown_are_protected_or_refused(body, data):
    """The cross-tab's use: small groups' rows hidden whole, the totals row published."""
    grid = with_totals(body)
    width = len(grid[0])
    small = data.draw(st.sets(st.integers(0, len(body) - 1)))
    primary = {(r, c) for r in small for c in range(width)}
    fixed = {(len(body), c) for c in range(width)}
    lone = len(body) == 1 and bool(small)  # one group, hidden: it is the published totals row itself
    try:
        hidden = complete(grid, primary, fixed=fixed)
    except Unprotectable:
        assert lone
        return
    assert not lone
    assert not hidden & fixed
    assert exposed_lines(grid, hidden) == []
