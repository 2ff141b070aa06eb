"""Survey operations: create from a definition, find, open/close, links and invitations.

Plain functions over model objects; they own the transaction and raise SurveyError
(a Spanish message for the user) when a rule is broken.
"""

from __future__ import annotations

import re
import secrets
import unicodedata

from sqlalchemy import select, update

from crm.contacts.models import PersonEmail
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import STRUCTURAL, Choice, Invitation, Question, Response, Survey
from surveys.xlsform.model import ChoiceDef, FormDefinition, QuestionDef

COMPONENTS = ("AI3", "AI5", "AI6")
MAX_CODE = 80
STATES = {"draft": "Borrador", "open": "Abierta", "closed": "Cerrada"}  # as the pages name them


class SurveyError(DomainError):
    pass


def respondent_path(token: str) -> str:
    """The respondent page of an open link or a personal invitation."""
    return f"/r/{token}"


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


# --------------------------------------------------------------------------- identifiers

def slugify(text: str) -> str:
    """ASCII slug: `Sesión informativa` -> `sesion-informativa`; `sesion_info` stays as it is."""
    ascii_text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9_-]+", "-", ascii_text)
    slug = re.sub(r"-{2,}", "-", slug).strip("-_")
    return slug[: MAX_CODE - 10].strip("-_")


def unique_code(base: str) -> str:
    base = slugify(base) or "encuesta"
    if base.isdigit():
        base = f"encuesta-{base}"  # a numeric code would read as an id
    taken = set(db.session.scalars(select(Survey.code).where(Survey.code.like(f"{base}%"))))
    if base not in taken:
        return base
    counter = 2
    while f"{base}-{counter}" in taken:
        counter += 1
    return f"{base}-{counter}"


def find_survey(identifier: str | int) -> Survey:
    """A survey by its code or its numeric id."""
    text = str(identifier).strip()
    survey = db.session.scalar(select(Survey).where(Survey.code == text)) if text else None
    if survey is None and text.isascii() and text.isdigit() and len(text) < 10:
        survey = db.session.get(Survey, int(text))
    if survey is None:
        raise SurveyError(f"no existe la encuesta «{text}» (use su código o su número)")
    return survey


# --------------------------------------------------------------------------- create / describe

def validate_link(component_code: str | None, year: int | None) -> str | None:
    if component_code is not None:
        component_code = component_code.strip().upper() or None
    if component_code is not None and component_code not in COMPONENTS:
        raise SurveyError(f"el componente «{component_code}» no es válido: use AI3, AI5 o AI6")
    if year is not None and not 2000 <= year <= 2100:
        raise SurveyError(f"el año {year} no es válido")
    return component_code


def create_survey(definition: FormDefinition, *, component_code: str | None = None, year: int | None = None,
                  actor=None, anonymous: bool = False) -> Survey:
    """A new draft survey with the definition's questions and choices (one transaction)."""
    component_code = validate_link(component_code, year)
    code = unique_code(definition.form_id or definition.title)
    survey = Survey(code=code, form_id=definition.form_id[:MAX_CODE], title=definition.title[:300],
                    titles={definition.default_language: definition.title[:300]}, description={},
                    state="draft", languages=list(definition.languages), default_language=definition.default_language,
                    anonymous=anonymous, component_code=component_code, year=year, open_token=new_token())
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        survey.created_by_id = actor.id
    for position, qdef in enumerate(definition.questions):
        question = Question(position=position, type=qdef.type, name=qdef.name, list_name=qdef.list_name,
                            labels=dict(qdef.labels), hints=dict(qdef.hints), required=qdef.required,
                            indicator=qdef.indicator, appearance=qdef.appearance[:80],
                            logic=dict(qdef.logic))
        for cpos, cdef in enumerate(qdef.choices):
            question.choices.append(Choice(position=cpos, name=cdef.name, labels=dict(cdef.labels),
                                           positive=cdef.positive, extra=dict(cdef.extra)))
        survey.questions.append(question)
    try:
        db.session.add(survey)
        db.session.flush()
        audit.record(actor, "surveys.import_form", survey,
                     {"code": code, "questions": len(survey.answerable_questions),
                      "component": component_code, "year": year})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return survey


def definition_of(survey: Survey) -> FormDefinition:
    """The survey as a plain definition (what export-form writes)."""
    default = survey.default_language or "es"
    languages = [default] + [lang for lang in (survey.languages or []) if lang != default]
    questions = []
    for q in survey.questions:
        structural = q.type in STRUCTURAL
        closer = q.type in ("end_group", "end_repeat")
        select = q.type in ("select_one", "select_multiple", "rank")
        questions.append(QuestionDef(
            type=q.type, name=None if closer else q.name, labels=dict(q.labels or {}),
            hints=dict(q.hints or {}), required=bool(q.required) and not structural, indicator=bool(q.indicator),
            appearance="" if closer else (q.appearance or ""),
            list_name=(q.list_name or q.name) if select else None,
            choices=[ChoiceDef(c.name, dict(c.labels or {}), bool(c.positive), dict(c.extra or {}))
                     for c in q.choices] if select else [],
            logic=dict(q.logic or {})))
    return FormDefinition(title=survey.title, form_id=survey.form_id or survey.code,
                          default_language=default, languages=languages, questions=questions)


# --------------------------------------------------------------------------- state

def open_survey(survey: Survey, *, actor=None) -> Survey:
    now = utcnow()
    survey.state = "open"
    if survey.opens_at is None:
        survey.opens_at = now
    if survey.closes_at is not None and (survey.closes_at <= now or survey.closes_at <= survey.opens_at):
        survey.closes_at = None  # reopening: an end date in the past would keep it closed
    audit.record(actor, "surveys.open", survey, {"code": survey.code})
    db.session.commit()
    return survey


def close_survey(survey: Survey, *, actor=None) -> Survey:
    now = utcnow()
    survey.state = "closed"
    if (survey.closes_at is None or survey.closes_at > now) and (survey.opens_at is None or survey.opens_at < now):
        survey.closes_at = now
    audit.record(actor, "surveys.close", survey, {"code": survey.code})
    db.session.commit()
    return survey


def set_excluded(survey: Survey, response_ids, excluded: bool, *, actor=None, details: dict | None = None) -> int:
    """Excludes responses of `survey` from every indicator, breakdown and summary (or includes them again).

    The responses stay stored. Audited (who, which survey, how many, `details` such as the burst reviewed)
    and committed; returns how many responses changed.
    """
    ids = sorted({int(i) for i in response_ids})
    changed = 0
    if ids:
        result = db.session.execute(
            update(Response).where(Response.survey_id == survey.id, Response.id.in_(ids),
                                   Response.excluded.is_not(excluded))
            .values(excluded=excluded).execution_options(synchronize_session=False))
        changed = result.rowcount or 0
    audit.record(actor, "surveys.exclude_responses" if excluded else "surveys.include_responses", survey,
                 {"code": survey.code, "responses": len(ids), "changed": changed, **(details or {})})
    db.session.commit()
    return changed


# --------------------------------------------------------------------------- links

def open_link(survey: Survey) -> str:
    return respondent_path(survey.open_token)


def find_person_by_email(email: str):
    key = (email or "").strip().lower()
    found = db.session.scalar(select(PersonEmail).where(PersonEmail.address_key == key)) if key else None
    return found.person if found is not None else None


def create_invitation(survey: Survey, email: str, *, actor=None, channel: str = "link",
                      source: str = "") -> Invitation:
    """A new single-use invitation for the person with that address."""
    person = find_person_by_email(email)
    if person is None:
        raise SurveyError(f"ninguna persona registrada tiene el correo «{(email or '').strip()}»")
    if person.status != "active":
        raise SurveyError("la persona está bloqueada o anonimizada y no puede recibir invitaciones")
    invitation = Invitation(survey=survey, person_id=person.id, token=new_token(), status="pending",
                            channel=channel, source=source[:60])
    db.session.add(invitation)
    db.session.flush()
    audit.record(actor, "surveys.invite", survey, {"invitation": invitation.id, "person": person.id})
    db.session.commit()
    return invitation


def invitation_path(invitation: Invitation) -> str:
    return respondent_path(invitation.token)
