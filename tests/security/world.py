"""A populated database for the security suite, and every page of the app with real ids filled in.

`build_world()` loads the demo data (program 2025, people, organizations, activities, requests, observation
programs, two open surveys with answers) and adds what the demo lacks: a survey with every question type,
a sign-up waiting for review, an open ARCO request. `page_urls(app)` walks app.url_map like the role
matrix does, but fills each URL with ids and codes that exist, so forms and data really render.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.core.extensions import db
from tests.conftest import login
from tests.factories import make_user

HOSTILE_SURVEY_QUESTIONS = [
    {"name": "calidad", "type": "select_one", "required": True, "indicator": True,
     "labels": {"es": "¿Cómo califica la sesión?", "en": "How do you rate it?"},
     "choices": [("buena", {"es": "Buena", "en": "Good"}, True), ("mala", {"es": "Mala", "en": "Poor"}, False)]},
    {"name": "temas", "type": "select_multiple", "labels": {"es": "Temas", "en": "Topics"},
     "choices": [("voto", {"es": "Voto", "en": "Voting"}, False), ("otro", {"es": "Otro", "en": "Other"}, False)]},
    {"name": "comentario", "type": "text", "labels": {"es": "Comentario", "en": "Comment"}},
    {"name": "edad", "type": "integer", "labels": {"es": "Edad", "en": "Age"}},
    {"name": "fecha", "type": "date", "labels": {"es": "Fecha", "en": "Date"}},
]


@dataclass
class World:
    admin_email: str
    survey_id: int  # open, identified, every question type
    open_token: str
    invitation_token: str
    person_id: int
    other_person_id: int
    person_email: str
    org_id: int
    activity_id: int
    other_survey_id: int  # a demo survey


def build_world() -> World:
    from crm.app.demo import load_demo
    from crm.contacts.models import Membership, Network, Person
    from crm.contacts.privacy.rights import register_request
    from crm.events.models import Activity
    from surveys.models import Invitation, Survey
    from tests.factories import make_organization, make_person, make_survey

    load_demo()
    admin = make_user(role="admin", email=f"admin-{secrets.token_hex(3)}@iecm.mx")
    survey = make_survey(questions=HOSTILE_SURVEY_QUESTIONS, state="open", code="hostil", year=2025,
                         component_code="AI3")
    person = make_person(given_name="Marta", email="marta.hostil@example.org")
    other = make_person(given_name="Luisa", email="luisa.hostil@example.org")
    invitation = Invitation(survey_id=survey.id, person_id=person.id, token=secrets.token_urlsafe(24))
    db.session.add(invitation)
    applicant = make_person(given_name="Aspirante", email="aspirante@example.org")
    network = db.session.scalar(select(Network).where(Network.code == "rvc"))
    db.session.add(Membership(person_id=applicant.id, network_id=network.id, status="applicant", source="web"))
    db.session.commit()
    register_request(person, "access", date(2025, 3, 3), "Solicitud de acceso", actor=admin)
    org = make_organization("Organización de prueba hostil")
    activity = db.session.scalar(select(Activity).order_by(Activity.id))
    demo_survey = db.session.scalar(select(Survey).where(Survey.code == "demo-satisfaccion-rvc"))
    assert db.session.scalar(select(Person.id).limit(1)) is not None
    return World(admin.email, survey.id, survey.open_token, invitation.token, person.id, other.id,
                 "marta.hostil@example.org", org.id, activity.id, demo_survey.id)


def admin_client(app, world: World):
    from crm.auth.models import User

    client = app.test_client()
    user = db.session.scalar(select(User).where(User.email == world.admin_email))
    response = login(client, user)
    assert response.status_code in (302, 303), response.status_code
    return client


# --- every page, with real ids -------------------------------------------------------------------------

SKIP_ENDPOINTS = {"static", "bootstrap.static", "auth.logout", "signup.confirm", "imports.preview",
                  "imports.problems_report", "indicators.download_pdf"}


def _latest(model, limit: int) -> list[int]:
    ids = list(db.session.scalars(select(model.id).order_by(model.id.desc()).limit(limit)))
    first = db.session.scalar(select(model.id).order_by(model.id))
    return sorted(set(ids) | ({first} if first else set()))


def _candidates(endpoint: str, argument: str, per_kind: int) -> list:
    from crm.auth.models import User
    from crm.contacts.models import ArcoRequest, Network, Organization, Person
    from crm.events.models import Activity, ObservationProgram, Participant, PartnerRequest
    from crm.program.models import LEVELS
    from surveys.models import Invitation, Survey

    if argument == "person_id":
        return _latest(Person, per_kind)
    if argument in ("first_id", "second_id"):
        return _latest(Person, 2)
    if argument == "org_id":
        return _latest(Organization, per_kind)
    if argument == "activity_id":
        return _latest(Activity, per_kind)
    if argument == "survey_id":
        return _latest(Survey, per_kind)
    if argument == "user_id":
        return _latest(User, 3)
    if argument == "participant_id":
        return _latest(Participant, 3)
    if argument == "request_id":
        return _latest(ArcoRequest if endpoint.startswith("contacts.") else PartnerRequest, 3)
    if argument == "agreement_id":
        from crm.events.agreements.models import Agreement

        return _latest(Agreement, per_kind)
    if argument == "year":
        from crm.program.models import ProgramYear

        return list(db.session.scalars(select(ProgramYear.year)))
    if argument == "level":
        return list(LEVELS)
    if argument == "fmt":  # each route keeps those its converter accepts (page_urls)
        return ["csv", "xlsx", "pdf"]
    if argument == "kind":
        surveys = _latest(Survey, 2)
        return ["contactos", "actividades", "gestiones", *[f"encuesta-{sid}" for sid in surveys]]
    if argument == "code":
        if endpoint.startswith("events."):
            return list(db.session.scalars(select(ObservationProgram.code)))
        return list(db.session.scalars(select(Network.code)))
    if argument == "token":  # respondent pages
        tokens = list(db.session.scalars(select(Survey.open_token).where(Survey.open_token.is_not(None))))
        tokens += list(db.session.scalars(select(Invitation.token).order_by(Invitation.id.desc()).limit(3)))
        return tokens
    return []


def page_urls(app, per_kind: int = 12, methods=("GET",), skip=SKIP_ENDPOINTS) -> list[tuple[str, str]]:
    """(endpoint, url) for every route with the given methods, filled with existing ids (question ids with
    their own survey's id, evidence ids with their own activity's id)."""
    from crm.events.models import ActivityEvidence
    from surveys.models import Question

    urls: list[tuple[str, str]] = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skip or rule.redirect_to is not None:
            continue
        if not set(methods) & set(rule.methods or ()):
            continue
        arguments = sorted(rule.arguments)
        if "question_id" in arguments:
            pairs = db.session.execute(select(Question.survey_id, Question.id).order_by(Question.id.desc())
                                       .limit(per_kind)).all()
            values = [{"survey_id": s, "question_id": q} for s, q in pairs]
        elif "evidence_id" in arguments:
            pairs = db.session.execute(select(ActivityEvidence.activity_id, ActivityEvidence.id)
                                       .order_by(ActivityEvidence.id.desc()).limit(per_kind)).all()
            values = [{"activity_id": a, "evidence_id": e} for a, e in pairs]
        else:
            options = [_candidates(rule.endpoint, name, per_kind) for name in arguments]
            if any(not o for o in options):
                continue
            if arguments == ["first_id", "second_id"]:
                values = [dict(zip(arguments, options[0], strict=True))] if len(options[0]) == 2 else []
            else:
                values = [dict(zip(arguments, combo, strict=True)) for combo in itertools.product(*options)]
        for combo in values[: per_kind * 4]:
            try:
                urls.append((rule.endpoint, rule.build(combo)[1]))
            except ValueError:  # a value its converter refuses (a format the route does not offer)
                continue
    return urls


class Failure:
    """Stands for the response when the view raised (the test app propagates exceptions): a 500 for a user."""

    status_code = 500
    headers: dict = {}

    def __init__(self, exc: Exception):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        self.error = f"{type(exc).__name__}: {first}"[:300]

    def get_data(self, as_text: bool = False):
        return self.error if as_text else self.error.encode()


def fetch(client, path: str, method: str = "GET", **kwargs):
    """client.open that turns an exception in the view into a Failure (status 500) and rolls back."""
    try:
        return client.open(path, method=method, **kwargs)
    except Exception as exc:
        db.session.rollback()
        return Failure(exc)


def describe(response) -> str:
    return response.error if isinstance(response, Failure) else str(response.status_code)
