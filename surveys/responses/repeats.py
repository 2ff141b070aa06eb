"""Responses of forms with repeats in tables (README "Responses of forms with repeats and file questions").

A form with repeats is exported as a main table (one row per response, `response_id` right after
`submitted_at`, the questions outside repeats) and one long table per repeat: `response_id`, `instance`
(1, 2, ... within the response), then the repeat's question columns, one row per instance. In XLSX the main
table is the first sheet and each repeat a sheet named after it (`sheet_titles`); in CSV each repeat is a
sibling file `<stem>-<repeat>.csv` (`sibling_path`). The responses import reads the same shapes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from crm.core.extensions import db
from crm.core.tabular import Table, open_xlsx, read_file_bytes, read_table, stream_xlsx_bytes
from surveys.models import ANSWERABLE, CALCULATED, UPLOADS, Answer, Choice, Question, Response, Survey
from surveys.uploads.access import upload_url
from surveys.uploads.storage import InvalidUploadKey

RESPONSE_ID = "response_id"
INSTANCE = "instance"
MAIN_SHEET = "respuestas"
EXPORTED_TYPES = (*ANSWERABLE, *CALCULATED, *UPLOADS)  # the question types that have a column (when named)
SHEET_TITLE = 31  # Excel's limit on a sheet's name


def repeat_layout(questions: Iterable) -> dict[str, list]:
    """{repeat name: the questions inside it, groups included, in form order} for a survey's questions (any
    objects with `type` and `name`, in form order); empty for a form without repeats."""
    layout: dict[str, list] = {}
    stack: list[tuple[str, str]] = []  # (type, name) of the open groups and repeats
    for question in questions:
        if question.type in ("end_group", "end_repeat"):
            if stack:
                stack.pop()
            continue
        inside = next((name for kind, name in stack if kind == "begin_repeat"), None)
        if inside is not None:
            layout[inside].append(question)
        if question.type in ("begin_group", "begin_repeat"):
            stack.append((question.type, question.name or ""))
            if question.type == "begin_repeat" and inside is None and question.name:
                layout[question.name] = []
    return layout


def exported_in_repeats(survey: Survey) -> dict[str, list[Question]]:
    """{repeat: its questions with a column}, in form order; empty for a form without repeats."""
    return {repeat: [q for q in inner if q.name and q.type in EXPORTED_TYPES]
            for repeat, inner in repeat_layout(survey.questions).items()}


def sheet_titles(repeats: Iterable[str]) -> dict[str, str]:
    """Each repeat's sheet name: its name cut to Excel's 31 characters, made unique (Excel compares names
    without case) with `~2`, `~3`... and never the main sheet's."""
    taken = {MAIN_SHEET}
    titles = {}
    for repeat in repeats:
        title, number = repeat[:SHEET_TITLE], 1
        while title.lower() in taken:
            number += 1
            suffix = f"~{number}"
            title = repeat[:SHEET_TITLE - len(suffix)] + suffix
        taken.add(title.lower())
        titles[repeat] = title
    return titles


def sibling_path(path: str | Path, repeat: str) -> Path:
    """The CSV file of a repeat beside the main file: `<stem>-<repeat>.csv`."""
    path = Path(path)
    return path.with_name(f"{path.stem}-{repeat}{path.suffix or '.csv'}")


def number_cell(kind: str, value: str) -> object:
    """An integer's or decimal's stored text as an export value (int/Decimal), the text when not a number."""
    try:
        return int(value) if kind == "integer" else Decimal(value)
    except (ValueError, InvalidOperation):
        return value


def upload_link(key: str) -> str:
    """An upload answer's export cell: the staff download address of its file (surveys.uploads.access), or the
    stored text itself when it is not a file key."""
    if not key:
        return key
    try:
        return upload_url(key)
    except InvalidUploadKey:
        return key


def repeat_tables(survey: Survey) -> list[tuple[str, list[str], list[list]]]:
    """(repeat, header, rows) of each repeat: rows in the main table's order (submitted_at, response id), then
    by instance; cells as the main table writes them (choice names in choice order joined by spaces,
    integers and decimals as numbers). An answer stored before instances existed (0) is instance 1."""
    layout = exported_in_repeats(survey)
    questions = {q.id: (repeat, q) for repeat, inner in layout.items() for q in inner}
    grouped: dict[str, dict[tuple[int, int], dict[int, list]]] = {repeat: {} for repeat in layout}
    if questions:
        choices = {cid: (position, name) for cid, position, name in db.session.execute(
            select(Choice.id, Choice.position, Choice.name).where(Choice.question_id.in_(list(questions)))).all()}
        found = db.session.execute(
            select(Answer.response_id, Answer.instance, Answer.question_id, Answer.choice_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.survey_id == survey.id, Answer.question_id.in_(list(questions)))
            .order_by(Response.submitted_at, Response.id, Answer.instance, Answer.id)).all()
        for response_id, instance, question_id, choice_id, value in found:
            repeat, _ = questions[question_id]
            cells = grouped[repeat].setdefault((response_id, max(instance, 1)), {})
            if choice_id is not None:
                if choice_id in choices:
                    cells.setdefault(question_id, []).append(choices[choice_id])
            elif value is not None:
                cells.setdefault(question_id, value)
    tables = []
    for repeat, inner in layout.items():
        header = [RESPONSE_ID, INSTANCE, *(q.name for q in inner)]
        rows = [[response_id, instance, *(_cell(q, cells.get(q.id)) for q in inner)]
                for (response_id, instance), cells in grouped[repeat].items()]
        tables.append((repeat, header, rows))
    return tables


def _cell(question: Question, found) -> object:
    if found is None:
        return ""
    if isinstance(found, list):
        return " ".join(name for _, name in sorted(found) if name)
    if question.type in ("integer", "decimal"):
        return number_cell(question.type, found)
    if question.type in UPLOADS:
        return upload_link(found)
    return found


def read_tables(path: str | Path, repeats: Iterable[str], given: dict[str, str] | None = None
                ) -> tuple[Table, dict[str, tuple[str, Table]], list[str]]:
    """(the main table, {repeat: (file or sheet name, table)}, notes) of a responses file. An XLSX workbook's
    first sheet is the main table and a sheet named after a repeat (sheet_titles) is that repeat's; a CSV's
    repeats are the files `given` ({repeat: path}), else the siblings `<stem>-<repeat>.csv` that exist. A form
    without repeats reads only the main table, as always. TableError when a file cannot be read."""
    path, repeats, given = Path(path), list(repeats), dict(given or {})
    tables: dict[str, tuple[str, Table]] = {}
    notes: list[str] = []
    if repeats and path.suffix.lower() in (".xlsx", ".xlsm"):
        sheets = _sheets(read_file_bytes(path))
        titles = iter(sheets)
        main = sheets[next(titles)]
        by_title = {title: repeat for repeat, title in sheet_titles(repeats).items()}
        for title in titles:
            if title in by_title:
                tables[by_title[title]] = (f"hoja {title}", sheets[title])
            else:
                notes.append(f"la hoja «{title}» no es el nombre de ninguna repetición de la encuesta y se ignora")
    else:
        main = read_table(path)
        for repeat in repeats:
            sibling = sibling_path(path, repeat)
            if repeat not in given and sibling.is_file():
                given[repeat] = str(sibling)
                notes.append(f"la repetición {repeat} se lee de {sibling.name}")
    for repeat, file in given.items():
        tables[repeat] = (Path(file).name, read_table(file))
    return main, tables, notes


def _sheets(data: bytes) -> dict[str, Table]:
    """Every sheet of a workbook as a Table, by title, in the workbook's order (each read as read_table reads
    the first)."""
    workbook = open_xlsx(data)
    titles = list(workbook.sheetnames)
    workbook.close()
    tables = {}
    for index, title in enumerate(titles):
        stream = stream_xlsx_bytes(data, index)
        tables[title] = Table(header=stream.header, rows=list(stream.rows))
    return tables
