"""Responses in and out (CONTRACTS.md, "Responses file" and "Exports").

`import_responses(survey, table)` validates every row first and writes all or nothing:
Response(channel="import") + Answer rows. Problems are `row R: COLUMN: message`.
`export_rows(survey)` gives the same columns back: submitted_at, then one per question.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import insert, select

from crm import audit
from crm.errors import ImportProblems
from crm.extensions import db
from crm.tabular import Table, TableError, Verbatim, read_table, write_table
from crm.timeutil import local_tz, parse_iso_datetime, to_local
from surveys.models import ANSWERABLE, Answer, Choice, Question, Response, Survey
from surveys.values import AnswerError, parse_answer

SUBMITTED_AT = "submitted_at"
EXTRA = "\x00extra"  # crm.tabular's key for cells right of the last header
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
                problems.append((1, f"row 1: {name}: la columna está repetida"))
                reported.add(name)
            continue
        if name.lower() == SUBMITTED_AT:
            if submitted_col is not None:
                problems.append((1, f"row 1: {name}: la columna está repetida"))
            submitted_col = name
            continue
        if not name:
            if any(cells.get("", "").strip() for _, cells in table.rows):
                problems.append((1, f"row 1: {_column_label(name, index)}: hay datos en una columna sin "
                                    "encabezado"))
            continue
        question = by_name.get(name)
        if question is None:
            close = difflib.get_close_matches(name, [*answerable, SUBMITTED_AT], n=1, cutoff=0.6)
            hint = f" (¿quiso decir «{close[0]}»?)" if close else ""
            problems.append((1, f"row 1: {_short(name)}: no es una pregunta de esta encuesta{hint}"))
        elif question.type not in ANSWERABLE:
            problems.append((1, f"row 1: {name}: es una nota o un grupo; no lleva respuestas"))
        else:
            columns.append((name, question))
    if submitted_col is None:
        problems.append((1, f"row 1: {SUBMITTED_AT}: falta la columna obligatoria con la fecha y hora de cada "
                            "respuesta"))
    return submitted_col, columns


def validate_responses(survey: Survey, table: Table) -> tuple[list[_Row], list[str]]:
    """Every row checked; raises ResponsesImportError with every problem, else the parsed rows and warnings."""
    problems: list[tuple[int, str]] = []
    warnings: list[str] = []
    submitted_col, columns = _check_header(survey, table, problems)
    for q in survey.questions:
        # a missing column is "not answered": for a required question that is an error, as an empty cell is
        if q.required and q.type in ANSWERABLE and q.name not in table.header:
            problems.append((1, f"row 1: {q.name}: falta la columna de esta pregunta obligatoria"))
    tz = local_tz()
    parsed: list[_Row] = []
    for number, cells in table.rows:
        row_ok = True
        if cells.get(EXTRA):
            problems.append((number, f"row {number}: (sin encabezado): hay datos a la derecha de la última columna"))
            row_ok = False
        at = None
        if submitted_col is not None:
            raw_at = cells.get(submitted_col, "")
            if not raw_at.strip():
                problems.append((number, f"row {number}: {submitted_col}: falta la fecha y hora de la respuesta"))
            else:
                try:
                    at = parse_iso_datetime(raw_at, tz)
                except (ValueError, OverflowError):
                    problems.append((number, f"row {number}: {submitted_col}: «{_short(raw_at)}» no es una fecha y "
                                             "hora ISO 8601 (por ejemplo 2025-02-10T10:00:00-06:00)"))
        answers: list[dict] = []
        for name, question in columns:
            raw = cells.get(name, "")
            try:
                rows = parse_answer(question, raw)
            except AnswerError as exc:
                problems.append((number, f"row {number}: {name}: {exc}"))
                row_ok = False
                continue
            if not rows and question.required:
                problems.append((number, f"row {number}: {name}: la pregunta es obligatoria y la celda está vacía"))
                row_ok = False
            answers.extend(rows)
        if at is not None and row_ok:
            parsed.append(_Row(number, at, answers))
    if problems:
        problems.sort(key=lambda p: p[0])
        raise ResponsesImportError([line for _, line in problems])
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


# --------------------------------------------------------------------------- export

def _number(kind: str, value: str | None) -> object:
    if value is None:
        return ""
    try:
        return int(value) if kind == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        return value


def export_rows(survey: Survey) -> tuple[list[str], Iterator[list]]:
    """The header and one row per response (oldest first), as the responses import reads them."""
    questions = [q for q in survey.questions if q.type in ANSWERABLE and q.name]
    header = [SUBMITTED_AT, *(q.name for q in questions)]
    column = {q.id: index for index, q in enumerate(questions)}
    kinds = {q.id: q.type for q in questions}
    choices = {cid: (pos, name) for cid, pos, name in db.session.execute(
        select(Choice.id, Choice.position, Choice.name).join(Question).where(Question.survey_id == survey.id))}
    responses = db.session.execute(
        select(Response.id, Response.submitted_at).where(Response.survey_id == survey.id)
        .order_by(Response.submitted_at, Response.id)).all()
    answers: dict[int, dict[int, list]] = {}
    for response_id, question_id, choice_id, value in db.session.execute(
            select(Answer.response_id, Answer.question_id, Answer.choice_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id).order_by(Answer.response_id, Answer.id)):
        if question_id in column:
            answers.setdefault(response_id, {}).setdefault(question_id, []).append(
                choices.get(choice_id, (0, "")) if choice_id is not None else value)
    tz = local_tz()

    def rows() -> Iterator[list]:
        for response_id, submitted_at in responses:
            row: list[object] = [Verbatim(to_local(submitted_at, tz).isoformat())] + [""] * len(questions)
            for question_id, values in answers.get(response_id, {}).items():
                kind = kinds[question_id]
                if kind in ("select_one", "select_multiple"):
                    cell: object = " ".join(name for _, name in sorted(values) if name)
                elif kind in ("integer", "decimal"):
                    cell = _number(kind, values[0])
                else:
                    cell = values[0] if values[0] is not None else ""
                row[column[question_id] + 1] = cell
            yield row

    return header, rows()


def export_responses(survey: Survey, path: str | Path, *, actor=None) -> int:
    """Write the responses file (CSV or XLSX by extension); returns the number of rows. Audited."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    header, rows = export_rows(survey)
    materialized = list(rows)
    try:
        write_table(path, header, materialized)
    except OSError as exc:
        raise TableError(f"no se pudo escribir {path}: {exc.strerror or exc}") from None
    audit.record(actor, "surveys.export", survey,
                 {"rows": len(materialized), "format": path.suffix.lower().lstrip("."), "code": survey.code})
    db.session.commit()
    return len(materialized)
