"""Responses collected elsewhere (CONTRACTS.md, "Responses file" and "Survey logic").

`import_responses(survey, table)` validates every row first and writes all or nothing:
Response(channel="import") + Answer rows. Each problem is a `Problem(row, column, message)` (printed
`row R: COLUMN: message`). `export_rows(survey)` in surveys.responses.export gives the same columns back.

The form's logic applies as on the web (surveys.logic.runtime.FormLogic, built once per file, run on each
row with its submitted_at as now()/today()): a value for a question that is not relevant, an empty relevant
required question, a broken constraint, a choice outside its filter are problems. Calculations are the
platform's: their columns may be left out, and their results are stored. A calculation's cell that differs
from the platform's result is a problem (another version of the form, or another tool computing otherwise:
the stored data would not be the form's), unless the calculation depends on the moment or on chance (now(),
today(), random(), uuid(), once()): then the file's value, computed when the response was collected, is
kept. Metadata columns (start, end, today, deviceid, username) are optional and stored when valid; upload
columns are ignored with a warning (files do not travel in a table).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import insert

from crm.core import audit
from crm.core.errors import ImportProblems, Problem
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.core.timeutil import local_tz, parse_iso_datetime, to_local
from surveys.logic.runtime import FormLogic, State
from surveys.models import ANSWERABLE, CALCULATED, METADATA, UPLOADS, Answer, Question, Response, Survey
from surveys.responses.import_checks import (
    REQUIRED,
    computed_text,
    error_message,
    not_relevant,
    problem_order,
    volatile_calculations,
)
from surveys.responses.import_checks import short as _short
from surveys.responses.import_checks import tree as _tree
from surveys.responses.repeat_import import RepeatTables
from surveys.responses.repeats import RESPONSE_ID, read_tables, repeat_layout
from surveys.values import AnswerError, parse_answer

SUBMITTED_AT = "submitted_at"
EXTRA = "\x00extra"  # crm.core.tabular's key for cells right of the last header
BATCH = 2000
READ = (*ANSWERABLE, *(m for m in METADATA if m != "audit"))  # columns whose cells are answers


class ResponsesImportError(ImportProblems):
    """The responses file has problems; nothing was written."""


@dataclass
class ImportReport:
    imported: int
    dry_run: bool = False
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    submitted_at: datetime
    answers: list[dict]


@dataclass
class _Plan:
    """What the header and the form say, worked out once per file."""

    submitted_col: str | None = None
    columns: list[tuple[str, Question]] = field(default_factory=list)  # cells read as answers
    read: set[str] = field(default_factory=set)  # their names
    computed: list[Question] = field(default_factory=list)  # questions with a calculation
    given: set[str] = field(default_factory=set)  # the computed questions whose column the file has
    logic: FormLogic | None = None
    volatile: set[str] = field(default_factory=set)
    header_required: set[str] = field(default_factory=set)  # a missing column already reported in the header
    names: dict[int, dict[int, str]] = field(default_factory=dict)  # question id -> choice id -> name
    inside: dict[str, str] = field(default_factory=dict)  # question name -> the repeat around it
    id_col: str | None = None  # response_id: links the rows of the repeat tables (forms with repeats)
    repeats: RepeatTables | None = None


def _has_calculation(question: Question) -> bool:
    return question.type in CALCULATED or bool((question.logic or {}).get("calculation"))


def _check_header(questions: list, table: Table, problems: list, warnings: list, inside: dict) -> _Plan:
    by_name = {q.name: q for q in questions if q.name}
    known = [q.name for q in questions if q.name and (q.type in READ or _has_calculation(q)) and q.name not in inside]
    counts = Counter(table.header)
    plan = _Plan(inside=inside)
    reported: set[str] = set()
    for index, name in enumerate(table.header):
        if counts[name] > 1 and name:
            if name not in reported:
                problems.append(Problem(1, name, "la columna está repetida"))
                reported.add(name)
            continue
        if name.lower() == SUBMITTED_AT:
            if plan.submitted_col is not None:
                problems.append(Problem(1, name, "la columna está repetida"))
            plan.submitted_col = name
            continue
        if name.lower() == RESPONSE_ID and inside:
            plan.id_col = name
            continue
        if not name:
            if any(cells.get("", "").strip() for _, cells in table.rows):
                problems.append(Problem(1, f"(columna {index + 1} sin nombre)", "hay datos en una columna sin "
                                    "encabezado"))
            continue
        question = by_name.get(name)
        if question is None:
            close = difflib.get_close_matches(name, [*known, SUBMITTED_AT], n=1, cutoff=0.6)
            hint = f" (¿quiso decir «{close[0]}»?)" if close else ""
            problems.append(Problem(1, _short(name), f"no es una pregunta de esta encuesta{hint}"))
        elif name in inside:
            problems.append(Problem(1, name, f"la pregunta está dentro de la repetición «{inside[name]}»: sus "
                                    "respuestas van en la tabla de la repetición, una fila por instancia"))
        elif _has_calculation(question):
            plan.given.add(name)
        elif question.type in UPLOADS:
            warnings.append(f"la columna {name} es de archivos: los archivos no se importan desde una tabla y la "
                            "columna se ignora")
        elif question.type not in READ:
            problems.append(Problem(1, name, "es una nota o un grupo; no lleva respuestas"))
        else:
            plan.columns.append((name, question))
            plan.read.add(name)
    if plan.submitted_col is None:
        problems.append(Problem(1, SUBMITTED_AT, "falta la columna obligatoria con la fecha y hora de cada "
                            "respuesta"))
    return plan


def _plan(survey: Survey, table: Table, problems: list, warnings: list, repeats: dict | None) -> _Plan:
    # plain copies: the rows read them ~50 times each, the ORM's attributes cost more than the logic
    questions = [SimpleNamespace(id=q.id, type=q.type, name=q.name, required=q.required, logic=q.logic or {},
                                 choices=[SimpleNamespace(id=c.id, name=c.name, labels=c.labels or {},
                                                          extra=c.extra or {}) for c in q.choices])
                 for q in survey.questions]
    layout = repeat_layout(questions)
    inside = {q.name: repeat for repeat, inner in layout.items() for q in inner if q.name}
    plan = _check_header(questions, table, problems, warnings, inside)
    if layout:
        plan.repeats = RepeatTables(questions, layout, repeats or {}, problems, warnings)
        if repeats and plan.id_col is None:
            problems.append(Problem(1, RESPONSE_ID, "falta la columna que liga cada respuesta con las filas de "
                                    "sus repeticiones"))
    logic = FormLogic(questions)
    plan.logic = logic if logic.has_logic else None
    computed = [q for q in questions if q.name and _has_calculation(q)]
    plan.volatile = volatile_calculations(computed)
    plan.computed = [q for q in computed if q.name not in inside]
    plan.names = {q.id: {c.id: c.name for c in q.choices} for _, q in plan.columns
                  if q.type in ("select_one", "select_multiple")}
    conditional = _conditional(logic) if plan.logic else set()
    for q in questions:
        # a missing column is "not answered": for a question required in every row that is an error, as an
        # empty cell is; a question required only in some rows is reported on those rows
        if (q.required and q.type in ANSWERABLE and q.name not in table.header and not _has_calculation(q)
                and q.name not in conditional and q.name not in inside):
            problems.append(Problem(1, q.name, "falta la columna de esta pregunta obligatoria"))
            plan.header_required.add(q.name)
    return plan


def _conditional(logic: FormLogic) -> set[str]:
    """Questions whose requirement depends on the answers: a relevance on them or a group around them, or
    `required` written as an expression."""
    found: set[str] = set()
    for node in logic.order:
        parent = logic.nodes.get(node.parent) if node.parent else None
        if (node.tree("relevant") is not None or node.tree("required") is not None
                or (parent is not None and parent.name in found)):
            found.add(node.name)
    return found


def _read_row(plan: _Plan, number: int, cells: dict, problems: list) -> tuple[dict, dict, set]:
    """-> ({name: answer rows}, {name: the answer as text, as the logic reads it}, {names with a bad value})."""
    answers: dict[str, list[dict]] = {}
    texts: dict[str, str] = {}
    bad: set[str] = set()
    for name, question in plan.columns:
        raw = cells.get(name, "")
        try:
            rows = parse_answer(question, raw)
        except AnswerError as exc:
            problems.append(Problem(number, name, str(exc)))
            bad.add(name)
            texts[name] = raw.strip()  # the logic still sees what the cell says
            continue
        answers[name] = rows
        if not rows:
            continue
        names = plan.names.get(question.id)
        texts[name] = " ".join(names[r["choice_id"]] for r in rows) if names is not None else rows[0]["value"]
    return answers, texts, bad


def _check_logic(plan: _Plan, number: int, texts: dict, bad: set, state: State, problems: list,
                 default_lang: str) -> None:
    """The problems the form's logic finds in one row (a cell already refused for its type is not reported
    again)."""
    logic = plan.logic
    for name, question in plan.columns:
        if name in bad:
            continue
        if texts.get(name) and not state.relevant.get(name, True):
            problems.append(Problem(number, name, not_relevant(logic, name, state)))
            continue
        found = state.errors.get(name)
        if found is None:
            if question.type == "rank" and name in state.allowed and texts.get(name):
                missing = [c for c in state.allowed[name] if c not in texts[name].split()]
                if missing:
                    problems.append(Problem(number, name, f"faltan opciones por ordenar: {', '.join(missing)}"))
            continue
        problems.append(Problem(number, name, error_message(question, found, texts.get(name, ""), state, name,
                                                            default_lang)))
    for name, (code, _) in state.errors.items():  # questions without a column, computed ones included
        if type(name) is tuple or name in plan.read or logic.nodes[name].type not in READ:
            continue  # an instance of a repeat: surveys.responses.repeat_import reports it
        if code == "required" and name not in plan.header_required:
            problems.append(Problem(number, name, "la pregunta es obligatoria en esta fila y el archivo no tiene "
                                    "su columna"))
        elif code == "constraint":
            own = state.message(name, "es", default_lang)
            problems.append(Problem(number, name, f"el valor calculado «{_short(state.calculated.get(name, ''))}» "
                                    f"no cumple la restricción{': ' + own if own else ''}"))


def _computed(plan: _Plan, number: int, cells: dict, state: State | None, problems: list) -> list[dict]:
    """The answer rows of the questions the platform computes, compared with the file's cells."""
    rows: list[dict] = []
    for question in plan.computed:
        name = question.name
        mine = state.calculated.get(name, "") if state is not None else ""
        theirs = cells.get(name, "").strip() if name in plan.given else ""
        if theirs and state is not None and not state.relevant.get(name, True):
            problems.append(Problem(number, name, not_relevant(plan.logic, name, state)))
            continue
        mine, message = computed_text(mine, theirs, name in plan.volatile, _tree(question, "calculation") is not None)
        if message:
            problems.append(Problem(number, name, message))
            continue
        try:  # a calculate row is text; a question with a calculation stores the result as its type says
            rows.extend(parse_answer(question, mine))
        except AnswerError as exc:
            problems.append(Problem(number, name, f"el valor calculado «{_short(mine)}» no es válido: {exc}"))
    return rows


def _submitted(plan: _Plan, number: int, cells: dict, tz, problems: list) -> datetime | None:
    if plan.submitted_col is None:
        return None
    raw_at = cells.get(plan.submitted_col, "")
    if not raw_at.strip():
        problems.append(Problem(number, plan.submitted_col, "falta la fecha y hora de la respuesta"))
        return None
    try:
        return parse_iso_datetime(raw_at, tz)
    except (ValueError, OverflowError):
        problems.append(Problem(number, plan.submitted_col, f"«{_short(raw_at)}» no es una fecha y hora ISO 8601 "
                                "(por ejemplo 2025-02-10T10:00:00-06:00)"))
        return None


def _response_id(plan: _Plan, number: int, cells: dict, seen: dict, problems: list) -> str | None:
    """The main row's response_id (forms with repeats): present, and unique in the file."""
    if plan.id_col is None:
        return None
    rid = cells.get(plan.id_col, "").strip()
    if not rid:
        problems.append(Problem(number, plan.id_col, "falta el response_id que liga la respuesta con sus "
                                "repeticiones"))
        return None
    if rid in seen:
        problems.append(Problem(number, plan.id_col, f"«{_short(rid)}» ya es el response_id de la fila {seen[rid]}"))
        return None
    seen[rid] = number
    return rid


def validate_responses(survey: Survey, table: Table,
                       repeats: dict[str, tuple[str, Table]] | None = None) -> tuple[list[_Row], list[str]]:
    """Every row checked; raises ResponsesImportError with every problem, else the parsed rows and warnings.
    `repeats`: {repeat name: (file or sheet name, its table)} for a form with repeats."""
    problems: list[Problem] = []
    warnings: list[str] = []
    plan = _plan(survey, table, problems, warnings, repeats)
    tz = local_tz()
    lang = survey.default_language or "es"
    parsed: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in table.rows:
        before = len(problems)
        if cells.get(EXTRA):
            problems.append(Problem(number, "(sin encabezado)", "hay datos a la derecha de la última columna"))
        at = _submitted(plan, number, cells, tz, problems)
        answers, texts, bad = _read_row(plan, number, cells, problems)
        rid = _response_id(plan, number, cells, seen, problems)
        instances, counts = plan.repeats.read(rid, texts, bad) if plan.repeats is not None else ([], None)
        state = None
        if plan.logic is not None:
            now = to_local(at, tz) if at is not None else datetime.now(tz)
            state = plan.logic.run(texts, now=now, instances=counts)
            _check_logic(plan, number, texts, bad, state, problems, lang)
        else:
            for name, question in plan.columns:
                if question.required and not answers.get(name, True):
                    problems.append(Problem(number, name, REQUIRED))
        rows = [a for found in answers.values() for a in found]
        rows.extend(_computed(plan, number, cells, state, problems))
        if plan.repeats is not None:
            rows.extend(instances)
            rows.extend(plan.repeats.check(plan.logic, state, number, rid, texts, bad, counts, problems, lang,
                                           plan.volatile))
        if len(problems) == before:
            parsed.append(_Row(number, at, rows))
    if plan.repeats is not None:
        plan.repeats.unclaimed()
    if problems:
        problems.sort(key=problem_order)
        raise ResponsesImportError(problems)
    return parsed, warnings


def import_responses(survey: Survey, table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                     repeats: dict[str, tuple[str, Table]] | None = None) -> ImportReport:
    """Validate the whole table (and the repeats' tables), then store every response in one transaction (or
    none)."""
    rows, warnings = validate_responses(survey, table, repeats)
    for row in rows:
        if not row.answers:
            warnings.append(f"row {row.number}: la fila no tiene respuestas")
    if dry_run:
        return ImportReport(imported=len(rows), dry_run=True, warnings=warnings)
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            params = [{"survey_id": survey.id, "person_id": None, "invitation_id": None,
                       "anonymous": bool(survey.anonymous), "submitted_at": row.submitted_at,
                       "language": survey.default_language or "es", "channel": "import"} for row in batch]
            # Core inserts (one executemany each), not ORM unit of work: imports can be large
            responses = Response.__table__
            ids = db.session.scalars(insert(responses).returning(responses.c.id, sort_by_parameter_order=True),
                                     params).all()
            answer_params = [{"response_id": response_id, "question_id": a["question_id"],
                              "choice_id": a.get("choice_id"), "value": a.get("value"),
                              "instance": a.get("instance", 0)}
                             for response_id, row in zip(ids, batch, strict=True) for a in row.answers]
            if answer_params:
                db.session.execute(insert(Answer.__table__), answer_params)
        audit.record(actor, "surveys.import_responses", survey,
                     {"imported": len(rows), "source": source[:200], "code": survey.code})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return ImportReport(imported=len(rows), warnings=warnings)


def import_responses_file(survey: Survey, path: str | Path, *, dry_run: bool = False, actor=None,
                          repeats: dict[str, str] | None = None) -> ImportReport:
    """The file (and, for a form with repeats, its repeats' sheets or files: surveys.responses.repeats.read_tables)
    through import_responses; TableError when a file cannot be read at all."""
    table, tables, notes = read_tables(path, repeat_layout(survey.questions), repeats)
    report = import_responses(survey, table, dry_run=dry_run, actor=actor, source=Path(path).name,
                              repeats=tables or None)
    report.warnings[:0] = notes
    return report

