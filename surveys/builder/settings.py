"""The survey builder's operations on the survey itself: settings, a blank survey, a duplicate."""

from __future__ import annotations

from copy import deepcopy

from crm.core.extensions import db
from crm.core.timeutil import to_local, to_utc_naive
from crm.events.models import Activity, ObservationProgram
from surveys import services
from surveys.builder.base import (
    LANGUAGE_SETS,
    MAX_TITLE,
    BuilderError,
    SurveySettings,
    clean_text,
    commit_change,
    has_responses,
)
from surveys.models import MAX_PER_ADDRESS_HOUR, MAX_PER_BROWSER, Choice, Question, Survey

# --------------------------------------------------------------------------- survey settings

def _settings_values(settings: SurveySettings) -> dict:
    title_es = clean_text(settings.title_es, MAX_TITLE).replace("\n", " ")
    if not title_es:
        raise BuilderError("Escriba el título de la encuesta en español.")
    languages = LANGUAGE_SETS.get(settings.languages)
    if languages is None:
        raise BuilderError("Elija los idiomas: español, o español e inglés.")
    title_en = clean_text(settings.title_en, MAX_TITLE).replace("\n", " ") if "en" in languages else ""
    component = services.validate_link(settings.component_code or None, settings.year)
    opens_at = to_utc_naive(settings.opens_at) if settings.opens_at else None
    closes_at = to_utc_naive(settings.closes_at) if settings.closes_at else None
    if opens_at and closes_at and closes_at <= opens_at:
        raise BuilderError("La fecha de cierre debe ser posterior a la de apertura.")
    if settings.activity_id is not None:
        if not 0 < settings.activity_id < 2**31 or db.session.get(Activity, settings.activity_id) is None:
            raise BuilderError("La actividad elegida no existe.")
    if settings.observation_program_id is not None:
        if (not 0 < settings.observation_program_id < 2**31
                or db.session.get(ObservationProgram, settings.observation_program_id) is None):
            raise BuilderError("El programa de observación elegido no existe.")
    titles = {"es": title_es}
    if title_en:
        titles["en"] = title_en
    return {**_open_link_values(settings),
            "title": title_es, "titles": titles, "languages": languages, "anonymous": bool(settings.anonymous),
            "component_code": component, "year": settings.year, "activity_id": settings.activity_id,
            "observation_program_id": settings.observation_program_id, "opens_at": opens_at,
            "closes_at": closes_at}


def _open_link_values(settings: SurveySettings) -> dict:
    """The open link's limits (surveys.respond.open_limits); an empty number keeps the current value."""
    values = {"open_link_limited": bool(settings.open_link_limited)}
    per_browser, per_address = settings.open_link_per_browser, settings.open_link_per_address_hour
    if per_browser is not None:
        if not 1 <= per_browser <= MAX_PER_BROWSER:
            raise BuilderError(f"Las respuestas por navegador deben estar entre 1 y {MAX_PER_BROWSER}.")
        values["open_link_per_browser"] = per_browser
    if per_address is not None:
        if not 1 <= per_address <= MAX_PER_ADDRESS_HOUR:
            raise BuilderError(f"Las respuestas por conexión cada hora deben estar entre 1 y {MAX_PER_ADDRESS_HOUR}.")
        values["open_link_per_address_hour"] = per_address
    return values


def create_blank(settings: SurveySettings, *, actor=None) -> Survey:
    """A new draft survey with no questions yet."""
    values = _settings_values(settings)
    code = services.unique_code(values["title"])
    survey = Survey(code=code, form_id=code, description={}, state="draft", default_language="es",
                    open_token=services.new_token(), **values)
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        survey.created_by_id = actor.id
    db.session.add(survey)
    db.session.flush()
    commit_change(survey, "surveys.create", {"code": code, "component": values["component_code"], "year": settings.year},
            actor)
    return survey


def settings_of(survey: Survey) -> SurveySettings:
    def local(value):
        return to_local(value).replace(tzinfo=None) if value else None

    titles = survey.titles or {}
    return SurveySettings(
        title_es=titles.get("es") or survey.title, title_en=titles.get("en", ""),
        languages="es,en" if "en" in (survey.languages or []) else "es", anonymous=survey.anonymous,
        component_code=survey.component_code, year=survey.year, activity_id=survey.activity_id,
        observation_program_id=survey.observation_program_id, opens_at=local(survey.opens_at),
        closes_at=local(survey.closes_at), open_link_limited=bool(survey.open_link_limited),
        open_link_per_browser=survey.open_link_per_browser,
        open_link_per_address_hour=survey.open_link_per_address_hour)


def update_settings(survey: Survey, settings: SurveySettings, *, actor=None) -> Survey:
    values = _settings_values(settings)
    if values["anonymous"] != bool(survey.anonymous) and has_responses(survey):
        raise BuilderError("La encuesta ya tiene respuestas: no puede cambiar si es anónima o identificada, "
                           "porque las respuestas guardadas quedarían con otra regla de privacidad.")
    titles = dict(survey.titles or {})
    titles.update(values.pop("titles"))
    if "en" not in values["languages"]:
        titles.pop("en", None)
    survey.titles = titles
    for key, value in values.items():
        setattr(survey, key, value)
    if survey.default_language not in survey.languages:
        survey.default_language = "es"
    commit_change(survey, "surveys.edit", {"code": survey.code}, actor)
    return survey


# --------------------------------------------------------------------------- duplicate

def duplicate(survey: Survey, *, actor=None) -> Survey:
    """A draft copy with the same questions, no responses or invitations, a new code and open link."""
    code = services.unique_code(f"{survey.code}-copia")
    titles = {lang: f"{text} ({'copy' if lang == 'en' else 'copia'})"[:MAX_TITLE]
              for lang, text in (survey.titles or {}).items()}
    title = f"{survey.title} (copia)"[:MAX_TITLE]
    copy = Survey(code=code, form_id=code, title=title, titles=titles or {"es": title},
                  description=dict(survey.description or {}), state="draft", opens_at=None, closes_at=None,
                  languages=list(survey.languages or ["es"]), default_language=survey.default_language,
                  anonymous=survey.anonymous, component_code=survey.component_code, year=survey.year,
                  activity_id=survey.activity_id, observation_program_id=survey.observation_program_id,
                  open_token=services.new_token(), open_link_limited=survey.open_link_limited,
                  open_link_per_browser=survey.open_link_per_browser,
                  open_link_per_address_hour=survey.open_link_per_address_hour)
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        copy.created_by_id = actor.id
    for position, q in enumerate(sorted(survey.questions, key=lambda q: (q.position, q.id))):
        question = Question(position=position, type=q.type, name=q.name, list_name=q.list_name,
                            labels=dict(q.labels or {}), hints=dict(q.hints or {}), required=q.required,
                            indicator=q.indicator, appearance=q.appearance or "", logic=deepcopy(q.logic or {}))
        for cpos, c in enumerate(q.choices):
            question.choices.append(Choice(position=cpos, name=c.name, labels=dict(c.labels or {}),
                                           positive=c.positive, extra=dict(c.extra or {})))
        copy.questions.append(question)
    db.session.add(copy)
    db.session.flush()
    commit_change(copy, "surveys.duplicate", {"code": code, "from": survey.code, "from_id": survey.id}, actor)
    return copy
