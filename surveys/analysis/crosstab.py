"""A closed question by a group of the responses (surveys.analysis.dimensions: an attribute of the person who
answered, the answer to another single choice, the age band): rows = groups, columns = options, counts and row
percentages, with small cells suppressed.

Counting follows the summaries: the survey's submitted responses that staff did not exclude, and among them
those that answered the question (the row's total). A multiple choice counts a response once per chosen option,
so its row percentages add up to more than 100 %. A response with no person (anonymous or unlinked) falls in
the "Sin dato" group of a person's attribute; a person in two networks counts in both.

Suppression (the rule of crm/indicators/breakdowns.py): a group with fewer than MIN_CELL responses is hidden
("menos de 5"); then crm.core.suppression hides complementary cells so that no hidden cell can be recovered by
subtraction from a shown total. The totals row (each option's count over all responses) is published on the
analysis page, so it stays shown; when that makes a table impossible to protect, every group is hidden.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from crm.core.extensions import db
from crm.core.suppression import Unprotectable, complete
from surveys.analysis.dimensions import (  # noqa: F401  (DIMENSIONS, DIMENSION_BY_KEY: the callers' names)
    DIMENSION_BY_KEY,
    DIMENSIONS,
    Dimension,
    grouped,
    source_note,
)
from surveys.models import Answer, Question, Response

MIN_CELL = 5
SMALL = "menos de 5"
COMPLEMENTARY = "complementaria"


@dataclass
class Cell:
    count: int | None  # None: suppressed
    percent: float | None = None  # of the row's total, 0..100
    reason: str = ""  # SMALL or COMPLEMENTARY when suppressed


@dataclass
class Group:
    key: str
    label: str
    total: Cell
    cells: list[Cell]


@dataclass
class CrossTab:
    question: Question
    dimension: Dimension
    columns: list[str]  # the options' labels
    groups: list[Group] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)  # per option, over every response that answered
    answered: int = 0
    withheld: bool = False  # every group hidden: the table could not be protected otherwise
    notes: list[str] = field(default_factory=list)

    @property
    def suppressed(self) -> int:
        return sum(c.count is None for g in self.groups for c in [g.total, *g.cells])


def _answers(question: Question) -> dict[int, tuple[int | None, set[int]]]:
    """{response id: (person id or None, chosen option ids)} over the counted responses that answered."""
    rows = db.session.execute(
        select(Response.id, Response.person_id, Response.anonymous, Answer.choice_id)
        .join(Answer, Answer.response_id == Response.id)
        .where(Response.survey_id == question.survey_id, Response.excluded.is_(False),
               Answer.question_id == question.id, Answer.choice_id.is_not(None)))
    found: dict[int, tuple[int | None, set[int]]] = {}
    for response_id, person_id, anonymous, choice_id in rows:
        found.setdefault(response_id, (None if anonymous else person_id, set()))[1].add(choice_id)
    return found


def crosstab(question: Question, dimension: Dimension, lang: str, default: str, *,
             minimum: int = MIN_CELL) -> CrossTab:
    """The question (single or multiple choice) by the dimension's groups (surveys.analysis.dimensions),
    suppressed."""
    choices = list(question.choices)
    table = CrossTab(question=question, dimension=dimension, columns=[c.label(lang, default) for c in choices])
    answers = _answers(question)
    keys_of, labels = grouped(dimension, {r: p for r, (p, _chosen) in answers.items()}, lang, default)
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(choices))
    totals: dict[str, int] = defaultdict(int)
    index = {choice.id: i for i, choice in enumerate(choices)}
    table.totals = [0] * len(choices)
    for response_id, (_person_id, chosen) in answers.items():
        positions = [index[c] for c in chosen if c in index]
        for position in positions:
            table.totals[position] += 1
        for key in keys_of[response_id]:
            totals[key] += 1
            for position in positions:
                counts[key][position] += 1
    table.answered = len(answers)
    _fill(table, list(labels), labels, counts, totals, minimum)
    if note := source_note(dimension, lang, default):
        table.notes.append(note)
    if dimension.kind == "person" and dimension.column is None:
        table.notes.append("Una persona en dos redes cuenta en ambas: los grupos pueden sumar más que el total.")
    if question.type == "select_multiple":
        table.notes.append("Cada respuesta puede elegir varias opciones: los porcentajes de un grupo suman más de 100 %.")
    return table


def _fill(table: CrossTab, keys: list[str], labels: dict[str, str], counts: dict, totals: dict,
          minimum: int) -> None:
    """The groups' rows with the suppressed cells hidden (see the module's docstring)."""
    width = len(table.columns)
    grid = [[*counts[k], totals[k]] for k in keys] + [[*table.totals, table.answered]]
    primary = {(r, c) for r, k in enumerate(keys) if totals[k] < minimum for c in range(width + 1)}
    fixed = {(len(keys), c) for c in range(width + 1)}
    try:
        hidden = complete(grid, primary, fixed=fixed)
    except Unprotectable:
        hidden = {(r, c) for r in range(len(keys)) for c in range(width + 1)}
        table.withheld = True
    for r, key in enumerate(keys):
        def cell(c: int, r: int = r, key: str = key) -> Cell:
            if (r, c) in hidden:
                return Cell(None, None, SMALL if (r, c) in primary else COMPLEMENTARY)
            value = grid[r][c]
            return Cell(value, round(100 * value / totals[key], 1) if c < width and totals[key] else None)

        table.groups.append(Group(key, labels[key], cell(width), [cell(c) for c in range(width)]))
