"""Complementary suppression of small cells in a two-way table with shown totals.

A table is a grid whose last column holds each row's total and whose last row holds each column's total
(the corner: the grand total). Each row and each column of the grid is one sum: its last cell is the sum of
the others. When exactly one cell of such a sum is hidden, subtraction gives it back. So, after the primary
cells (the small ones) are hidden, `complete` hides more cells ("complementary") until every row and every
column of the grid hides none or at least two of its cells (its total counts as one of them).

Candidates are chosen to keep as much shown as possible: first a cell whose crossing line already hides
exactly one cell (one choice then protects two sums), then one whose crossing line already hides some, then
the smallest value, body cells before totals, then the first in reading order. A hidden small row thus
usually pulls in the whole next-smallest row, which reads better than a scatter of cells.

Cells the caller has to keep shown (`fixed`: totals published elsewhere) are never chosen; when a sum can
be protected only by hiding one of them, `Unprotectable` is raised and the caller hides more (or all) of
its table. The same rule is described in crm/indicators/breakdowns.py for the dashboard's breakdowns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

Cell = tuple[int, int]


class Unprotectable(ValueError):
    """A sum of the table hides exactly one cell and every other cell of it must stay shown."""


def _lines(rows: int, columns: int) -> list[list[Cell]]:
    """Every row, then every column, of a rows x columns grid, as lists of cells."""
    return ([[(r, c) for c in range(columns)] for r in range(rows)]
            + [[(r, c) for r in range(rows)] for c in range(columns)])


def exposed_lines(grid: Sequence[Sequence[float]], hidden: Iterable[Cell]) -> list[list[Cell]]:
    """The rows and columns of the grid that hide exactly one cell (that cell could be derived)."""
    hidden = set(hidden)
    rows = len(grid)
    columns = len(grid[0]) if rows else 0
    return [line for line in _lines(rows, columns) if sum(cell in hidden for cell in line) == 1]


def complete(grid: Sequence[Sequence[float]], primary: Iterable[Cell], *, fixed: Iterable[Cell] = ()) -> set[Cell]:
    """The primary cells plus the complementary ones: afterwards no row or column of `grid` hides exactly one
    cell. `grid` is rectangular, totals last (see the module's docstring); `fixed` cells are never hidden."""
    rows = len(grid)
    columns = len(grid[0]) if rows else 0
    if any(len(row) != columns for row in grid):
        raise ValueError("the table is not rectangular")
    hidden = set(primary)
    fixed = set(fixed)
    if hidden & fixed:
        raise Unprotectable("a cell to hide must stay shown")
    if any(not (0 <= r < rows and 0 <= c < columns) for r, c in hidden):
        raise ValueError("a cell to hide is outside the table")
    row_hidden = [sum((r, c) in hidden for c in range(columns)) for r in range(rows)]
    column_hidden = [sum((r, c) in hidden for r in range(rows)) for c in range(columns)]
    changed = True
    while changed:
        changed = False
        for line in _lines(rows, columns):
            if sum(cell in hidden for cell in line) != 1:
                continue
            is_row = line[0][0] == line[-1][0]

            def rank(cell: Cell, is_row: bool = is_row) -> tuple:
                r, c = cell
                crossing = column_hidden[c] if is_row else row_hidden[r]
                total = c == columns - 1 or r == rows - 1
                return (crossing != 1, crossing == 0, total, grid[r][c], r, c)

            candidates = [cell for cell in line if cell not in hidden and cell not in fixed]
            if not candidates:
                raise Unprotectable("a sum hides one cell and the others must stay shown")
            r, c = min(candidates, key=rank)
            hidden.add((r, c))
            row_hidden[r] += 1
            column_hidden[c] += 1
            changed = True
    return hidden
