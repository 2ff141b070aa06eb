"""The columns of one survey's responses file described for people (crm.imports.kinds.Column): the upload page,
the preview and the survey's template read them. The example row is checked with the import's own validation
(no database write): a value the form's logic refuses (a constraint, a question not relevant) is left empty, so
that the template imports as it is whenever the form allows it."""

from __future__ import annotations

from crm.core.errors import ImportProblems
from crm.core.tabular import Table
from crm.imports.kinds import Column
from surveys.models import Question, Survey
from surveys.responses.describe import question_label, type_label
from surveys.responses.imports import SUBMITTED_AT, validate_responses

_DATE = "fecha, por ejemplo 2025-03-12 (año-mes-día)"
_FORMATS = {  # type -> (format for people, example)
    "text": ("texto", "Texto de ejemplo"),
    "integer": ("número entero, por ejemplo 3", "3"),
    "decimal": ("número, con punto decimal, por ejemplo 2.5", "2.5"),
    "date": (_DATE, "2025-03-12"),
    "time": ("hora de 24 horas, por ejemplo 10:30", "10:30"),
    "datetime": ("fecha y hora, por ejemplo 2025-03-12 10:30", "2025-03-12 10:30"),
    "geopoint": ("latitud y longitud separadas por un espacio, por ejemplo 19.4326 -99.1332", "19.4326 -99.1332"),
    "barcode": ("texto", "ABC123"),
    "acknowledge": ("OK para confirmar; vacía si no se confirmó", "OK"),
}
_CHOICE_FORMATS = {
    "select_one": "la clave de una opción",
    "select_multiple": "las claves de una o varias opciones, separadas por espacios",
    "rank": "las claves de todas las opciones en el orden elegido, separadas por espacios",
}
SUBMITTED = Column(SUBMITTED_AT, "Fecha y hora de respuesta", "Cuándo se respondió (hora de la Ciudad de México, "
                   "salvo que se indique la diferencia horaria).", "fecha y hora, por ejemplo 2025-03-12 10:30",
                   "2025-03-12 10:30", required=True)


def columns(survey: Survey) -> list[Question]:
    """The questions a responses file answers, as the import's column list names them."""
    return [q for q in survey.answerable_questions if q.name and not (q.logic or {}).get("calculation")]


def _column(question: Question, lang: str) -> Column:
    title = question_label(question, lang) or question.name
    meaning = f"Respuesta a «{title}» ({type_label(question.type).lower()})."
    choices = [(c.name, c.label(lang)) for c in question.choices]
    if question.type in _CHOICE_FORMATS:
        fmt = _CHOICE_FORMATS[question.type]
        names = [name for name, _ in choices]
        example = " ".join(names) if question.type == "rank" else (names[0] if names else "")
        values = "; ".join(f"{name} = {label}" for name, label in choices)
    elif question.type == "range":
        fmt, example, values = "número de la escala", "", ""
    else:
        (fmt, example), values = _FORMATS.get(question.type, ("texto", "")), ""
    return Column(question.name, title[:120], meaning, fmt, example, required=bool(question.required),
                  values=values)


def survey_fields(survey: Survey) -> tuple[Column, ...]:
    """The described columns of the survey's responses file, with an example the import accepts when it can."""
    lang = survey.default_language or "es"
    fields = [SUBMITTED, *(_column(q, lang) for q in columns(survey))]
    for _ in range(3):  # blank what the form's logic refuses; a refused blank (required) stays refused
        refused = _refused(survey, fields)
        if not refused:
            break
        fields = [Column(**{**f.__dict__, "example": ""}) if f.name in refused and f.name != SUBMITTED_AT else f
                  for f in fields]
    return tuple(fields)


def _refused(survey: Survey, fields: list[Column]) -> set[str]:
    table = Table([f.name for f in fields], [(2, {f.name: f.example for f in fields})])
    try:
        validate_responses(survey, table)
    except ImportProblems as exc:
        return {p.column for p in exc.problems if p.column}
    return set()
