"""A survey as an imported XLSForm leaves it: logic on questions and sections, the standard's other types,
choice-sheet columns. Shared by the builder tests and the staff pages tests."""

from __future__ import annotations

from datetime import UTC, datetime

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Answer, Response
from tests.factories import make_survey


def expr(src: str, context: str = "question") -> dict:
    return {"src": src, "tree": compile_expression(src, context=context)}


YES_NO = [("si", {"es": "Sí"}, True), ("no", {"es": "No"}, False)]

QUESTIONS = [
    {"name": "edad", "type": "integer", "labels": {"es": "¿Qué edad tiene?"}, "required": True,
     "logic": {"constraint": expr(". >= 0"), "constraint_message": {"es": "La edad no puede ser negativa"}}},
    {"name": "grupo_mayor", "type": "begin_group", "labels": {"es": "Personas adultas"},
     "logic": {"relevant": expr("${edad} >= 18")}, "appearance": "field-list"},
    {"name": "trabajo", "type": "select_one", "labels": {"es": "¿Trabaja?"}, "required": True, "choices": YES_NO,
     "list_name": "sino", "appearance": "minimal"},
    {"name": "comentario", "type": "text", "labels": {"es": "Comentario"}},
    {"type": "end_group"},
    {"name": "correo", "type": "text", "labels": {"es": "Correo"},
     "logic": {"constraint": expr("regex(., '^[^@]+@[^@]+$')"), "constraint_message": {"es": "Escriba un correo válido"},
               "required": expr("${trabajo} = 'si'"), "required_message": {"es": "Si trabaja, escriba su correo"}}},
    {"name": "hora", "type": "time", "labels": {"es": "Hora de llegada"}, "logic": {"read_only_flag": True}},
    {"name": "cuando", "type": "datetime", "labels": {"es": "Fecha y hora de salida"}},
    {"name": "nivel", "type": "range", "labels": {"es": "Nivel"},
     "logic": {"parameters": {"start": "1", "end": "10", "step": "1"}, "default_value": "5"}},
    {"name": "prioridades", "type": "rank", "labels": {"es": "Ordene sus prioridades"}, "list_name": "prio",
     "choices": [("a", {"es": "Alfa"}, False), ("b", {"es": "Beta"}, False), ("c", {"es": "Gama"}, False)]},
    {"name": "lugar", "type": "geopoint", "labels": {"es": "¿Dónde está?"}},
    {"name": "estado", "type": "select_one", "labels": {"es": "Estado"}, "list_name": "estados",
     "choices": [("cdmx", {"es": "Ciudad de México"}, False), ("jal", {"es": "Jalisco"}, False)]},
    {"name": "ciudad", "type": "select_one", "labels": {"es": "Ciudad"}, "list_name": "ciudades",
     "choices": [("coyoacan", {"es": "Coyoacán"}, False), ("zapopan", {"es": "Zapopan"}, False)],
     "extra": {"coyoacan": {"estado": "cdmx"}, "zapopan": {"estado": "jal"}},
     "logic": {"choice_filter": expr("estado = ${estado}", "choice_filter")}},
    {"name": "edad_meses", "type": "calculate", "logic": {"calculation": expr("${edad} * 12")}},
    {"name": "foto", "type": "image", "labels": {"es": "Foto del lugar"}},
    {"name": "hijos", "type": "begin_repeat", "labels": {"es": "Hijas e hijos"},
     "logic": {"repeat_count": expr("${edad} div 10")}},
    {"name": "nombre_hijo", "type": "text", "labels": {"es": "Nombre"}},
    {"type": "end_repeat"},
    {"name": "saludo", "type": "note", "labels": {"es": "Gracias, escribiremos a ${correo}"},
     "logic": {"label_refs": True}},
    {"name": "inicio", "type": "start"},
    {"name": "fin", "type": "end"},
]


def make_logic_survey(**kwargs):
    survey = make_survey(questions=QUESTIONS, languages=["es"], **kwargs)
    by_name = {q["name"]: q for q in QUESTIONS if q.get("name")}
    for question in survey.questions:
        spec = by_name.get(question.name, {})
        question.logic = spec.get("logic", {})
        question.appearance = spec.get("appearance", "")
        for choice in question.choices:
            choice.extra = spec.get("extra", {}).get(choice.name, {})
    db.session.commit()
    return survey


def question(survey, name: str):
    return next(q for q in survey.questions if q.name == name)


def respond(survey, answers: dict[str, str | list[str]], submitted_at: datetime | None = None) -> Response:
    """A stored response: {name: value, or [choice names] for choices (in order)}."""
    response = Response(survey_id=survey.id, submitted_at=submitted_at or datetime(2025, 3, 1, 12, tzinfo=UTC)
                        .replace(tzinfo=None))
    for name, value in answers.items():
        q = question(survey, name)
        if isinstance(value, list):
            by_name = {c.name: c for c in q.choices}
            for choice_name in value:
                response.answers.append(Answer(question_id=q.id, choice_id=by_name[choice_name].id))
        else:
            response.answers.append(Answer(question_id=q.id, value=value))
    db.session.add(response)
    db.session.commit()
    return response
