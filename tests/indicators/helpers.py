"""Hand-built survey answers for indicator tests."""

from __future__ import annotations

from datetime import datetime

from crm.core.extensions import db
from surveys.models import Answer, Response
from tests.factories import make_survey

TWO_INDICATORS = [
    {"name": "calidad", "type": "select_one", "indicator": True, "labels": {"es": "Calidad"},
     "choices": [("buena", {"es": "Buena"}, True), ("mala", {"es": "Mala"}, False)]},
    {"name": "utilidad", "type": "select_one", "indicator": True, "labels": {"es": "Utilidad"},
     "choices": [("util", {"es": "Útil"}, True), ("inutil", {"es": "Inútil"}, False)]},
    {"name": "opinion", "type": "text", "labels": {"es": "Opinión"}},
]


def survey(component: str | None = "AI3", year: int | None = 2025, questions=None):
    return make_survey(questions, component_code=component, year=year)


def respond(survey, at: datetime, **answers: str) -> Response:
    """A response submitted at `at` (naive UTC): question name -> choice name (or text for text questions)."""
    response = Response(survey_id=survey.id, submitted_at=at, channel="import")
    questions = {q.name: q for q in survey.questions}
    for name, value in answers.items():
        question = questions[name]
        if question.type == "select_one":
            choice = next(c for c in question.choices if c.name == value)
            response.answers.append(Answer(question_id=question.id, choice_id=choice.id))
        else:
            response.answers.append(Answer(question_id=question.id, value=value))
    db.session.add(response)
    db.session.commit()
    return response
