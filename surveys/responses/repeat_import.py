"""The repeat files of a responses import (README "Responses of forms with repeats and file questions").

Each repeat of the form may come as a table of its own (a CSV file, or a sheet of the main workbook named after
the repeat): `response_id` (the main file's `response_id` of the response the row belongs to), optionally
`instance` (a whole number from 1; the instances of a response are numbered 1, 2, ... in its order, else in
the file's order), then the repeat's question columns. `RepeatTables` checks their headers and rows, gives each
main row its instances' answers and texts, and reports the logic's verdict on each instance at the row of the
repeat file that holds it: `FILE row R: COLUMN: message`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from crm.core.errors import Problem
from crm.core.tabular import Table
from surveys.logic.runtime import FormLogic, State
from surveys.models import ANSWERABLE, CALCULATED, MAX_INSTANCES, METADATA, UPLOADS
from surveys.responses.import_checks import (
    PlacedProblem,
    computed_text,
    error_message,
    not_relevant,
    short,
    tree,
)
from surveys.responses.repeats import INSTANCE, RESPONSE_ID
from surveys.values import AnswerError, parse_answer

EXTRA = "\x00extra"  # crm.core.tabular's key for cells right of the last header
READ = (*ANSWERABLE, *(m for m in METADATA if m != "audit"))


def _has_calculation(question) -> bool:
    return question.type in CALCULATED or bool((question.logic or {}).get("calculation"))


@dataclass
class _Repeat:
    name: str
    where: str  # the file's name or the sheet's, before each of its problems
    columns: list = field(default_factory=list)  # (name, question) read as answers
    given: set = field(default_factory=set)  # calculated questions whose column the file has
    computed: list = field(default_factory=list)  # the repeat's calculated questions
    instance_col: str | None = None
    id_col: str | None = None
    rows: dict = field(default_factory=dict)  # response id -> [(row number, cells)], in instance order
    used: set = field(default_factory=set)  # the response ids a main row claimed


class RepeatTables:
    """The repeat tables of one import, checked once; `instances(rid)` for each main row."""

    def __init__(self, questions: list, layout: dict, tables: dict[str, tuple[str, Table]], problems: list,
                 warnings: list):
        self.problems = problems
        self.repeats: dict[str, _Repeat] = {}
        self.owner: dict[str, _Repeat] = {}  # question name -> its repeat's table
        for name, (where, table) in tables.items():
            if name not in layout:
                known = ", ".join(layout) or "ninguna"
                problems.append(PlacedProblem(None, None, f"«{short(name)}» no es una repetición de esta encuesta "
                                              f"(repeticiones: {known})", where))
                continue
            repeat = self.repeats[name] = _Repeat(name, where)
            self._header(repeat, [q for q in layout[name] if q.name], table, warnings)
            self._rows(repeat, table)
            for _, question in repeat.columns:
                self.owner[question.name] = repeat
            for question in repeat.computed:
                self.owner[question.name] = repeat

    def _problem(self, repeat: _Repeat, row: int | None, column: str | None, message: str) -> None:
        self.problems.append(PlacedProblem(row, column, message, repeat.where))

    def _header(self, repeat: _Repeat, inner: list, table: Table, warnings: list) -> None:
        by_name = {q.name: q for q in inner}
        counts = Counter(table.header)
        repeat.computed = [q for q in inner if _has_calculation(q)]
        for column in table.header:
            lowered = column.lower()
            question = by_name.get(column)
            if counts[column] > 1 and column:
                self._problem(repeat, 1, column, "la columna está repetida")
            elif lowered == RESPONSE_ID:
                repeat.id_col = column
            elif lowered == INSTANCE:
                repeat.instance_col = column
            elif not column:
                continue
            elif question is None:
                self._problem(repeat, 1, short(column), f"no es una pregunta de la repetición «{repeat.name}»")
            elif _has_calculation(question):
                repeat.given.add(column)
            elif question.type in UPLOADS:
                warnings.append(f"{repeat.where}: la columna {column} es de archivos: los archivos no se importan "
                                "desde una tabla y la columna se ignora")
            elif question.type not in READ:
                self._problem(repeat, 1, column, "es una nota o un grupo; no lleva respuestas")
            else:
                repeat.columns.append((column, question))
        if repeat.id_col is None:
            self._problem(repeat, 1, RESPONSE_ID, "falta la columna que liga cada fila con su respuesta en el "
                          "archivo principal")

    def _rows(self, repeat: _Repeat, table: Table) -> None:
        if repeat.id_col is None:
            return
        found: dict[str, list] = {}
        for number, cells in table.rows:
            if cells.get(EXTRA):
                self._problem(repeat, number, "(sin encabezado)", "hay datos a la derecha de la última columna")
            rid = cells.get(repeat.id_col, "").strip()
            if not rid:
                self._problem(repeat, number, repeat.id_col, "falta el response_id de la respuesta")
                continue
            order = max((o for o, _, _ in found.get(rid, ())), default=0) + 1  # an empty cell: the next one
            raw = cells.get(repeat.instance_col, "").strip() if repeat.instance_col is not None else ""
            if raw:
                if not raw.isdigit() or not 1 <= int(raw) <= MAX_INSTANCES:
                    self._problem(repeat, number, repeat.instance_col, f"«{short(raw)}» no es un número de "
                                  f"instancia (un entero de 1 a {MAX_INSTANCES})")
                    continue
                order = int(raw)
                twin = next((n for o, n, _ in found.get(rid, ()) if o == order), None)
                if twin is not None:
                    self._problem(repeat, number, repeat.instance_col, f"la respuesta «{short(rid)}» ya tiene la "
                                  f"instancia {order} (fila {twin})")
                    continue
            found.setdefault(rid, []).append((order, number, cells))
        for rid, entries in found.items():
            if len(entries) > MAX_INSTANCES:
                self._problem(repeat, entries[MAX_INSTANCES][1], repeat.id_col, f"la respuesta «{short(rid)}» "
                              f"tiene más de {MAX_INSTANCES} instancias")
            repeat.rows[rid] = [(number, cells) for _, number, cells in sorted(entries, key=lambda e: e[0])]

    # --- one main row ------------------------------------------------------------------------------

    def read(self, rid: str | None, texts: dict, bad: set) -> tuple[list[dict], dict[str, int]]:
        """The answer rows of response `rid`'s instances (each with its `instance`), their texts added to
        `texts` (a list per question), the keys of refused cells added to `bad`; -> (rows, instances)."""
        answers: list[dict] = []
        counts: dict[str, int] = {}
        for repeat in self.repeats.values():
            entries = repeat.rows.get(rid, []) if rid else []
            if rid:
                repeat.used.add(rid)
            counts[repeat.name] = len(entries)
            for name, _ in repeat.columns:
                texts[name] = [""] * len(entries)
            for index, (number, cells) in enumerate(entries, start=1):
                for name, question in repeat.columns:
                    raw = cells.get(name, "")
                    try:
                        rows = parse_answer(question, raw)
                    except AnswerError as exc:
                        self._problem(repeat, number, name, str(exc))
                        bad.add((name, index))
                        texts[name][index - 1] = raw.strip()
                        continue
                    if rows:
                        texts[name][index - 1] = _text(question, rows)
                    answers.extend({**row, "instance": index} for row in rows)
        return answers, counts

    def check(self, logic: FormLogic | None, state: State | None, row: int, rid: str | None, texts: dict,
              bad: set, given: dict[str, int], problems: list, default_lang: str, volatile: set) -> list[dict]:
        """The logic's problems on response `rid`'s instances; -> the answer rows of their calculations."""
        if state is None:  # no logic: a required question needs its cell in each instance
            for repeat in self.repeats.values():
                for index, (number, _) in enumerate(repeat.rows.get(rid, []) if rid else [], start=1):
                    for name, question in repeat.columns:
                        if question.required and not texts[name][index - 1] and (name, index) not in bad:
                            self._problem(repeat, number, name, "la pregunta es obligatoria y la celda está vacía")
            return []
        for name, count in state.counts.items():
            if count == given.get(name, 0) or (self.repeats and rid is None):  # a bad link is reported already
                continue
            src = (logic.nodes[name].logic.get("repeat_count") or {}).get("src", "")
            has = "el archivo de la repetición tiene" if name in self.repeats else "no se dio su tabla: tiene"
            problems.append(Problem(row, name, f"la repetición debe tener {count} instancia(s) (repeat_count: "
                                    f"{short(src, 80)}) y {has} {given.get(name, 0)}"))
        stored: list[dict] = []
        for repeat in self.repeats.values():
            entries = repeat.rows.get(rid, []) if rid else []
            for index, (number, cells) in enumerate(entries[:state.counts.get(repeat.name, 0)], start=1):
                self._instance(logic, state, repeat, index, number, texts, bad, default_lang)
                stored.extend(self._computed(logic, state, repeat, index, number, cells, volatile))
        return stored

    def _instance(self, logic, state, repeat, index, number, texts, bad, default_lang) -> None:
        for name, question in repeat.columns:
            key = (name, index)
            if key in bad:
                continue
            text = texts[name][index - 1]
            if text and not state.relevant.get(key, True):
                self._problem(repeat, number, name, not_relevant(logic, name, state, index))
                continue
            found = state.errors.get(key)
            if found is not None:
                self._problem(repeat, number, name, error_message(question, found, text, state, key, default_lang))
        for question in repeat.computed:
            found = state.errors.get((question.name, index))
            if found is not None and found[0] == "constraint":
                self._problem(repeat, number, question.name, f"el valor calculado "
                              f"«{short(state.calculated.get((question.name, index), ''))}» no cumple la restricción")

    def _computed(self, logic, state, repeat, index, number, cells, volatile) -> list[dict]:
        rows: list[dict] = []
        for question in repeat.computed:
            name, key = question.name, (question.name, index)
            theirs = cells.get(name, "").strip() if name in repeat.given else ""
            if theirs and not state.relevant.get(key, True):
                self._problem(repeat, number, name, not_relevant(logic, name, state, index))
                continue
            text, message = computed_text(state.calculated.get(key, ""), theirs, name in volatile,
                                          tree(question, "calculation") is not None)
            if message:
                self._problem(repeat, number, name, message)
                continue
            try:
                rows.extend({**row, "instance": index} for row in parse_answer(question, text))
            except AnswerError as exc:
                self._problem(repeat, number, name, f"el valor calculado «{short(text)}» no es válido: {exc}")
        return rows

    def unclaimed(self) -> None:
        """Rows whose response_id no main row has."""
        for repeat in self.repeats.values():
            for rid, entries in repeat.rows.items():
                if rid not in repeat.used:
                    for number, _ in entries:
                        self._problem(repeat, number, repeat.id_col, f"«{short(rid)}» no es el response_id de "
                                      "ninguna fila del archivo principal")


def _text(question, rows: list[dict]) -> str:
    """An answer's text as the logic reads it: choice names joined by spaces, or the value."""
    if question.type in ("select_one", "select_multiple"):
        names = {c.id: c.name for c in question.choices}
        return " ".join(names[r["choice_id"]] for r in rows)
    return rows[0]["value"]
