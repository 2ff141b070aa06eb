"""A survey to analyse: a filter question, a conditional single choice, a multiple choice and a number;
`respond` stores one response with the given answers."""

from __future__ import annotations

from crm.core.extensions import db
from surveys.logic.expressions import compile_expression
from surveys.models import Answer, Response
from tests.factories import make_person, make_survey

QUESTIONS = [
    {"name": "asistio", "type": "select_one", "labels": {"es": "¿Asistió a la sesión?"}, "required": True,
     "choices": [("si", {"es": "Sí"}, True), ("no", {"es": "No"}, False)]},
    {"name": "calidad", "type": "select_one", "labels": {"es": "¿Cómo califica la sesión?"}, "required": True,
     "indicator": True, "logic": {"relevant": {"src": "${asistio} = 'si'",
                                               "tree": compile_expression("${asistio} = 'si'")}},
     "choices": [("buena", {"es": "Buena"}, True), ("regular", {"es": "Regular"}, False),
                 ("mala", {"es": "Mala"}, False)]},
    {"name": "temas", "type": "select_multiple", "labels": {"es": "Temas de interés"},
     "choices": [("voto", {"es": "Voto"}, False), ("consulta", {"es": "Consulta"}, False),
                 ("presupuesto", {"es": "Presupuesto participativo"}, False)]},
    {"name": "puntaje", "type": "integer", "labels": {"es": "Puntaje"}},
    {"name": "opinion", "type": "text", "labels": {"es": "Opinión"}},
]


def analysed_survey(**kwargs):
    return make_survey(questions=QUESTIONS, languages=["es"], **{"state": "open", **kwargs})


def respond(survey, *, person=None, anonymous=False, excluded=False, **answers) -> Response:
    """answers: name -> an option's name, a list of them (multiple choice) or a value."""
    questions = {q.name: q for q in survey.questions}
    response = Response(survey_id=survey.id, person_id=person.id if person else None, anonymous=anonymous,
                        excluded=excluded)
    for name, given in answers.items():
        question = questions[name]
        if question.choices:
            for choice in given if isinstance(given, list) else [given]:
                chosen = next(c for c in question.choices if c.name == choice)
                response.answers.append(Answer(question_id=question.id, choice_id=chosen.id))
        else:
            response.answers.append(Answer(question_id=question.id, value=str(given)))
    db.session.add(response)
    db.session.commit()
    return response


def scene():
    """13 people (6 women, 5 men, 2 non-binary) and one anonymous response; (survey, questions by name)."""
    survey = analysed_survey()
    for i in range(6):
        respond(survey, person=make_person(given_name=f"M{i}", email=None, sex="mujer"), asistio="si",
                calidad="buena" if i < 4 else "regular", temas=["voto"], puntaje=9)
    for i in range(5):
        respond(survey, person=make_person(given_name=f"H{i}", email=None, sex="hombre"), asistio="no",
                temas=["consulta"])
    for i in range(2):
        respond(survey, person=make_person(given_name=f"N{i}", email=None, sex="no_binario"), asistio="si",
                calidad="mala")
    respond(survey, anonymous=True, asistio="no")
    question = {q.name: q for q in survey.questions}
    return survey, question
