"""Scenes for the coding tests: a survey whose open-text question «opinion» has comments."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm.core.extensions import db
from surveys.models import Answer, Response
from tests.factories import make_survey

COMMENTS = ("El horario fue muy temprano.", "El personal nos trató con amabilidad.",
            "Propongo otra sede más céntrica.", "Buen horario y buen trato.", "Sin comentarios adicionales.")


def comment(survey, text: str | None, *, excluded: bool = False, choice: str = "buena", when=None) -> Response:
    """A response choosing `choice`; with a comment when `text` is given (None: the open question skipped)."""
    closed, opinion = survey.questions[0], survey.questions[1]
    response = Response(survey_id=survey.id, excluded=excluded, submitted_at=when or datetime(2025, 5, 6, 16))
    response.answers.append(Answer(question_id=closed.id,
                                   choice_id=next(c.id for c in closed.choices if c.name == choice)))
    if text is not None:
        response.answers.append(Answer(question_id=opinion.id, value=text))
    db.session.add(response)
    db.session.commit()
    return response


def commented_survey(**kwargs):
    """Five comments (one per COMMENTS, newest first in that order), one response without a comment and one
    excluded response with a comment: 5 counted responses answered «opinion», 6 responses in all are counted."""
    survey = make_survey(**kwargs)
    start = datetime(2025, 5, 6, 16)
    for i, text in enumerate(COMMENTS):
        comment(survey, text, when=start - timedelta(hours=i))
    comment(survey, None)
    comment(survey, "Ráfaga: horario horario horario.", excluded=True)
    return survey


def opinion_answers(survey) -> dict[str, int]:
    """comment text -> its answer id."""
    question = survey.questions[1]
    return {a.value: a.id for a in db.session.scalars(db.select(Answer).where(Answer.question_id == question.id))}
