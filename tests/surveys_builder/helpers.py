"""Shared helpers for the builder and invitation tests."""

from __future__ import annotations

from crm.contacts.models import ChannelPreference
from crm.core.extensions import db
from surveys.models import Answer, Response


def oppose(person, channel: str) -> None:
    db.session.add(ChannelPreference(person_id=person.id, channel=channel, opted_out=True))
    db.session.commit()


def answer(survey, question_name: str, choice: str | None = None, value: str | None = None):
    """A stored response answering one question (by choice code or value)."""
    question = next(q for q in survey.questions if q.name == question_name)
    response = Response(survey_id=survey.id)
    if choice is not None:
        response.answers.append(Answer(question_id=question.id,
                                       choice_id=next(c.id for c in question.choices if c.name == choice)))
    else:
        response.answers.append(Answer(question_id=question.id, value=value or "x"))
    db.session.add(response)
    db.session.commit()
    return response
