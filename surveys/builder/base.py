"""The survey builder's vocabulary and shared helpers: kinds of question, plain data in, text cleaning,
the answered-question checks and the audited commit."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from crm.core import audit
from crm.core.extensions import db
from surveys import services
from surveys.models import Answer, Question, Survey
from surveys.models import Response as SurveyResponse
from surveys.responses.describe import type_label
from surveys.xlsform.model import MAX_NAME, is_valid_name

MAX_LABEL = 1000
MAX_CHOICE_LABEL = 300
MAX_TITLE = 300
LANGUAGE_SETS = {"es": ["es"], "es,en": ["es", "en"]}
BUILDER_LANGUAGES = ("es", "en")


class BuilderError(services.SurveyError):
    pass


# --------------------------------------------------------------------------- the kinds of question

@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    type: str
    appearance: str = ""
    help: str = ""


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("single", "Opción única", "select_one", help="La persona elige una sola opción."),
    Kind("multiple", "Opción múltiple", "select_multiple", help="La persona puede elegir varias opciones."),
    Kind("scale", "Escala de calificación (Likert)", "select_one",
         help="Cinco niveles; los dos más altos cuentan como respuesta positiva."),
    Kind("yesno", "Sí / No", "select_one", help="«Sí» cuenta como respuesta positiva."),
    Kind("short_text", "Texto corto", "text", help="Una línea de texto."),
    Kind("long_text", "Texto largo", "text", "multiline", help="Un párrafo o más."),
    Kind("integer", "Número entero", "integer"),
    Kind("decimal", "Número con decimales", "decimal"),
    Kind("date", "Fecha", "date"),
    Kind("note", "Nota (texto sin respuesta)", "note", help="Un texto informativo; no lleva respuesta."),
    Kind("section", "Sección", "begin_group", help="Agrupa preguntas bajo un título."),
)}
SELECT_TYPES = ("select_one", "select_multiple")

# Presets: (code, {lang: label}, positive)
SCALES: dict[str, tuple[str, list[tuple[str, dict[str, str], bool]]]] = {
    "calificacion": ("Excelente … Muy mala", [
        ("excelente", {"es": "Excelente", "en": "Excellent"}, True),
        ("buena", {"es": "Buena", "en": "Good"}, True),
        ("regular", {"es": "Regular", "en": "Fair"}, False),
        ("mala", {"es": "Mala", "en": "Poor"}, False),
        ("muy_mala", {"es": "Muy mala", "en": "Very poor"}, False),
    ]),
    "satisfaccion": ("Muy satisfactoria … Muy insatisfactoria", [
        ("muy_satisfactoria", {"es": "Muy satisfactoria", "en": "Very satisfactory"}, True),
        ("satisfactoria", {"es": "Satisfactoria", "en": "Satisfactory"}, True),
        ("neutral", {"es": "Ni satisfactoria ni insatisfactoria", "en": "Neither satisfactory nor unsatisfactory"},
         False),
        ("insatisfactoria", {"es": "Insatisfactoria", "en": "Unsatisfactory"}, False),
        ("muy_insatisfactoria", {"es": "Muy insatisfactoria", "en": "Very unsatisfactory"}, False),
    ]),
    "acuerdo": ("Totalmente de acuerdo … Totalmente en desacuerdo", [
        ("totalmente_de_acuerdo", {"es": "Totalmente de acuerdo", "en": "Strongly agree"}, True),
        ("de_acuerdo", {"es": "De acuerdo", "en": "Agree"}, True),
        ("ni_acuerdo_ni_desacuerdo", {"es": "Ni de acuerdo ni en desacuerdo", "en": "Neither agree nor disagree"},
         False),
        ("en_desacuerdo", {"es": "En desacuerdo", "en": "Disagree"}, False),
        ("totalmente_en_desacuerdo", {"es": "Totalmente en desacuerdo", "en": "Strongly disagree"}, False),
    ]),
}
YES_NO = [("si", {"es": "Sí", "en": "Yes"}, True), ("no", {"es": "No", "en": "No"}, False)]


def preset_choices(kind: str, scale: str = "calificacion") -> list[ChoiceData]:
    """The options a new scale or yes/no question starts with."""
    if kind == "scale":
        rows = SCALES.get(scale, SCALES["calificacion"])[1]
    elif kind == "yesno":
        rows = YES_NO
    else:
        return []
    return [ChoiceData(name=name, labels=dict(labels), positive=positive) for name, labels, positive in rows]


# The types the builder edits; the others (calculations, repeats, metadata, uploads, times, locations...) come
# from an imported XLSForm and are edited there
EDITABLE_TYPES = frozenset(k.type for k in KINDS.values())
XLSFORM_ONLY = "Esta pregunta se edita en el archivo XLSForm"


def is_editable(question: Question) -> bool:
    return question.type in EDITABLE_TYPES


def kind_of(question: Question) -> str:
    """The builder's kind for a stored question of an editable type (scales and yes/no are single-choice
    questions)."""
    if question.type == "text":
        return "long_text" if "multiline" in (question.appearance or "").split() else "short_text"
    if question.type == "begin_group":
        return "section"
    return next(k.key for k in KINDS.values() if k.type == question.type)


def kind_label(question: Question) -> str:
    """The kind's name in the builder's words (short or long text), else the type's (surveys.responses.describe)."""
    if question.type in EDITABLE_TYPES:
        return KINDS[kind_of(question)].label
    return type_label(question.type)


# --------------------------------------------------------------------------- plain data in

@dataclass
class ChoiceData:
    name: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    positive: bool = False
    id: int | None = None


@dataclass
class QuestionData:
    kind: str
    labels: dict[str, str] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    name: str = ""
    required: bool = False
    indicator: bool = False
    choices: list[ChoiceData] = field(default_factory=list)
    scale: str = "calificacion"


@dataclass
class SurveySettings:
    title_es: str
    title_en: str = ""
    languages: str = "es"  # a key of LANGUAGE_SETS
    anonymous: bool = False
    component_code: str | None = None
    year: int | None = None
    activity_id: int | None = None
    observation_program_id: int | None = None
    opens_at: datetime | None = None  # local (CRM_TIMEZONE), naive
    closes_at: datetime | None = None
    open_link_limited: bool = True  # surveys.respond.open_limits; None counts: keep the current (or default)
    open_link_per_browser: int | None = None
    open_link_per_address_hour: int | None = None


# --------------------------------------------------------------------------- small helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, limit: int) -> str:
    """Trimmed text without control characters (line breaks are kept)."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()[:limit]


def clean_texts(texts: dict[str, str], limit: int, languages: list[str]) -> dict[str, str]:
    out = {}
    for lang in languages:
        text = clean_text(texts.get(lang), limit)
        if text:
            out[lang] = text
    return out


def name_from(text: str, fallback: str) -> str:
    """An XML name from a label: `¿Cómo califica…?` -> `como_califica`."""
    slug = services.slugify(text).replace("-", "_")
    slug = re.sub(r"_{2,}", "_", slug).strip("_")[:40].strip("_")
    if not slug:
        slug = fallback
    if not (slug[0].isalpha() or slug[0] == "_"):
        slug = f"{fallback}_{slug}"
    return slug


def unique_name(base: str, taken: set[str]) -> str:
    base = base[: MAX_NAME - 4]
    if base not in taken and base != "meta":
        return base
    counter = 2
    while f"{base}_{counter}" in taken:
        counter += 1
    return f"{base}_{counter}"


def name_problem(name: str) -> str | None:
    if is_valid_name(name):
        return None
    if name == "meta":
        return "«meta» es un nombre reservado"
    if len(name) > MAX_NAME:
        return f"supera {MAX_NAME} caracteres"
    return "no es un código válido: empiece con una letra o _ y use solo letras, números, _ . o -, sin espacios"


def has_responses(survey: Survey) -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)) or 0


# A question's answers are read through its survey's responses: the answers' index is (response, question).

def answered_question_ids(survey: Survey) -> set[int]:
    return set(db.session.scalars(
        select(Answer.question_id).join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(SurveyResponse.survey_id == survey.id).distinct()))


def answered_choice_ids(question: Question) -> set[int]:
    return set(db.session.scalars(
        select(Answer.choice_id).join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(SurveyResponse.survey_id == question.survey_id, Answer.question_id == question.id,
               Answer.choice_id.is_not(None)).distinct()))


def is_answered(question: Question) -> bool:
    return db.session.scalar(
        select(Answer.id).join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(SurveyResponse.survey_id == question.survey_id, Answer.question_id == question.id).limit(1)) is not None


def renumber(survey: Survey) -> list[Question]:
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    for index, question in enumerate(ordered):
        question.position = index
    return ordered


def commit_change(survey: Survey, action: str, details: dict, actor) -> None:
    audit.record(actor, action, survey, details)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise

