"""Demo data of the coding of open-text answers: varied comments for the demo surveys and, on the Red Voto
Chilango survey, a code book with some comments coded (the rest left «sin codificar»), through the services."""

from __future__ import annotations

from sqlalchemy import select

from crm.core.extensions import db
from crm.core.text import fold
from surveys.coding import services
from surveys.models import Answer, Question, Survey

COMMENTS = (
    "Muy útil la información, gracias.",
    "El horario fue muy temprano para quienes vivimos en otro huso horario.",
    "El personal nos atendió con mucha amabilidad.",
    "Sugiero una sede más cercana al metro.",
    "La sesión empezó tarde; convendría respetar el horario.",
    "Excelente trato del personal y buena explicación del voto por internet.",
    "Podrían transmitir la reunión en línea para quienes no pueden ir a la sede.",
    "Me gustaría recibir los materiales por correo antes de la reunión.",
)
CODES = (  # label, description, words of the comments it is given to in the demo
    ("Horario", "Menciones de la hora, la duración o la puntualidad", ("horario", "tarde", "temprano")),
    ("Trato del personal", "Opiniones sobre la atención recibida", ("personal", "amabilidad")),
    ("Sugerencia de sede", "Propuestas de otro lugar o de una modalidad en línea", ("sede",)),
    ("Materiales", "Pedidos de materiales o información", ()),
)
CODED_SURVEY = "demo-satisfaccion-rvc"


def comment(index: int) -> str:
    """The demo's comment number `index` (they repeat in this order)."""
    return COMMENTS[index % len(COMMENTS)]


def load_coding() -> None:
    """The code book of the Red Voto Chilango survey's comments, and the comments coded by their words, except the
    last ones (left for staff to code). Nothing is done when the question already has codes."""
    question = db.session.scalar(select(Question).join(Survey, Survey.id == Question.survey_id)
                                 .where(Survey.code == CODED_SURVEY, Question.name == "comentarios"))
    if question is None or services.codes_of(question):
        return
    answers = list(db.session.scalars(select(Answer).where(Answer.question_id == question.id).order_by(Answer.id)))
    coded = answers[: max(1, len(answers) * 3 // 4)]
    for label, description, words in CODES:
        code = services.create_code(question, label, description, actor="demo")
        chosen = [a.id for a in coded if any(word in fold(a.value) for word in words)]
        if chosen:
            services.assign(question, chosen, [code.id], actor="demo")
