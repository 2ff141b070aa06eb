"""Scenes for the staff survey pages' tests: a survey with answers to its indicator question and invitations."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from crm.core.extensions import db
from surveys.models import Answer, Invitation, Response
from tests.factories import make_person, make_survey

NAV = re.compile(r'<nav aria-label="Secciones de la encuesta".*?</nav>', re.S)


def answer(survey, choice: str, *, person=None, invitation=None, excluded=False, language="es",
           channel="web") -> Response:
    question = survey.questions[0]
    response = Response(survey_id=survey.id, person_id=person.id if person else None,
                        invitation_id=invitation.id if invitation else None, excluded=excluded,
                        language=language, channel=channel)
    response.answers.append(Answer(question_id=question.id,
                                   choice_id=next(c.id for c in question.choices if c.name == choice)))
    db.session.add(response)
    db.session.commit()
    return response


def invite(survey, n: int, *, answered: int = 0, source: str = "red:rvc") -> list[Invitation]:
    """n invitations sent; the first `answered` of them answered (with «buena»)."""
    made = []
    for i in range(n):
        person = make_person(given_name=f"Invitada{i}", email=f"invitada{i}.{secrets.token_hex(3)}@example.org")
        invitation = Invitation(survey_id=survey.id, person_id=person.id, token=secrets.token_urlsafe(24),
                                status="sent", channel="email", source=source, sent_at=datetime(2025, 5, 5, 15))
        db.session.add(invitation)
        db.session.flush()
        if i < answered:
            invitation.status, invitation.opened_at, invitation.answered_at = ("answered", datetime(2025, 5, 6, 16),
                                                                               datetime(2025, 5, 6, 16))
            answer(survey, "buena", person=person, invitation=invitation)
        made.append(invitation)
    db.session.commit()
    return made


def scored_survey(**kwargs):
    """Open; 2 counted responses by the open link (1 positive) plus 1 excluded, and 4 invitations, 1 answered
    (positive): satisfaction 2/3 = 66.7 %, response rate 1/4 = 25 %, 4 responses (3 counted)."""
    survey = make_survey(**{"state": "open", **kwargs})
    for choice in ("buena", "mala"):
        answer(survey, choice)
    answer(survey, "mala", excluded=True)
    invite(survey, 4, answered=1)
    return survey
