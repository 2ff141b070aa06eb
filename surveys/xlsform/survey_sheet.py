"""Reading the survey sheet of an XLSForm: rows, types, names per scope, choices, logic and references."""

from __future__ import annotations

from dataclasses import dataclass, field

from surveys.xlsform.loops import expand_loops
from surveys.xlsform.model import (
    ANSWERABLE,
    CALCULATED,
    SURVEY_COLUMNS,
    UPLOADS,
    ChoiceDef,
    QuestionDef,
    cell_text,
)
from surveys.xlsform.names import Names
from surveys.xlsform.qtypes import ParsedType, parse_type, short
from surveys.xlsform.references import check_references
from surveys.xlsform.rowlogic import RowLogic, read_row_logic
from surveys.xlsform.sheets import (
    Columns,
    Report,
    cell_value,
    column_texts,
    read_header,
    sheet_problem,
    suggest,
)

# What a respondent gives: needs a label, may be required
RESPONDABLE = (*ANSWERABLE, *UPLOADS)
LOGIC_CELLS = ("relevant", "constraint", "required", "calculation", "choice_filter", "default", "read_only",
               "repeat_count", "parameters", "trigger")
_CLOSES = {"end_group": "begin_group", "end_repeat": "begin_repeat"}


@dataclass
class _SurveyRow:
    """The cells of one row of the survey sheet."""

    number: int
    raw_type: str
    name: str
    labels: dict[str, str]
    hints: dict[str, str]
    indicator_text: str
    appearance: str
    cells: dict[str, object]  # the logic columns (LOGIC_CELLS), required included
    messages: dict[str, dict[str, str]]  # constraint_message / required_message per language
    media: str = ""  # the first media file the row names (image, audio, video, media::…): not uploaded

    @classmethod
    def read(cls, columns: Columns, number: int, cells: tuple) -> _SurveyRow:
        def text(column: str) -> str:
            return cell_text(cell_value(columns, column, cells))

        return cls(number=number, raw_type=text("type"), name=text("name"),
                   labels=column_texts(columns, "label", cells), hints=column_texts(columns, "hint", cells),
                   indicator_text=text("indicator"), appearance=text("appearance"),
                   cells={column: cell_value(columns, column, cells) for column in LOGIC_CELLS},
                   messages={kind: texts for kind in ("constraint_message", "required_message")
                             if (texts := column_texts(columns, kind, cells))},
                   media=next((text for index in columns.media
                               if index < len(cells) and (text := cell_text(cells[index]))), ""))

    def is_blank(self) -> bool:
        return not (self.raw_type or self.name or self.labels or self.hints or self.indicator_text
                    or self.appearance or self.messages or any(cell_text(v) for v in self.cells.values()))


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


def _row_type(row: _SurveyRow, report: Report, ignored: set[str]) -> ParsedType | None:
    """The parsed type of a row; None when the row is skipped (reported; its name goes to `ignored`)."""
    if not row.raw_type:
        report.error("survey", row.number, "falta el tipo (columna type)")
        return None
    parsed = parse_type(row.raw_type)
    if parsed.problem:
        report.error("survey", row.number, parsed.problem)
        return None
    if parsed.type is None:
        report.warnings.append(f"survey row {row.number}: el tipo «{short(row.raw_type)}» no lleva respuesta "
                               "en la plataforma; fila ignorada")
        if row.name:
            ignored.add(row.name)
        return None
    return parsed


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
    question.choices = [ChoiceDef(c.name, dict(c.labels), c.positive, dict(c.extra)) for _, c in entries]
    if question.type in ("select_multiple", "rank"):
        for number, choice in entries:
            if any(ch.isspace() for ch in choice.name):
                report.error("choices", number, f"la opción «{short(choice.name)}» tiene espacios, que no "
                                                f"se admiten en {question.type} (pregunta «{row.name}»)")
    if question.indicator and not any(c.positive for c in question.choices):
        report.warnings.append(f"survey row {row.number}: la pregunta indicadora «{row.name}» no tiene "
                               "ninguna opción marcada como positive")


@dataclass
class _Survey:
    """What reading the survey sheet keeps across rows."""

    lists: dict
    choice_columns: set[str]
    report: Report
    names: Names
    languages: list[str]  # the languages of the label columns
    questions: list[QuestionDef] = field(default_factory=list)
    open: list[tuple[str, str, int]] = field(default_factory=list)  # (begin type, name, row)
    ignored: set[str] = field(default_factory=set)  # names of rows left out (device metadata)
    logic: list[tuple[RowLogic, QuestionDef]] = field(default_factory=list)
    used_lists: set[str] = field(default_factory=set)


def _label(row: _SurveyRow, qtype: str, survey: _Survey) -> None:
    """A question that shows something needs a label or a hint; one labelled only by a media file (which is not
    uploaded with the form) is labelled by its name, with a warning naming the file."""
    if not (qtype in RESPONDABLE or qtype == "note") or row.labels or row.hints:
        return
    if row.media and row.name:
        row.labels = dict.fromkeys(survey.languages, row.name)
        survey.report.warnings.append(f"survey row {row.number}: la pregunta «{short(row.name)}» solo tiene como "
                                      f"etiqueta el archivo «{short(row.media)}», que no se sube con el formulario: "
                                      "se usa su nombre como etiqueta")
    else:
        survey.report.error("survey", row.number, f"la pregunta «{short(row.name)}» no tiene etiqueta (label)")


UPLOAD_TYPES = ("image", "audio", "video", "file")


def _structure(question: QuestionDef, row: _SurveyRow, survey: _Survey) -> None:
    """Groups and repeats open and close in order; a repeat inside a repeat is refused."""
    report = survey.report
    if question.type in _CLOSES:
        if survey.open and survey.open[-1][0] == _CLOSES[question.type]:
            survey.open.pop()
            survey.names.leave()
        else:
            wanted = _CLOSES[question.type]
            report.error("survey", row.number, f"{question.type} sin un {wanted} abierto"
                         + (f" (el último abierto es {survey.open[-1][0]} «{survey.open[-1][1]}», fila "
                            f"{survey.open[-1][2]})" if survey.open else ""))
    elif question.type == "begin_repeat" and any(kind == "begin_repeat" for kind, _, _ in survey.open):
        report.error("survey", row.number, f"la repetición «{short(row.name)}» está dentro de otra repetición: "
                                           "la plataforma admite un solo nivel de repeticiones")
    elif question.type in UPLOAD_TYPES and any(kind == "begin_repeat" for kind, _, _ in survey.open):
        report.error("survey", row.number, f"la pregunta de archivo «{short(row.name)}» ({question.type}) está "
                                           "dentro de una repetición: la plataforma recibe archivos solo fuera "
                                           "de las repeticiones")


def _read_question(row: _SurveyRow, survey: _Survey) -> QuestionDef | None:
    """The question of a non-blank row (an end of group or repeat too); None when the row is skipped."""
    report = survey.report
    parsed = _row_type(row, report, survey.ignored)
    if parsed is None:
        return None
    qtype = parsed.type
    if qtype in _CLOSES:
        question = QuestionDef(type=qtype)
        _structure(question, row, survey)
        return question
    indicator = _indicator(row, qtype, report)
    if qtype == "note" and not row.name:  # as pyxform 4.5 names them
        row.name = f"generated_note_name_{row.number}"
    survey.names.check(row.number, row.name, qtype)
    _label(row, qtype, survey)
    logic = read_row_logic(row.number, qtype, row.cells, row.messages,
                           [*row.labels.values(), *row.hints.values()], or_other=parsed.or_other)
    for problem in logic.problems:
        report.error("survey", row.number, problem)
    required = logic.required
    if qtype not in RESPONDABLE and (required or "required" in logic.logic):
        report.warnings.append(f"survey row {row.number}: «required» no aplica a {qtype}; se ignora")
        required = False
        logic.logic.pop("required", None)
        logic.logic.pop("required_message", None)
    question = QuestionDef(type=qtype, name=row.name or None, labels=dict(row.labels), hints=dict(row.hints),
                           required=required, indicator=indicator, appearance=row.appearance,
                           list_name=parsed.list_name, logic=logic.logic)
    if parsed.list_name is not None:
        _attach_choices(question, row, survey.lists, report)
        survey.used_lists.add(parsed.list_name)
    _structure(question, row, survey)
    survey.names.place(question, row.number)
    if qtype in ("begin_group", "begin_repeat"):
        survey.open.append((qtype, row.name, row.number))
        survey.names.enter(row.name)
    survey.logic.append((logic, question))
    return question


def read_survey(sheets: dict, default_lang: str, lists: dict, choice_columns: set[str],
                report: Report) -> tuple[list[QuestionDef], set]:
    """The questions of the survey sheet and the names of the choice lists they use."""
    sheet = _survey_sheet(sheets, default_lang, report)
    if sheet is None:
        return [], set()
    columns, cells_rows = sheet
    survey = _Survey(lists=lists, choice_columns=choice_columns, report=report, names=Names(report),
                     languages=columns.languages("label") or [default_lang])
    rows = [row for number, cells in enumerate(cells_rows, start=2)
            if not (row := _SurveyRow.read(columns, number, cells)).is_blank()]
    rows, survey.used_lists = expand_loops(rows, lists, default_lang, report)
    for row in rows:
        question = _read_question(row, survey)
        if question is not None:
            survey.questions.append(question)
    for kind, name, number in survey.open:
        closing = "end_group" if kind == "begin_group" else "end_repeat"
        report.error("survey", number, f"el grupo «{short(name)}» no se cierra (falta {closing})"
                     if kind == "begin_group" else f"la repetición «{short(name)}» no se cierra (falta {closing})")
    survey.names.finish()
    check_references(survey.logic, survey.names, survey.ignored, choice_columns, report)
    if not any(q.type in (*RESPONDABLE, *CALCULATED) for q in survey.questions) and not report.problems:
        report.error("survey", 1, "el formulario no tiene preguntas")
    return survey.questions, survey.used_lists
