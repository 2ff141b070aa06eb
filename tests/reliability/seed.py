"""Data the reliability tests put in a database before starting a server on it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from tests.reliability.harness import in_app

QUESTIONS = [
    {"name": "calidad", "type": "select_one", "required": True, "indicator": True,
     "labels": {"es": "¿Cómo califica la jornada?", "en": "How do you rate the day?"},
     "choices": [("buena", {"es": "Buena", "en": "Good"}, True),
                 ("regular", {"es": "Regular", "en": "Fair"}, False),
                 ("mala", {"es": "Mala", "en": "Poor"}, False)]},
    {"name": "temas", "type": "select_multiple", "labels": {"es": "Temas", "en": "Topics"},
     "choices": [("voto", {"es": "Voto", "en": "Voting"}, False),
                 ("observacion", {"es": "Observación", "en": "Observation"}, False)]},
    {"name": "edad", "type": "integer", "labels": {"es": "Edad", "en": "Age"}},
    {"name": "opinion", "type": "text", "labels": {"es": "Opinión", "en": "Opinion"}},
]
ANSWER_ROWS = 5  # calidad, two temas, edad, opinion


@dataclass
class SurveySeed:
    survey_id: int
    open_token: str
    invitation_tokens: list[str] = field(default_factory=list)
    person_of_token: dict[str, int] = field(default_factory=dict)


def seed_survey(database_url: str, invitations: int = 0, *, open_link_limited: bool = True) -> SurveySeed:
    """One open, identified survey with its open link and `invitations` personal links. `open_link_limited`
    False switches off the open link's limits per browser and address (a test whose clients post the open
    link over and over from 127.0.0.1, to measure something else)."""
    from crm.core.extensions import db
    from surveys.models import Invitation
    from tests.factories import make_person, make_survey

    with in_app(database_url):
        survey = make_survey(questions=QUESTIONS, state="open", code=f"jornada_{secrets.token_hex(3)}")
        survey.open_link_limited = open_link_limited
        seed = SurveySeed(survey.id, survey.open_token)
        for number in range(invitations):
            person = make_person(given_name=f"Observadora{number}", email=f"observadora{number}@example.org")
            token = secrets.token_urlsafe(24)
            db.session.add(Invitation(survey_id=survey.id, person_id=person.id, token=token))
            seed.invitation_tokens.append(token)
            seed.person_of_token[token] = person.id
        db.session.commit()
    return seed


def answers_for(marker: str, number: int) -> list[tuple[str, str]]:
    """A filled form whose text answer names its sender (so every stored response can be traced)."""
    return [("q_calidad", ("buena", "regular", "mala")[number % 3]), ("q_temas", "voto"), ("q_temas", "observacion"),
            ("q_edad", str(18 + number % 60)), ("q_opinion", marker)]
