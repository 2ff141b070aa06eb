"""Reading an XLSForm workbook (pure functions, no database).

`read_xlsform(source)` turns a workbook into a `FormDefinition` plus warnings, or raises
`XLSFormError` carrying every problem as `SHEET row R: message` (CONTRACTS.md, "Survey
definitions: XLSForm"). The vocabulary is in surveys.xlsform.model, the sheet-level reading in
surveys.xlsform.sheets; surveys.xlsform.writer writes a workbook that `read_xlsform` reads back to an
equal definition.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from crm.core.tabular import read_file_bytes
from surveys.xlsform.model import (
    ANSWERABLE,
    CHOICES_COLUMNS,
    MAX_NAME,
    MAX_TITLE,
    SETTINGS_COLUMNS,
    SHEETS,
    SURVEY_COLUMNS,
    ChoiceDef,
    FormDefinition,
    QuestionDef,
    ReadResult,
    XLSFormError,
    cell_text,
    is_valid_name,
    parse_language,
    parse_yes_no,
)
from surveys.xlsform.sheets import (
    Columns,
    Report,
    cell_value,
    column_texts,
    load_sheets,
    parse_type,
    read_header,
    sheet_problem,
    short,
    suggest,
)


def _read_settings(sheets: dict, report: Report) -> tuple[str, str, str | None]:
    """-> (title, form_id, default_language or None)."""
    if "settings" not in sheets:
        return "", "", None
    _, rows = sheets["settings"]
    if problem := sheet_problem(rows):
        report.error("settings", *problem)
        return "", "", None
    if not rows:
        return "", "", None
    columns = read_header("settings", rows[0], SETTINGS_COLUMNS, "es", report)
    data_rows = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell_text(c) for c in row)]
    if not data_rows:
        return "", "", None
    number, cells = data_rows[0]
    if len(data_rows) > 1:
        report.warnings.append(f"settings: solo se lee la fila {number}; las demás filas se ignoran")
    title = cell_text(cell_value(columns, "form_title", cells))
    form_id = cell_text(cell_value(columns, "form_id", cells))
    if len(title) > MAX_TITLE:
        report.error("settings", number, f"form_title supera {MAX_TITLE} caracteres")
    if len(form_id) > MAX_NAME:
        report.error("settings", number, f"form_id supera {MAX_NAME} caracteres")
    raw_lang = cell_text(cell_value(columns, "default_language", cells))
    lang = None
    if raw_lang:
        lang = parse_language(raw_lang)
        if lang is None:
            report.error("settings", number, f"default_language «{short(raw_lang)}» no es un idioma reconocido "
                                             "(escriba, por ejemplo, Español (es))")
    return title, form_id, lang


def _read_choices(sheets: dict, default_lang: str, report: Report) -> dict[str, list[tuple[int, ChoiceDef]]]:
    lists: dict[str, list[tuple[int, ChoiceDef]]] = {}
    if "choices" not in sheets:
        return lists
    _, rows = sheets["choices"]
    if problem := sheet_problem(rows):
        report.error("choices", *problem)
        return lists
    if not rows:
        return lists
    header = tuple("list_name" if cell_text(c).lower() == "list name" else c for c in rows[0])
    columns = read_header("choices", header, CHOICES_COLUMNS, default_lang, report)
    for column in ("list_name", "name"):
        if column not in columns.simple:
            report.error("choices", 1, f"falta la columna «{column}»")
    if "list_name" not in columns.simple or "name" not in columns.simple:
        return lists
    for number, cells in enumerate(rows[1:], start=2):
        list_name = cell_text(cell_value(columns, "list_name", cells))
        name = cell_text(cell_value(columns, "name", cells))
        labels = column_texts(columns, "label", cells)
        positive_cell = cell_value(columns, "positive", cells)
        if not (list_name or name or labels or cell_text(positive_cell)):
            continue
        positive = parse_yes_no(positive_cell)
        ok = True
        if positive is None:
            report.error("choices", number, f"positive «{short(cell_text(positive_cell))}» no es sí/no (use yes o no)")
            ok = False
        if not list_name:
            report.error("choices", number, "falta list_name")
            ok = False
        elif " " in list_name or len(list_name) > MAX_NAME:
            report.error("choices", number, f"list_name «{short(list_name)}» no es válido (sin espacios, "
                                            f"hasta {MAX_NAME} caracteres)")
            ok = False
        if not name:
            report.error("choices", number, "falta el nombre (name) de la opción")
            ok = False
        elif len(name) > MAX_NAME or any(unicodedata.category(ch) == "Cc" for ch in name):
            report.error("choices", number, f"el nombre de opción «{short(name)}» no es válido")
            ok = False
        if list_name and " " not in list_name and len(list_name) <= MAX_NAME:
            lists.setdefault(list_name, [])  # known, even when this row is invalid
        if not ok:
            continue
        entries = lists[list_name]
        previous = next((row for row, choice in entries if choice.name == name), None)
        if previous is not None:
            report.error("choices", number, f"la opción «{short(name)}» se repite en la lista «{list_name}» "
                                            f"(fila {previous})")
            continue
        if not labels:
            report.warnings.append(f"choices row {number}: la opción «{short(name)}» no tiene etiqueta (label)")
        entries.append((number, ChoiceDef(name=name, labels=labels, positive=bool(positive))))
    return lists


@dataclass
class _SurveyRow:
    """The cells of one row of the survey sheet."""

    number: int
    raw_type: str
    name: str
    labels: dict[str, str]
    hints: dict[str, str]
    required_cell: object
    indicator_text: str
    appearance: str

    @classmethod
    def read(cls, columns: Columns, number: int, cells: tuple) -> _SurveyRow:
        def text(column: str) -> str:
            return cell_text(cell_value(columns, column, cells))

        return cls(number=number, raw_type=text("type"), name=text("name"),
                   labels=column_texts(columns, "label", cells), hints=column_texts(columns, "hint", cells),
                   required_cell=cell_value(columns, "required", cells), indicator_text=text("indicator"),
                   appearance=text("appearance"))

    def is_blank(self) -> bool:
        return not (self.raw_type or self.name or self.labels or self.hints or cell_text(self.required_cell)
                    or self.indicator_text or self.appearance)


def _survey_sheet(sheets: dict, default_lang: str, report: Report) -> tuple[Columns, list[tuple]] | None:
    """The survey sheet's columns and data rows; None when there is nothing to read (reported)."""
    if "survey" not in sheets:
        report.error("survey", 1, "el libro no tiene una hoja «survey»")
        return None
    _, rows = sheets["survey"]
    if problem := sheet_problem(rows):
        report.error("survey", *problem)
        return None
    columns = read_header("survey", rows[0] if rows else (), SURVEY_COLUMNS, default_lang, report)
    for column in ("type", "name"):
        if column not in columns.simple:
            report.error("survey", 1, f"falta la columna «{column}»")
    if not columns.languages("label") and "type" in columns.simple:
        report.error("survey", 1, "falta la columna «label» (o label::Español (es), label::English (en))")
    if "type" not in columns.simple or "name" not in columns.simple:
        return None
    return columns, rows[1:]


def _row_type(row: _SurveyRow, report: Report) -> tuple[str, str | None] | None:
    """(type, list name) of a row; None when the row is skipped (reported)."""
    if not row.raw_type:
        report.error("survey", row.number, "falta el tipo (columna type)")
        return None
    qtype, list_name, problem = parse_type(row.raw_type)
    if problem:
        report.error("survey", row.number, problem)
        return None
    if qtype is None:
        report.warnings.append(f"survey row {row.number}: el tipo «{short(row.raw_type)}» no lleva respuesta "
                               "en la plataforma; fila ignorada")
        return None
    return qtype, list_name


def _indicator(row: _SurveyRow, qtype: str, report: Report) -> bool:
    if not row.indicator_text:
        return False
    if row.indicator_text.lower() != "satisfaction":
        report.error("survey", row.number, f"indicator «{short(row.indicator_text)}» no es válido: use "
                                           "«satisfaction» o deje la celda vacía")
        return False
    if qtype != "select_one":
        report.error("survey", row.number, f"indicator «satisfaction» solo se admite en preguntas select_one "
                                           f"(esta es {qtype})")
        return False
    return True


def _check_name(row: _SurveyRow, names: dict[str, int], report: Report) -> None:
    """A question's name is a valid XML name, unique in the form (`names`: name -> row, filled here)."""
    name = row.name
    if not name:
        report.error("survey", row.number, "falta el nombre (columna name)")
    elif not is_valid_name(name):
        reason = "es un nombre reservado" if name == "meta" else (
            f"supera {MAX_NAME} caracteres" if len(name) > MAX_NAME else
            "no es un nombre XML válido (empiece con letra o _, y use solo letras, números, _ . -)")
        report.error("survey", row.number, f"el nombre «{short(name)}» {reason}")
    elif name in names:
        report.error("survey", row.number, f"el nombre «{name}» se repite (fila {names[name]})")
    else:
        names[name] = row.number


def _attach_choices(question: QuestionDef, row: _SurveyRow, lists: dict, report: Report) -> None:
    """The choices of a select question, from its list of the choices sheet."""
    entries = lists.get(question.list_name)
    if entries is None:
        hint = suggest(question.list_name, lists) if lists else ""
        report.error("survey", row.number, f"la lista «{short(question.list_name)}» no existe en la hoja "
                                           f"choices{hint}")
        return
    if not entries:  # an empty list here had only invalid rows, already reported
        return
    question.choices = [ChoiceDef(c.name, dict(c.labels), c.positive) for _, c in entries]
    if question.type == "select_multiple":
        for number, choice in entries:
            if any(ch.isspace() for ch in choice.name):
                report.error("choices", number, f"la opción «{short(choice.name)}» tiene espacios, que no "
                                                f"se admiten en select_multiple (pregunta «{row.name}»)")
    if question.indicator and not any(c.positive for c in question.choices):
        report.warnings.append(f"survey row {row.number}: la pregunta indicadora «{row.name}» no tiene "
                               "ninguna opción marcada como positive")


def _read_question(row: _SurveyRow, names: dict[str, int], lists: dict, report: Report) -> QuestionDef | None:
    """The question of a non-blank row (an end_group too); None when the row is skipped."""
    typed = _row_type(row, report)
    if typed is None:
        return None
    qtype, list_name = typed
    required = parse_yes_no(row.required_cell)
    if required is None:
        report.error("survey", row.number, f"required «{short(cell_text(row.required_cell))}» no es sí/no "
                                           "(use yes o no)")
    indicator = _indicator(row, qtype, report)
    if qtype == "end_group":
        return QuestionDef(type="end_group")
    _check_name(row, names, report)
    if (qtype in ANSWERABLE or qtype == "note") and not row.labels and not row.hints:
        report.error("survey", row.number, f"la pregunta «{short(row.name)}» no tiene etiqueta (label)")
    if qtype not in ANSWERABLE and required:
        report.warnings.append(f"survey row {row.number}: «required» no aplica a {qtype}; se ignora")
        required = False
    question = QuestionDef(type=qtype, name=row.name or None, labels=row.labels, hints=row.hints,
                           required=bool(required), indicator=indicator, appearance=row.appearance,
                           list_name=list_name)
    if list_name is not None:
        _attach_choices(question, row, lists, report)
    return question


def _read_survey(sheets: dict, default_lang: str, lists: dict, report: Report) -> tuple[list[QuestionDef], set]:
    """The questions of the survey sheet and the names of the choice lists they use."""
    questions: list[QuestionDef] = []
    used_lists: set[str] = set()
    sheet = _survey_sheet(sheets, default_lang, report)
    if sheet is None:
        return questions, used_lists
    columns, rows = sheet
    names: dict[str, int] = {}
    groups: list[tuple[str, int]] = []  # the open groups: (name, row)
    for number, cells in enumerate(rows, start=2):
        row = _SurveyRow.read(columns, number, cells)
        question = None if row.is_blank() else _read_question(row, names, lists, report)
        if question is None:
            continue
        if question.type == "end_group":
            if groups:
                groups.pop()
            else:
                report.error("survey", number, "end_group sin un begin_group abierto")
        elif question.type == "begin_group":
            groups.append((row.name, number))
        if question.list_name is not None:
            used_lists.add(question.list_name)
        questions.append(question)
    for name, number in groups:
        report.error("survey", number, f"el grupo «{short(name)}» no se cierra (falta end_group)")
    if not any(q.type in ANSWERABLE for q in questions) and not report.problems:
        report.error("survey", 1, "el formulario no tiene preguntas")
    return questions, used_lists


def read_xlsform(source: str | Path | bytes, *, filename: str | None = None) -> ReadResult:
    """Read an XLSForm workbook. Raises TableError (unreadable file) or XLSFormError (invalid form)."""
    if isinstance(source, bytes):
        data = source
    else:
        filename = filename or Path(source).name
        data = read_file_bytes(source)
    sheets = load_sheets(data)
    report = Report()
    for key, (title, _) in sheets.items():
        if key not in SHEETS:
            report.warnings.append(f"hoja desconocida «{title}» ignorada{suggest(key, SHEETS)}")
    title, form_id, settings_lang = _read_settings(sheets, report)
    default_lang = settings_lang or "es"
    lists = _read_choices(sheets, default_lang, report)
    questions, used = _read_survey(sheets, default_lang, lists, report)
    for list_name in lists:
        if list_name not in used:
            report.warnings.append(f"choices: la lista «{short(list_name)}» no se usa en ninguna pregunta")
    if report.problems:
        raise XLSFormError(report.lines())
    languages = report.languages
    if settings_lang is None and languages and "es" not in languages:
        default_lang = languages[0]
    languages = [default_lang] + [lang for lang in languages if lang != default_lang]
    if not title:
        title = form_id or (Path(filename).stem if filename else "") or "Encuesta"
        title = title[:MAX_TITLE]
    definition = FormDefinition(title=title, form_id=form_id, default_language=default_lang,
                                languages=languages, questions=questions)
    return ReadResult(definition=definition, warnings=report.warnings)


