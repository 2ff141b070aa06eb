"""Responses out (CONTRACTS.md "Responses file" and "Exports"): one row per response, oldest first.

`export_rows(survey)` gives the header (`submitted_at`, then one column per question of exported_questions)
and the rows as values for crm.core.tabular's writers: the local time as Verbatim ISO 8601 text, choice names
joined by spaces in choice order, integers and decimals as int/Decimal (text when the stored value is not a
number), other answers as stored. `export_responses(survey, path)` writes the CSV or XLSX file and the audit
entry; `export_download(survey, fmt)` gives the file's bytes for a small download, audited; `write_export` is
the background export (crm.exports) of a large one. CSV lines are written a few thousand at a time, XLSX rows
through XlsxWriter's constant-memory mode (crm.core.tabular.write_xlsx).

The answers are read and placed in columns by surveys.responses.columns (numpy, no Python per answer); here
each distinct cell is converted once (numbers, neutralised and quoted CSV text) and a CSV line is ",".join of
final texts (docs/quality.md "export CSV").
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from itertools import islice, repeat
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.tabular import TableError, Verbatim, neutralize, write_xlsx, xlsx_bytes
from crm.core.timeutil import local_tz
from crm.exports.kinds import ExportKind, register_export
from crm.exports.writers import Progress, write_csv
from surveys.models import UPLOADS, Choice, Question, Response, Survey
from surveys.responses.repeats import (
    EXPORTED_TYPES,
    MAIN_SHEET,
    RESPONSE_ID,
    number_cell,
    repeat_layout,
    repeat_tables,
    sheet_titles,
    sibling_path,
    upload_link,
)

SUBMITTED_AT = "submitted_at"  # the first column; surveys.responses.imports reads it back
CHUNK = 40_000  # answer ids per read when values may be long texts: 5,000 characters (20 KB) each stay below 1 GB
SHORT = 25  # as many times more when every exported question holds short values: option ids, numbers, dates
SHORT_TYPES = ("select_one", "select_multiple", "integer", "decimal", "date", "time", "datetime", "range")
WRITE_EVERY = 5_000  # CSV lines (XLSX rows) between two writes and progress calls
EXPORT_KIND = "respuestas"
AHEAD = 2  # reads waiting to be placed while the next one runs


def exported_questions(survey: Survey) -> list[Question]:
    """The questions with a column in the responses file, in form order: named, answerable or calculated."""
    return [q for q in survey.questions if q.name and q.type in EXPORTED_TYPES]


def local_times(instants: list[datetime], tz: ZoneInfo) -> list[str]:
    """ISO 8601 local times of naive UTC instants: crm.core.timeutil.to_local(at, tz).isoformat() for each."""
    import numpy as np  # on first use (crm.core.display.charts says why: every process would carry it)

    from surveys.responses.columns import local_texts

    return local_texts(np.array(instants, dtype="datetime64[us]"), tz)


# --------------------------------------------------------------------------- values and cells

_number = number_cell


def _quoted(text: str) -> str:
    """`text` as csv.writer writes it with QUOTE_MINIMAL, "," and "\\r\\n": quoted when it holds one of those."""
    if '"' in text:
        return '"' + text.replace('"', '""') + '"'
    if "," in text or "\n" in text or "\r" in text:
        return '"' + text + '"'
    return text


def _csv_text(text: str) -> str:
    return _quoted(neutralize(text))


def csv_field(value: object) -> str:
    """The CSV text of an export value, as crm.core.tabular.csv_bytes writes it (texts neutralised, then quoted)."""
    if isinstance(value, str) and not isinstance(value, Verbatim):
        return _csv_text(value)
    return _quoted(str(value))


def _converter(kind: str, csv_cells: bool) -> Callable[[str], object] | None:
    """What turns one cell of a question (its stored value, or its options' names) into its export value, or
    into its CSV text; None when the cell is the value."""
    if kind in ("integer", "decimal"):
        if csv_cells:
            return lambda value: csv_field(_number(kind, value))
        return lambda value: _number(kind, value)
    if kind in UPLOADS:  # the stored file's key: its staff download address
        return (lambda value: _csv_text(upload_link(value))) if csv_cells else upload_link
    return _csv_text if csv_cells else None


# --------------------------------------------------------------------------- the table

def _table(survey: Survey, csv_cells: bool) -> tuple[list[str], list[str], list[list]]:
    """(header, local times, one cell list per question), in export order. Cells are export values, or CSV
    texts with `csv_cells`.

    The database reads run here while one more thread turns the previous read into arrays and places them
    (and writes the local times first): the driver lets go of the GIL while the database works, so on a
    machine with two cores the two overlap. At most AHEAD reads wait for that thread (memory stays bounded).
    """
    # numpy, on first use
    from surveys.responses.columns import Columns, answer_chunks, chunk, local_texts, responses

    questions = exported_questions(survey)
    layout = repeat_layout(survey.questions)
    if layout:  # a form with repeats: their questions go to their own tables (surveys.responses.repeats)
        inside = {q.id for inner in layout.values() for q in inner}
        questions = [q for q in questions if q.id not in inside]
    header = [SUBMITTED_AT, *([RESPONSE_ID] if layout else []), *(q.name for q in questions)]
    connection = db.session.connection()
    keys, order, instants = responses(connection, survey.id)
    columns: list[list] = [[] for _ in questions]
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export") as helper:
        times = helper.submit(local_texts, instants, local_tz())
        if questions and len(keys):
            choices = connection.execute(select(Choice.id, Choice.position, Choice.name).join(Question)
                                         .where(Question.survey_id == survey.id)).all()
            table = Columns(questions, keys, [tuple(choice) for choice in choices])
            span = CHUNK if any(q.type not in SHORT_TYPES for q in questions) else CHUNK * SHORT
            placed: deque[Future] = deque()
            for read in answer_chunks(connection, [q.id for q in questions], keys, span):
                placed.append(helper.submit(lambda read: table.add(*chunk(read)), read))
                while len(placed) > AHEAD:
                    placed.popleft().result()
            for future in placed:
                future.result()
            for k, question in enumerate(questions):
                columns[k] = _cells(table.column(k), order, question.type, csv_cells)
        times = times.result()
    if layout:
        ids = (keys if order is None else keys[order]).tolist()
        columns.insert(0, list(map(str, ids)) if csv_cells else ids)
    return header, times, columns


def _cells(cells, order, kind: str, csv_cells: bool) -> list:
    """A question's column in export order, each distinct cell converted once."""
    cells = (cells if order is None else cells[order]).tolist()
    convert = _converter(kind, csv_cells)
    if convert is not None:
        converted = {value: convert(value) for value in set(cells)}
        if any(text is not value and text != value for value, text in converted.items()):
            cells = list(map(converted.__getitem__, cells))
    return cells


def export_rows(survey: Survey) -> tuple[list[str], Iterator[list]]:
    """The header and one row per response (oldest first), as the responses import reads them."""
    header, times, columns = _table(survey, csv_cells=False)
    rows = zip(*columns, strict=True) if columns else repeat((), len(times))
    return header, ([Verbatim(at), *row] for at, row in zip(times, rows, strict=True))


def _csv_lines(survey: Survey) -> tuple[str, Iterator[str], int]:
    """(the header line with its CRLF, the data lines without line ends, how many): csv_bytes' text, by columns."""
    header, times, columns = _table(survey, csv_cells=True)
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow(header)
    return head.getvalue(), map(",".join, zip(times, *columns, strict=True)), len(times)


def export_csv_bytes(survey: Survey) -> tuple[bytes, int]:
    """(the CSV file, rows): crm.core.tabular.csv_bytes(*export_rows(survey)) byte for byte, built by columns."""
    head, lines, count = _csv_lines(survey)
    body = "\r\n".join(lines)
    return ("\ufeff" + head + (body + "\r\n" if count else "")).encode("utf-8"), count


def _write_file(survey: Survey, fmt: str, path: Path, progress: Progress | None = None) -> int:
    """The responses file at `path`, written as it is produced: CSV lines WRITE_EVERY at a time, XLSX rows
    through XlsxWriter's constant-memory mode. Returns the number of rows."""
    try:
        if fmt == "xlsx":
            header, rows = export_rows(survey)
            return write_xlsx(path, header, rows, MAIN_SHEET, progress, WRITE_EVERY, more_sheets=_sheets(survey))
        head, lines, count = _csv_lines(survey)
        with open(path, "w", encoding="utf-8-sig", newline="") as handle:
            handle.write(head)
            lines = iter(lines)
            while chunk := list(islice(lines, WRITE_EVERY)):
                handle.write("\r\n".join(chunk) + "\r\n")
                if progress is not None:
                    progress(len(chunk))
        return count
    except OSError as exc:
        raise TableError(f"no se pudo escribir {path}: {exc.strerror or exc}") from None


def _sheets(survey: Survey) -> list[tuple[str, list[str], list[list]]]:
    """The XLSX sheets of the repeats, after the main one (none for a form without repeats)."""
    tables = repeat_tables(survey)
    titles = sheet_titles(name for name, _, _ in tables)
    return [(titles[name], header, rows) for name, header, rows in tables]


def repeat_files(survey: Survey, path: str | Path) -> list[Path]:
    """The CSV files `export_responses` writes beside `path` for the survey's repeats (none for XLSX)."""
    if Path(path).suffix.lower() != ".csv":
        return []
    return [sibling_path(path, repeat) for repeat in repeat_layout(survey.questions)]


def _write_repeat_files(survey: Survey, path: Path) -> None:
    for name, header, rows in repeat_tables(survey):
        target = sibling_path(path, name)
        try:
            write_csv(target, header, rows)
        except OSError as exc:
            raise TableError(f"no se pudo escribir {target}: {exc.strerror or exc}") from None


def export_responses(survey: Survey, path: str | Path, *, actor=None) -> int:
    """Write the responses file (CSV or XLSX by extension); returns the number of rows. Audited. A form with
    repeats also gets, in CSV, one file per repeat beside it (repeat_files); in XLSX, one sheet per repeat."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    count = _write_file(survey, fmt, path)
    if fmt == "csv":
        _write_repeat_files(survey, path)
    audit.record(actor, "surveys.export", survey, {"rows": count, "format": fmt, "code": survey.code})
    db.session.commit()
    return count


def export_download(survey: Survey, fmt: str, *, actor) -> bytes:
    """The responses file as "csv" or "xlsx" bytes, for a download inside the request (small surveys); audited."""
    if fmt == "csv":
        body, count = export_csv_bytes(survey)  # the same bytes as csv_bytes(*export_rows(survey)), faster
    elif repeat_layout(survey.questions):  # one sheet per repeat after the main one
        with tempfile.TemporaryDirectory(prefix="vinculo-xlsx-") as folder:
            target = Path(folder) / "respuestas.xlsx"
            count = _write_file(survey, "xlsx", target)
            body = target.read_bytes()
    else:
        header, rows = export_rows(survey)
        materialized = list(rows)
        body, count = xlsx_bytes(header, materialized, sheet_title=MAIN_SHEET), len(materialized)
    audit.record(actor, "surveys.export", survey, {"format": fmt, "rows": count, "code": survey.code})
    db.session.commit()
    return body


def write_export(params: dict, fmt: str, path: Path, actor, progress: Progress | None = None) -> int:
    """The background export of one survey's responses (crm.exports kind EXPORT_KIND, params {"survey": id})."""
    survey = db.session.get(Survey, int(params.get("survey") or 0))
    if survey is None:
        raise DomainError("La encuesta ya no existe; no se generó el archivo.")
    if fmt == "csv" and repeat_layout(survey.questions):  # the web gives such a form's responses as XLSX
        raise DomainError("La encuesta tiene repeticiones: descargue las respuestas en XLSX (una hoja por "
                          "repetición).")
    count = _write_file(survey, fmt, path, progress)
    audit.record(actor, "surveys.export", survey, {"format": fmt, "rows": count, "code": survey.code})
    db.session.commit()
    return count


def register() -> None:
    """The background export of a survey's responses (crm.exports), called by the composition root."""
    register_export(EXPORT_KIND, ExportKind("Respuestas de una encuesta", write_export))


def count_responses(survey: Survey) -> int:
    """The rows of the survey's export, for choosing between a download inside the request and a job."""
    return db.session.scalar(select(func.count(Response.id)).where(Response.survey_id == survey.id)) or 0
