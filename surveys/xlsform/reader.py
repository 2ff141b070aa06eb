"""XLSForm read/write (pure functions, no database).

`read_xlsform(source)` turns a workbook into a `FormDefinition` plus warnings, or raises
`XLSFormError` carrying every problem as `SHEET row R: message` (CONTRACTS.md, "Survey
definitions: XLSForm"). `write_xlsform(definition, target)` writes a workbook that pyxform
converts and that `read_xlsform` reads back to an equal definition.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from crm.core.tabular import TableError
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
    language_label,
    parse_language,
    parse_yes_no,
)
from surveys.xlsform.sheets import (
    Report,
    cell_value,
    column_texts,
    load_sheets,
    parse_type,
    read_header,
    short,
    suggest,
)
from surveys.xlsform.writer import write_xlsform, xlsform_bytes

__all__ = ["ChoiceDef", "FormDefinition", "QuestionDef", "ReadResult", "XLSFormError", "is_valid_name",
           "language_label", "parse_language", "parse_yes_no", "read_xlsform", "write_xlsform", "xlsform_bytes",
           "MAX_NAME", "ANSWERABLE"]


def _read_settings(sheets: dict, report: Report) -> tuple[str, str, str | None]:
    """-> (title, form_id, default_language or None)."""
    if "settings" not in sheets:
        return "", "", None
    _, rows = sheets["settings"]
    if rows and rows[0] == ("\x00too-many",):
        report.error("settings", 1, "la hoja tiene demasiadas filas")
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
    if rows and rows[0] == ("\x00too-many",):
        report.error("choices", 1, "la hoja tiene demasiadas filas")
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


def _read_survey(sheets: dict, default_lang: str, lists: dict, report: Report) -> tuple[list[QuestionDef], set]:
    questions: list[QuestionDef] = []
    used_lists: set[str] = set()
    if "survey" not in sheets:
        report.error("survey", 1, "el libro no tiene una hoja «survey»")
        return questions, used_lists
    _, rows = sheets["survey"]
    if rows and rows[0] == ("\x00too-many",):
        report.error("survey", 1, "la hoja tiene demasiadas filas")
        return questions, used_lists
    columns = read_header("survey", rows[0] if rows else (), SURVEY_COLUMNS, default_lang, report)
    for column in ("type", "name"):
        if column not in columns.simple:
            report.error("survey", 1, f"falta la columna «{column}»")
    if not columns.languages("label") and "type" in columns.simple:
        report.error("survey", 1, "falta la columna «label» (o label::Español (es), label::English (en))")
    if "type" not in columns.simple or "name" not in columns.simple:
        return questions, used_lists
    names: dict[str, int] = {}
    groups: list[tuple[str, int]] = []
    for number, cells in enumerate(rows[1:], start=2):
        raw_type = cell_text(cell_value(columns, "type", cells))
        name = cell_text(cell_value(columns, "name", cells))
        labels = column_texts(columns, "label", cells)
        hints = column_texts(columns, "hint", cells)
        required_cell = cell_value(columns, "required", cells)
        indicator_text = cell_text(cell_value(columns, "indicator", cells))
        appearance = cell_text(cell_value(columns, "appearance", cells))
        if not (raw_type or name or labels or hints or cell_text(required_cell) or indicator_text or appearance):
            continue
        if not raw_type:
            report.error("survey", number, "falta el tipo (columna type)")
            continue
        qtype, list_name, problem = parse_type(raw_type)
        if problem:
            report.error("survey", number, problem)
            continue
        if qtype is None:
            report.warnings.append(f"survey row {number}: el tipo «{short(raw_type)}» no lleva respuesta en la "
                                   "plataforma; fila ignorada")
            continue
        required = parse_yes_no(required_cell)
        if required is None:
            report.error("survey", number, f"required «{short(cell_text(required_cell))}» no es sí/no (use yes o no)")
        indicator = False
        if indicator_text:
            if indicator_text.lower() != "satisfaction":
                report.error("survey", number, f"indicator «{short(indicator_text)}» no es válido: use "
                                               "«satisfaction» o deje la celda vacía")
            elif qtype != "select_one":
                report.error("survey", number, f"indicator «satisfaction» solo se admite en preguntas select_one "
                                               f"(esta es {qtype})")
            else:
                indicator = True
        if qtype == "end_group":
            if not groups:
                report.error("survey", number, "end_group sin un begin_group abierto")
            else:
                groups.pop()
            questions.append(QuestionDef(type="end_group"))
            continue
        if not name:
            report.error("survey", number, "falta el nombre (columna name)")
        elif not is_valid_name(name):
            reason = "es un nombre reservado" if name == "meta" else (
                f"supera {MAX_NAME} caracteres" if len(name) > MAX_NAME else
                "no es un nombre XML válido (empiece con letra o _, y use solo letras, números, _ . -)")
            report.error("survey", number, f"el nombre «{short(name)}» {reason}")
        elif name in names:
            report.error("survey", number, f"el nombre «{name}» se repite (fila {names[name]})")
        else:
            names[name] = number
        if qtype in ANSWERABLE or qtype == "note":
            if not labels and not hints:
                report.error("survey", number, f"la pregunta «{short(name)}» no tiene etiqueta (label)")
        if qtype not in ANSWERABLE and required:
            report.warnings.append(f"survey row {number}: «required» no aplica a {qtype}; se ignora")
            required = False
        question = QuestionDef(type=qtype, name=name or None, labels=labels, hints=hints, required=bool(required),
                               indicator=indicator, appearance=appearance, list_name=list_name)
        if list_name is not None:
            used_lists.add(list_name)
            entries = lists.get(list_name)
            if entries is None:
                hint = suggest(list_name, lists) if lists else ""
                report.error("survey", number, f"la lista «{short(list_name)}» no existe en la hoja choices{hint}")
            elif entries:  # an empty list here had only invalid rows, already reported
                question.choices = [ChoiceDef(c.name, dict(c.labels), c.positive) for _, c in entries]
                if qtype == "select_multiple":
                    for row, choice in entries:
                        if any(ch.isspace() for ch in choice.name):
                            report.error("choices", row, f"la opción «{short(choice.name)}» tiene espacios, que no "
                                                         f"se admiten en select_multiple (pregunta «{name}»)")
                if indicator and not any(c.positive for c in question.choices):
                    report.warnings.append(f"survey row {number}: la pregunta indicadora «{name}» no tiene ninguna "
                                           "opción marcada como positive")
        if qtype == "begin_group":
            groups.append((name, number))
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
        path = Path(source)
        filename = filename or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise TableError(f"no existe el archivo {path}") from None
        except IsADirectoryError:
            raise TableError(f"{path} es una carpeta, no un archivo") from None
        except OSError as exc:
            raise TableError(f"no se pudo leer {path}: {exc.strerror}") from None
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


