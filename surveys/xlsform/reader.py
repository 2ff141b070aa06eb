"""Reading an XLSForm workbook (pure functions, no database).

`read_xlsform(source)` turns a workbook into a `FormDefinition` plus warnings, or raises
`XLSFormError` carrying every problem as `SHEET row R: message` (CONTRACTS.md, "Survey
definitions: XLSForm"). The vocabulary is in surveys.xlsform.model, the sheet-level reading in
surveys.xlsform.sheets; surveys.xlsform.writer writes a workbook that `read_xlsform` reads back to an
equal definition.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from crm.core.errors import Problem
from crm.core.tabular import read_file_bytes
from surveys.xlsform.model import (
    CHOICES_COLUMNS,
    MAX_NAME,
    MAX_TITLE,
    SETTINGS_COLUMNS,
    SHEETS,
    ChoiceDef,
    FormDefinition,
    ReadResult,
    XLSFormError,
    cell_text,
    parse_language,
    parse_yes_no,
)
from surveys.xlsform.or_other import expand_or_other
from surveys.xlsform.qtypes import short
from surveys.xlsform.sheets import (
    Report,
    cell_value,
    column_texts,
    load_sheets,
    read_header,
    sheet_problem,
    suggest,
)
from surveys.xlsform.survey_sheet import read_survey


def _read_settings(sheets: dict, report: Report) -> tuple[str, str, str | None, bool]:
    """-> (title, form_id, default_language or None, allow_choice_duplicates)."""
    if "settings" not in sheets:
        return "", "", None, False
    _, rows = sheets["settings"]
    if problem := sheet_problem(rows):
        report.error("settings", *problem)
        return "", "", None, False
    if not rows:
        return "", "", None, False
    columns = read_header("settings", rows[0], SETTINGS_COLUMNS, "es", report)
    data_rows = [(number, row) for number, row in enumerate(rows[1:], start=2) if any(cell_text(c) for c in row)]
    if not data_rows:
        return "", "", None, False
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
    # as pyxform: only a yes/true value allows a list to repeat a choice name
    allow_duplicates = parse_yes_no(cell_value(columns, "allow_choice_duplicates", cells)) is True
    return title, form_id, lang, allow_duplicates


def _read_choices(sheets: dict, default_lang: str, report: Report,
                  allow_duplicates: bool = False) -> tuple[dict[str, list[tuple[int, ChoiceDef]]], set]:
    """The choice lists ({list: [(row, choice)]}) and the choices sheet's extra columns. A name repeated in a
    list is refused unless the settings allow it (allow_choice_duplicates, as pyxform)."""
    lists: dict[str, list[tuple[int, ChoiceDef]]] = {}
    if "choices" not in sheets:
        return lists, set()
    _, rows = sheets["choices"]
    if problem := sheet_problem(rows):
        report.error("choices", *problem)
        return lists, set()
    if not rows:
        return lists, set()
    header = tuple("list_name" if cell_text(c).lower() == "list name" else c for c in rows[0])
    columns = read_header("choices", header, CHOICES_COLUMNS, default_lang, report)
    for column in ("list_name", "name"):
        if column not in columns.simple:
            report.error("choices", 1, f"falta la columna «{column}»")
    if "list_name" not in columns.simple or "name" not in columns.simple:
        return lists, set()
    for number, cells in enumerate(rows[1:], start=2):
        list_name = cell_text(cell_value(columns, "list_name", cells))
        name = cell_text(cell_value(columns, "name", cells))
        labels = column_texts(columns, "label", cells)
        positive_cell = cell_value(columns, "positive", cells)
        extra = {column: text for column, index in columns.extra.items()
                 if index < len(cells) and (text := cell_text(cells[index]))}
        if not (list_name or name or labels or cell_text(positive_cell) or extra):
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
        previous = None if allow_duplicates else next((row for row, c in entries if c.name == name), None)
        if previous is not None:
            report.error("choices", number, f"la opción «{short(name)}» se repite en la lista «{list_name}» "
                                            f"(fila {previous}); si es intencional, ponga allow_choice_duplicates "
                                            "= yes en la hoja settings")
            continue
        if not labels:
            report.warnings.append(f"choices row {number}: la opción «{short(name)}» no tiene etiqueta (label)")
        entries.append((number, ChoiceDef(name=name, labels=labels, positive=bool(positive), extra=extra)))
    return lists, set(columns.extra)


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
    title, form_id, settings_lang, allow_duplicates = _read_settings(sheets, report)
    default_lang = settings_lang or "es"
    lists, choice_columns = _read_choices(sheets, default_lang, report, allow_duplicates)
    questions, used = read_survey(sheets, default_lang, lists, choice_columns, report)
    for list_name in lists:
        if list_name not in used:
            report.warnings.append(f"choices: la lista «{short(list_name)}» no se usa en ninguna pregunta")
    languages = report.languages
    if settings_lang is None and languages and "es" not in languages:
        default_lang = languages[0]
    languages = [default_lang] + [lang for lang in languages if lang != default_lang]
    questions, other_problems = expand_or_other(questions, languages)
    if report.problems or other_problems:
        raise XLSFormError([*report.lines(), *(Problem(None, None, line) for line in other_problems)])
    if not title:
        title = form_id or (Path(filename).stem if filename else "") or "Encuesta"
        title = title[:MAX_TITLE]
    definition = FormDefinition(title=title, form_id=form_id, default_language=default_lang,
                                languages=languages, questions=questions)
    return ReadResult(definition=definition, warnings=list(dict.fromkeys(report.warnings)))


