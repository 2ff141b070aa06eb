"""Responses collected elsewhere (CONTRACTS.md, "Responses file").

`import_responses(survey, table)` validates every row first and writes all or nothing:
Response(channel="import") + Answer rows. Each problem is a `Problem(row, column, message)` (printed
`row R: COLUMN: message`). `export_rows(survey)` in surveys.responses.export gives the same columns back:
submitted_at, then one per question.
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from crm.core import audit
from crm.core.errors import ImportProblems, Problem
from crm.core.extensions import db
from crm.core.tabular import Table, read_table
from crm.core.timeutil import local_tz, parse_iso_datetime
from surveys.models import ANSWERABLE, Answer, Question, Response, Survey
from surveys.values import AnswerError, parse_answer

SUBMITTED_AT = "submitted_at"
EXTRA = "\x00extra"  # crm.core.tabular's key for cells right of the last header
BATCH = 2000


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


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _column_label(name: str, index: int) -> str:
    return name if name else f"(columna {index + 1} sin nombre)"


def _check_header(survey: Survey, table: Table, problems: list) -> tuple[str | None, list[tuple[str, Question]]]:
    """-> (the submitted_at column as written, [(column, question)] to read)."""
    by_name = {q.name: q for q in survey.questions if q.name}
    answerable = [q.name for q in survey.questions if q.name and q.type in ANSWERABLE]
    counts = Counter(table.header)
    submitted_col = None
    columns: list[tuple[str, Question]] = []
    reported: set[str] = set()
    for index, name in enumerate(table.header):
        if counts[name] > 1 and name:
            if name not in reported:
                problems.append(Problem(1, name, "la columna está repetida"))
                reported.add(name)
            continue
        if name.lower() == SUBMITTED_AT:
            if submitted_col is not None:
                problems.append(Problem(1, name, "la columna está repetida"))
            submitted_col = name
            continue
        if not name:
            if any(cells.get("", "").strip() for _, cells in table.rows):
                problems.append(Problem(1, _column_label(name, index), "hay datos en una columna sin "
                                    "encabezado"))
            continue
        question = by_name.get(name)
        if question is None:
            close = difflib.get_close_matches(name, [*answerable, SUBMITTED_AT], n=1, cutoff=0.6)
            hint = f" (¿quiso decir «{close[0]}»?)" if close else ""
            problems.append(Problem(1, _short(name), f"no es una pregunta de esta encuesta{hint}"))
        elif question.type not in ANSWERABLE:
            problems.append(Problem(1, name, "es una nota o un grupo; no lleva respuestas"))
        else:
            columns.append((name, question))
    if submitted_col is None:
        problems.append(Problem(1, SUBMITTED_AT, "falta la columna obligatoria con la fecha y hora de cada "
                            "respuesta"))
    return submitted_col, columns


def validate_responses(survey: Survey, table: Table) -> tuple[list[_Row], list[str]]:
    """Every row checked; raises ResponsesImportError with every problem, else the parsed rows and warnings."""
    problems: list[Problem] = []
    warnings: list[str] = []
    submitted_col, columns = _check_header(survey, table, problems)
    for q in survey.questions:
        # a missing column is "not answered": for a required question that is an error, as an empty cell is
        if q.required and q.type in ANSWERABLE and q.name not in table.header:
            problems.append(Problem(1, q.name, "falta la columna de esta pregunta obligatoria"))
    tz = local_tz()
    parsed: list[_Row] = []
    for number, cells in table.rows:
        row_ok = True
        if cells.get(EXTRA):
            problems.append(Problem(number, "(sin encabezado)", "hay datos a la derecha de la última columna"))
            row_ok = False
        at = None
        if submitted_col is not None:
            raw_at = cells.get(submitted_col, "")
            if not raw_at.strip():
                problems.append(Problem(number, submitted_col, "falta la fecha y hora de la respuesta"))
            else:
                try:
                    at = parse_iso_datetime(raw_at, tz)
                except (ValueError, OverflowError):
                    problems.append(Problem(number, submitted_col, f"«{_short(raw_at)}» no es una fecha y "
                                             "hora ISO 8601 (por ejemplo 2025-02-10T10:00:00-06:00)"))
        answers: list[dict] = []
        for name, question in columns:
            raw = cells.get(name, "")
            try:
                rows = parse_answer(question, raw)
            except AnswerError as exc:
                problems.append(Problem(number, name, str(exc)))
                row_ok = False
                continue
            if not rows and question.required:
                problems.append(Problem(number, name, "la pregunta es obligatoria y la celda está vacía"))
                row_ok = False
            answers.extend(rows)
        if at is not None and row_ok:
            parsed.append(_Row(number, at, answers))
    if problems:
        problems.sort(key=lambda p: p.row)
        raise ResponsesImportError(problems)
    return parsed, warnings


def import_responses(survey: Survey, table: Table, *, dry_run: bool = False, actor=None,
                     source: str = "") -> ImportReport:
    """Validate the whole table, then store every response in one transaction (or none)."""
    rows, warnings = validate_responses(survey, table)
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
                              "choice_id": a.get("choice_id"), "value": a.get("value")}
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


def import_responses_file(survey: Survey, path: str | Path, *, dry_run: bool = False, actor=None) -> ImportReport:
    """read_table + import_responses; TableError when the file cannot be read at all."""
    table = read_table(path)
    return import_responses(survey, table, dry_run=dry_run, actor=actor, source=Path(path).name)

