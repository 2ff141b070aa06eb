"""Responses out (CONTRACTS.md "Responses file" and "Exports"): one row per response, oldest first.

`export_rows(survey)` gives the header (`submitted_at`, then one column per named answerable question) and
the rows as values for crm.core.tabular's writers: the local time as Verbatim ISO 8601 text, choice names joined
by spaces in choice order, integers and decimals as int/Decimal (text when the stored value is not a number),
other answers as stored. `export_responses(survey, path)` writes the CSV or XLSX file and the audit entry;
`export_download(survey, fmt)` gives the file's bytes for a small download, audited; `write_export` is the
background export (crm.exports) of a large one. Files are written as they are produced: CSV lines a few
thousand at a time, XLSX rows through XlsxWriter's constant-memory mode (crm.core.tabular.write_xlsx).

The export is built by columns, so that no Python code runs per answer (100,000 responses of eight
questions are about 850,000 answers; docs/quality.md "export CSV"):

- one aggregate query per question (per CHUNK answers) returns two strings, the response ids and the values
  of its answers, each joined by SEP (group_concat / string_agg: one scan, the same order in both);
  str.split turns them into lists in C;
- columns are kept in response id order, the order answers are stored in: when a question's response ids
  are exactly the survey's (every response answered once: the usual case) its values are the column as
  they come; otherwise {response: value} is looked up in that order. Two answers to a one-value question,
  or a value holding SEP, take the exact, slower way (one row per answer, the first by id wins, as before);
- each distinct answer is converted once (choice ids to names, numbers, neutralised and quoted CSV text);
- CSV lines are ",".join of cells that already hold their final text, put in export order (submitted_at,
  id) once; local times are computed once per hour of responses (local_times), not once per response.
"""

from __future__ import annotations

import csv
import io
import operator
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from itertools import chain, compress, islice, repeat
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, cast, func, select

from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.tabular import TableError, Verbatim, neutralize, write_xlsx, xlsx_bytes
from crm.core.timeutil import local_tz, to_local
from crm.exports.kinds import ExportKind, register_export
from crm.exports.writers import Progress
from surveys.models import ANSWERABLE, Answer, Choice, Question, Response, Survey

SUBMITTED_AT = "submitted_at"  # the first column; surveys.responses.imports reads it back
SEP = "\x1e"  # ASCII record separator: between the response ids, or the values, of one aggregate string
CHUNK = 40_000  # text answers per aggregate string: at most 5,000 characters (20 KB) each stay below 1 GB
SHORT = 25  # as many times more answers whose values are short: option ids, numbers, dates
SELECT_TYPES = ("select_one", "select_multiple")
WRITE_EVERY = 5_000  # CSV lines (XLSX rows) between two writes and progress calls
EXPORT_KIND = "respuestas"
_HOUR = timedelta(hours=1)
_INSTANT = timedelta(microseconds=1)
_LAST = datetime.max - timedelta(days=2)  # local_times adds an hour to instants up to here


# --------------------------------------------------------------------------- reading the answers

def _chunks(connection: Connection, question_id: int, value, size: int, *where) -> Iterator[tuple[int, str, str]]:
    """(answers, "response␞response␞...", "value␞value␞...") for the question's answers, at most `size` answers
    at a time, in id order: both strings list the same answers in the same order (two aggregates, one scan)."""
    responses_joined, values_joined = (func.aggregate_strings(cast(Answer.response_id, String), SEP),
                                       func.aggregate_strings(value, SEP))
    if connection.dialect.name != "sqlite":  # SQLite (before 3.44) has no ORDER BY in group_concat; its one
        # scan of the question's index feeds both aggregates in id order anyway
        responses_joined = responses_joined.aggregate_order_by(Answer.id)
        values_joined = values_joined.aggregate_order_by(Answer.id)
    total = connection.execute(select(func.count()).where(Answer.question_id == question_id)).scalar()
    after = end = None
    while True:
        bounds = [] if after is None else [Answer.id > after]
        if total > size:  # the size-th answer id after `after` (None when fewer remain)
            end = connection.execute(select(Answer.id).where(Answer.question_id == question_id, *bounds)
                                     .order_by(Answer.id).offset(size - 1).limit(1)).scalar()
        if end is not None:
            bounds.append(Answer.id <= end)
        count, responses, values = connection.execute(
            select(func.count(), responses_joined, values_joined)
            .where(Answer.question_id == question_id, *bounds, *where)).one()
        if count:
            yield count, responses, values
        if end is None:
            return
        after = end


def _cells(connection: Connection, question_id: int, kind: str, keys: list[str], joined_keys: str) -> list[str]:
    """One column in the order of `keys` (response ids as text; `joined_keys` is SEP.join(keys)): the value of
    each response's first answer or, for a choice question, the ids of the options it chose; "" if unanswered."""
    if kind in SELECT_TYPES:
        chunks = _chunks(connection, question_id, cast(Answer.choice_id, String), CHUNK * SHORT,
                         Answer.choice_id.is_not(None))
    else:
        value = func.coalesce(Answer.value, "")
        chunks = _chunks(connection, question_id, value, CHUNK if kind == "text" else CHUNK * SHORT)
    answered: list[str] = []
    values: list[str] = []
    for count, responses, joined in chunks:
        parts = joined.split(SEP)
        if len(parts) != count:  # a value holds the separator
            return _one_by_one(connection, question_id, keys)
        answered.append(responses)
        values += parts
    if SEP.join(answered) == joined_keys:  # every response answered once, stored in response order: usually
        return values
    answered = SEP.join(answered).split(SEP) if values else []
    answers = dict(zip(answered, values, strict=True))
    if len(answers) != len(answered):  # a response answered twice, or chose several options
        if kind not in SELECT_TYPES:
            return _one_by_one(connection, question_id, keys)
        answers = _grouped(answered, values)
    return list(map(answers.get, keys, repeat("")))


def _grouped(answered: list[str], ids: list[str]) -> dict[str, str]:
    """{response: its options' ids joined by spaces} from one (response, id) per chosen option."""
    starts = [True, *map(operator.ne, answered[1:], answered[:-1])]  # where each response's options begin
    responses = list(compress(answered, starts))
    if len(set(responses)) == len(responses):  # each response's options are stored together (as they are)
        separators = map((" ", SEP).__getitem__, starts[1:])  # " " inside a response, SEP between two
        joined = "".join(chain.from_iterable(zip(ids, chain(separators, ("",)), strict=True)))
        return dict(zip(responses, joined.split(SEP), strict=True))
    grouped: dict[str, str] = {}
    for key, choice_id in zip(answered, ids, strict=True):
        grouped[key] = grouped[key] + " " + choice_id if key in grouped else choice_id
    return grouped


def _one_by_one(connection: Connection, question_id: int, keys: list[str]) -> list[str]:
    """The exact, slower way for values: one row per answer, the first answer by id wins."""
    rows = connection.execute(select(cast(Answer.response_id, String), func.coalesce(Answer.value, ""))
                              .where(Answer.question_id == question_id).order_by(Answer.id.desc()))
    answers = {key: value for key, value in rows}  # later rows have lower ids: the first answer stays
    return list(map(answers.get, keys, repeat("")))


def _responses(connection: Connection, survey_id: int) -> tuple[list[str], list[datetime], list[int] | None]:
    """(the survey's response ids as text, in id order; the submission instants in export order (submitted_at,
    id); the export position of each response in id order, or None when both orders agree).

    The columns are built in id order, the order answers are stored in, so that the look-ups run through
    memory in order; the rows are put in export order once, at the end (_in_export_order).
    """
    result = connection.execute(select(Response.id, Response.submitted_at).where(Response.survey_id == survey_id)
                                .order_by(Response.submitted_at, Response.id))
    try:  # the driver's rows: 100,000 Row objects and datetime conversions cost more than the whole CSV
        rows = result.cursor.fetchall()
    finally:
        result.close()
    ids = [response_id for response_id, _ in rows]
    instants = [at for _, at in rows]
    if instants and isinstance(instants[0], str):  # SQLite returns the stored text
        instants = list(map(datetime.fromisoformat, instants))
    if all(map(operator.lt, ids, ids[1:])):
        return list(map(str, ids)), instants, None
    return list(map(str, sorted(ids))), instants, sorted(range(len(ids)), key=ids.__getitem__)


def _in_export_order(items: Iterable, positions: list[int] | None) -> list:
    """Items given in response id order, put in export order (`positions` from _responses)."""
    if positions is None:
        return list(items)
    out: list = [None] * len(positions)
    deque(map(out.__setitem__, positions, items), maxlen=0)
    return out


# --------------------------------------------------------------------------- values and cells

def _number(kind: str, value: str) -> object:
    try:
        return int(value) if kind == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        return value


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


def _converter(question: Question, choices: dict[int, tuple[int, str]],
               csv_cells: bool) -> Callable[[str], object] | None:
    """What turns one stored answer of the question (choice ids for select questions) into its export value,
    or into its CSV text; None when the stored text is the value."""
    kind = question.type
    typed: Callable[[str], object] | None = None
    if kind in SELECT_TYPES:
        def typed(ids: str) -> str:  # any option of the survey counts (as it always did); unknown ones do not
            return " ".join(name for _, name in sorted(choices.get(int(i), (0, "")) for i in ids.split()) if name)
    elif kind in ("integer", "decimal"):
        def typed(value: str) -> object:
            return _number(kind, value)
    if not csv_cells:
        return typed
    if typed is None:
        return _csv_text
    return lambda value: csv_field(typed(value))


def _offset(at: datetime, tz: ZoneInfo) -> timedelta | None:
    """The UTC offset of `tz` at the naive UTC instant `at`."""
    return at.replace(tzinfo=UTC).astimezone(tz).utcoffset()


def local_times(instants: list[datetime], tz: ZoneInfo) -> list[str]:
    """ISO 8601 local times of naive UTC instants: crm.core.timeutil.to_local(at, tz).isoformat() for each.

    For ascending instants the UTC offset is looked up once per hour that holds some, not once per instant:
    when the offset is the same at two moments one hour apart, no transition lies between them (no time
    zone changes its offset twice within an hour), so a run of instants with one offset is formatted at once
    as `instant + offset` and the offset's suffix.
    """
    if not all(map(operator.le, instants, instants[1:])) or (instants and instants[-1] > _LAST):
        return [to_local(at, tz).isoformat() for at in instants]
    out: list[str] = []
    start = 0  # the first instant of the current run
    offset: timedelta | None = None  # the run's offset, checked up to `bound`
    suffix = ""
    bound = datetime.min
    checked = False  # whether the offset is known to hold at `bound` itself

    def finish(stop: int) -> None:
        shifted = map(operator.add, instants[start:stop], repeat(offset))
        out.extend(map(operator.add, map(datetime.isoformat, shifted), repeat(suffix)))

    for index, at in enumerate(instants):
        if at < bound:
            continue
        if checked and at - bound < _HOUR and _offset(bound + _HOUR, tz) == offset:
            bound += _HOUR
            continue
        local = at.replace(tzinfo=UTC).astimezone(tz)
        if local.utcoffset() != offset:
            finish(index)
            start, offset = index, local.utcoffset()
            suffix = local.isoformat()[len(local.replace(tzinfo=None).isoformat()):]
        # the offset holds for the hour after `at`, or (a transition in that hour) only at `at` itself
        checked = _offset(at + _HOUR, tz) == offset
        bound = at + _HOUR if checked else at + _INSTANT
    finish(len(instants))
    return out


# --------------------------------------------------------------------------- the table

def _table(survey: Survey, csv_cells: bool) -> tuple[list[str], list[str], list[list], list[int] | None]:
    """(header, local times in export order, one cell list per question in response id order, and the export
    positions of _responses). Cells are export values, or CSV texts with `csv_cells`."""
    questions = [q for q in survey.questions if q.type in ANSWERABLE and q.name]
    header = [SUBMITTED_AT, *(q.name for q in questions)]
    connection = db.session.connection()
    choices = {cid: (position, name) for cid, position, name in connection.execute(
        select(Choice.id, Choice.position, Choice.name).join(Question).where(Question.survey_id == survey.id))}
    keys, instants, positions = _responses(connection, survey.id)
    joined_keys = SEP.join(keys)
    columns = []
    for question in questions:
        cells = _cells(connection, question.id, question.type, keys, joined_keys)
        convert = _converter(question, choices, csv_cells)
        if convert is not None:  # each distinct answer once
            converted = {value: convert(value) for value in set(cells)}
            if any(text is not value and text != value for value, text in converted.items()):
                cells = list(map(converted.__getitem__, cells))
        columns.append(cells)
    return header, local_times(instants, local_tz()), columns, positions


def export_rows(survey: Survey) -> tuple[list[str], Iterator[list]]:
    """The header and one row per response (oldest first), as the responses import reads them."""
    header, times, columns, positions = _table(survey, csv_cells=False)
    rows = _in_export_order(zip(*columns, strict=True), positions) if columns else [()] * len(times)
    return header, ([Verbatim(at), *row] for at, row in zip(times, rows, strict=True))


def _csv_lines(survey: Survey) -> tuple[str, Iterable[str], int]:
    """(the header line with its CRLF, the data lines without line ends, how many): csv_bytes' text, by columns."""
    header, times, columns, positions = _table(survey, csv_cells=True)
    head = io.StringIO()
    csv.writer(head, lineterminator="\r\n").writerow(header)
    if not columns:
        lines: Iterable[str] = times
    elif positions is None:
        lines = map(",".join, zip(times, *columns, strict=True))
    else:  # the answers' cells joined in id order, then put in export order
        answers = _in_export_order(map(",".join, zip(*columns, strict=True)), positions)
        lines = map(",".join, zip(times, answers, strict=True))
    return head.getvalue(), lines, len(times)


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
            return write_xlsx(path, header, rows, "respuestas", progress, WRITE_EVERY)
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


def export_responses(survey: Survey, path: str | Path, *, actor=None) -> int:
    """Write the responses file (CSV or XLSX by extension); returns the number of rows. Audited."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    count = _write_file(survey, fmt, path)
    audit.record(actor, "surveys.export", survey, {"rows": count, "format": fmt, "code": survey.code})
    db.session.commit()
    return count


def export_download(survey: Survey, fmt: str, *, actor) -> bytes:
    """The responses file as "csv" or "xlsx" bytes, for a download inside the request (small surveys); audited."""
    if fmt == "csv":
        body, count = export_csv_bytes(survey)  # the same bytes as csv_bytes(*export_rows(survey)), faster
    else:
        header, rows = export_rows(survey)
        materialized = list(rows)
        body, count = xlsx_bytes(header, materialized, sheet_title="respuestas"), len(materialized)
    audit.record(actor, "surveys.export", survey, {"format": fmt, "rows": count, "code": survey.code})
    db.session.commit()
    return body


def write_export(params: dict, fmt: str, path: Path, actor, progress: Progress | None = None) -> int:
    """The background export of one survey's responses (crm.exports kind EXPORT_KIND, params {"survey": id})."""
    survey = db.session.get(Survey, int(params.get("survey") or 0))
    if survey is None:
        raise DomainError("La encuesta ya no existe; no se generó el archivo.")
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
