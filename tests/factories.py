"""Factories: plain functions that build valid records with sensible defaults.

Each takes keyword overrides and commits, so a test reads as the rule it protects.
"""

from __future__ import annotations

import itertools
import secrets
from datetime import date

from crm.core.extensions import db

PASSWORD = "Una frase de paso larga 42"
_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


def make_user(role: str = "staff", email: str | None = None, password: str = PASSWORD, **kwargs):
    from crm.auth.models import User

    user = User(email=email or f"usuario{n()}@iecm.mx", role=role, name=kwargs.pop("name", "Persona Usuaria"), **kwargs)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_network(code: str = "rvc"):
    from sqlalchemy import select

    from crm.contacts.catalogs import NETWORKS
    from crm.contacts.models import Network

    network = db.session.scalar(select(Network).where(Network.code == code))
    if network is None:
        network = Network(code=code, name=NETWORKS.get(code, code))
        db.session.add(network)
        db.session.commit()
    return network


def make_organization(name: str | None = None, **kwargs):
    from crm.contacts.models import Organization
    from crm.core.text import fold

    name = name or f"Organización {n()}"
    acronym = kwargs.pop("acronym", None)
    org = Organization(name=name, name_key=fold(name), acronym=acronym, acronym_key=fold(acronym) if acronym else None,
                       **kwargs)
    db.session.add(org)
    db.session.commit()
    return org


def make_person(given_name: str = "Rosa", first_surname: str | None = None, email: str | None = "auto",
                phone: str | None = None, networks: tuple[str, ...] = (), consent: bool = False, **kwargs):
    """A person; `consent`: with a recorded consent (as the contacts file's `consentimiento` records it),
    which every e-mail to them requires (crm.contacts.privacy.consent)."""
    from crm.contacts.models import Consent, Membership, Person, PersonEmail, PersonPhone
    from crm.core.text import fold

    first_surname = first_surname or f"Téllez{n()}"
    person = Person(given_name=given_name, first_surname=first_surname,
                    second_surname=kwargs.pop("second_surname", ""), **kwargs)
    person.name_key = fold(person.full_name)
    if email == "auto":
        email = f"persona{n()}@example.org"
    if email:
        person.emails.append(PersonEmail(address=email, address_key=email.lower(), is_primary=True))
    if phone:
        person.phones.append(PersonPhone(e164=phone, is_primary=True))
    db.session.add(person)
    db.session.flush()
    for code in networks:
        db.session.add(Membership(person_id=person.id, network_id=make_network(code).id, status="active"))
    if consent:
        db.session.add(Consent(person_id=person.id, channel="import", purpose="redes"))
    db.session.commit()
    return person


def load_program(year: int = 2025):
    from crm.program import services

    data = services.read_program_file(None)
    data["year"] = year
    return services.load_program(data).program


def make_activity(code: str = "AI2.2", on: date = date(2025, 2, 1), title: str | None = None, **kwargs):
    from crm.core.text import fold
    from crm.events.models import Activity
    from crm.program.services import action_line_by_code

    line = action_line_by_code(on.year, code)
    if line is None:
        load_program(on.year)
        line = action_line_by_code(on.year, code)
    title = title or f"Actividad {n()}"
    activity = Activity(date=on, action_line_id=line.id, title=title, title_key=fold(title), **kwargs)
    db.session.add(activity)
    db.session.commit()
    return activity


def make_survey(questions: list[dict] | None = None, **kwargs):
    """questions: [{"name", "type", "labels", "required", "indicator", "logic",
    "choices": [(name, labels, positive[, extra])]}]"""
    from surveys.models import Choice, Question, Survey

    code = kwargs.pop("code", None) or f"encuesta_{n()}"
    survey = Survey(code=code, form_id=code, title=kwargs.pop("title", "Encuesta de satisfacción"),
                    open_token=secrets.token_urlsafe(16), languages=kwargs.pop("languages", ["es", "en"]), **kwargs)
    if questions is None:
        questions = [
            {"name": "calidad", "type": "select_one", "labels": {"es": "¿Cómo califica la sesión?",
                                                                  "en": "How do you rate the session?"},
             "required": True, "indicator": True,
             "choices": [("buena", {"es": "Buena", "en": "Good"}, True),
                         ("regular", {"es": "Regular", "en": "Fair"}, False),
                         ("mala", {"es": "Mala", "en": "Poor"}, False)]},
            {"name": "opinion", "type": "text", "labels": {"es": "Opinión", "en": "Opinion"}},
        ]
    for position, q in enumerate(questions):
        question = Question(position=position, type=q["type"], name=q.get("name"), labels=q.get("labels", {}),
                            hints=q.get("hints", {}), required=q.get("required", False),
                            indicator=q.get("indicator", False), list_name=q.get("list_name"),
                            logic=q.get("logic") or {}, appearance=q.get("appearance") or "")
        for cpos, (cname, clabels, positive, *extra) in enumerate(q.get("choices", [])):  # extra: {column: text}
            question.choices.append(Choice(position=cpos, name=cname, labels=clabels, positive=positive,
                                           extra=extra[0] if extra else {}))
        survey.questions.append(question)
    db.session.add(survey)
    db.session.commit()
    return survey
