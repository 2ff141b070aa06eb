"""Building a survey on the web: settings, questions, choices, sections, order, duplicates.

Plain functions over the models (the routes in surveys/manage_builder.py parse the forms and call these).
They own the transaction and raise BuilderError (a Spanish message for the user) when a rule is broken.

The rule that protects stored answers: once a question has answers its type and code cannot change and it
cannot be deleted, and an answered option cannot be deleted or renamed; labels, hints, the required and
indicator flags and the positive marks can always be corrected, and new questions can always be added.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from crm import audit
from crm.extensions import db
from crm.timeutil import to_utc_naive
from surveys import services
from surveys.models import Answer, Choice, Question, Survey
from surveys.models import Response as SurveyResponse
from surveys.xlsform import MAX_NAME, is_valid_name

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
ANSWERABLE = ("select_one", "select_multiple", "text", "integer", "decimal", "date")

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


def kind_of(question: Question) -> str:
    """The builder's kind for a stored question (scales and yes/no are single-choice questions)."""
    if question.type == "text":
        return "long_text" if "multiline" in (question.appearance or "") else "short_text"
    if question.type == "begin_group":
        return "section"
    return next(k.key for k in KINDS.values() if k.type == question.type)


def kind_label(question: Question) -> str:
    if question.type == "end_group":
        return "Fin de sección"
    return KINDS[kind_of(question)].label


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


# --------------------------------------------------------------------------- small helpers

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None, limit: int) -> str:
    """Trimmed text without control characters (line breaks are kept)."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", value or "")).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()[:limit]


def _texts(texts: dict[str, str], limit: int, languages: list[str]) -> dict[str, str]:
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


def _unique(base: str, taken: set[str]) -> str:
    base = base[: MAX_NAME - 4]
    if base not in taken and base != "meta":
        return base
    counter = 2
    while f"{base}_{counter}" in taken:
        counter += 1
    return f"{base}_{counter}"


def _name_problem(name: str) -> str | None:
    if is_valid_name(name):
        return None
    if name == "meta":
        return "«meta» es un nombre reservado"
    if len(name) > MAX_NAME:
        return f"supera {MAX_NAME} caracteres"
    return "no es un código válido: empiece con una letra o _ y use solo letras, números, _ . o -, sin espacios"


def has_responses(survey: Survey) -> int:
    return db.session.scalar(select(func.count(SurveyResponse.id)).where(SurveyResponse.survey_id == survey.id)) or 0


def answered_question_ids(survey: Survey) -> set[int]:
    return set(db.session.scalars(
        select(Answer.question_id).join(Question, Question.id == Answer.question_id)
        .where(Question.survey_id == survey.id).distinct()))


def answered_choice_ids(question: Question) -> set[int]:
    return set(db.session.scalars(
        select(Answer.choice_id).where(Answer.question_id == question.id, Answer.choice_id.is_not(None)).distinct()))


def is_answered(question: Question) -> bool:
    return db.session.scalar(select(Answer.id).where(Answer.question_id == question.id).limit(1)) is not None


def _renumber(survey: Survey) -> list[Question]:
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    for index, question in enumerate(ordered):
        question.position = index
    return ordered


def _balanced(questions: list[Question]) -> bool:
    depth = 0
    for question in questions:
        if question.type == "begin_group":
            depth += 1
        elif question.type == "end_group":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _commit(survey: Survey, action: str, details: dict, actor) -> None:
    audit.record(actor, action, survey, details)
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


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
        from crm.events.models import Activity

        if not 0 < settings.activity_id < 2**31 or db.session.get(Activity, settings.activity_id) is None:
            raise BuilderError("La actividad elegida no existe.")
    if settings.observation_program_id is not None:
        from crm.events.models import ObservationProgram

        if (not 0 < settings.observation_program_id < 2**31
                or db.session.get(ObservationProgram, settings.observation_program_id) is None):
            raise BuilderError("El programa de observación elegido no existe.")
    titles = {"es": title_es}
    if title_en:
        titles["en"] = title_en
    return {"title": title_es, "titles": titles, "languages": languages, "anonymous": bool(settings.anonymous),
            "component_code": component, "year": settings.year, "activity_id": settings.activity_id,
            "observation_program_id": settings.observation_program_id, "opens_at": opens_at,
            "closes_at": closes_at}


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
    _commit(survey, "surveys.create", {"code": code, "component": values["component_code"], "year": settings.year},
            actor)
    return survey


def settings_of(survey: Survey) -> SurveySettings:
    from crm.timeutil import to_local

    def local(value):
        return to_local(value).replace(tzinfo=None) if value else None

    titles = survey.titles or {}
    return SurveySettings(
        title_es=titles.get("es") or survey.title, title_en=titles.get("en", ""),
        languages="es,en" if "en" in (survey.languages or []) else "es", anonymous=survey.anonymous,
        component_code=survey.component_code, year=survey.year, activity_id=survey.activity_id,
        observation_program_id=survey.observation_program_id, opens_at=local(survey.opens_at),
        closes_at=local(survey.closes_at))


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
    _commit(survey, "surveys.edit", {"code": survey.code}, actor)
    return survey


# --------------------------------------------------------------------------- questions

def _choices(data: QuestionData, qtype: str, languages: list[str]) -> list[ChoiceData]:
    rows = [c for c in data.choices if c.id is not None or c.name.strip() or any(v.strip() for v in c.labels.values())]
    if not rows and data.kind in ("scale", "yesno"):
        rows = preset_choices(data.kind, data.scale)
    problems = []
    explicit = {clean_text(c.name, MAX_NAME + 1) for c in rows} - {""}
    seen: set[str] = set()
    cleaned = []
    for number, choice in enumerate(rows, start=1):
        labels = _texts(choice.labels, MAX_CHOICE_LABEL, languages)
        labels = {lang: text.replace("\n", " ") for lang, text in labels.items()}
        name = clean_text(choice.name, MAX_NAME + 1)
        if not labels.get("es"):
            problems.append(f"Opción {number}: escriba su etiqueta en español.")
        if not name:
            name = _unique(name_from(labels.get("es", ""), "opcion"), seen | explicit)
        problem = _name_problem(name)
        if problem:
            problems.append(f"Opción {number}: el código «{name[:40]}» {problem}.")
        elif name in seen:
            problems.append(f"Opción {number}: el código «{name}» se repite; cada opción necesita uno distinto.")
        seen.add(name)
        cleaned.append(ChoiceData(name=name, labels=labels, positive=bool(choice.positive), id=choice.id))
    minimum = 2 if qtype == "select_one" else 1
    if len(cleaned) < minimum:
        problems.append("Agregue al menos dos opciones." if minimum == 2 else "Agregue al menos una opción.")
    if data.indicator and cleaned and not any(c.positive for c in cleaned):
        problems.append("Una pregunta del indicador necesita al menos una opción marcada como positiva.")
    if problems:
        raise BuilderError(" ".join(problems))
    return cleaned


def _checked(survey: Survey, data: QuestionData) -> tuple[Kind, dict, dict, list]:
    kind = KINDS.get(data.kind)
    if kind is None:
        raise BuilderError("Elija un tipo de pregunta válido.")
    languages = list(survey.languages or ["es"])
    labels = _texts(data.labels, MAX_LABEL, languages)
    hints = _texts(data.hints, MAX_LABEL, languages)
    if not labels.get("es"):
        what = "el título de la sección" if kind.type == "begin_group" else "el texto de la pregunta"
        raise BuilderError(f"Escriba {what} en español.")
    if kind.type == "begin_group":
        labels = {lang: text.replace("\n", " ") for lang, text in labels.items()}
    if data.indicator and kind.type != "select_one":
        raise BuilderError("Solo una pregunta de opción única (también escala o sí/no) puede ser pregunta del "
                           "indicador.")
    choices = _choices(data, kind.type, languages) if kind.type in SELECT_TYPES else []
    return kind, labels, hints, choices


def _question_name(survey: Survey, data: QuestionData, kind: Kind, labels: dict, question: Question | None) -> str:
    taken = {q.name for q in survey.questions if q.name and q is not question}
    name = clean_text(data.name, MAX_NAME + 1)
    if not name:
        if question is not None and question.name:
            return question.name
        fallback = "seccion" if kind.type == "begin_group" else ("nota" if kind.type == "note" else "pregunta")
        return _unique(name_from(labels.get("es", ""), fallback), taken)
    problem = _name_problem(name)
    if problem:
        raise BuilderError(f"El código de la pregunta «{name[:40]}» {problem}.")
    if name in taken:
        raise BuilderError(f"Ya hay otra pregunta con el código «{name}» en esta encuesta.")
    return name


def add_question(survey: Survey, data: QuestionData, *, actor=None) -> Question:
    """A new question at the end of the survey (a section adds its opening and its closing)."""
    kind, labels, hints, choices = _checked(survey, data)
    name = _question_name(survey, data, kind, labels, None)
    ordered = _renumber(survey)
    position = len(ordered)
    structural = kind.type in ("note", "begin_group")
    question = Question(position=position, type=kind.type, name=name,
                        list_name=name if kind.type in SELECT_TYPES else None, labels=labels, hints=hints,
                        required=bool(data.required) and not structural,
                        indicator=bool(data.indicator) and kind.type == "select_one", appearance=kind.appearance)
    for cpos, choice in enumerate(choices):
        question.choices.append(Choice(position=cpos, name=choice.name, labels=choice.labels,
                                       positive=choice.positive))
    survey.questions.append(question)
    if kind.type == "begin_group":
        survey.questions.append(Question(position=position + 1, type="end_group", name=None, labels={}, hints={}))
    db.session.flush()
    _commit(survey, "surveys.question_add", {"question": name, "type": kind.type}, actor)
    return question


def update_question(question: Question, data: QuestionData, *, actor=None) -> Question:
    """Edits a question; the rules that keep stored answers intact are checked first."""
    survey = question.survey
    if question.type == "end_group":
        raise BuilderError("El fin de una sección no se edita: edite la sección.")
    kind, labels, hints, choices = _checked(survey, data)
    answered = is_answered(question)
    if kind.type != question.type:
        if answered:
            raise BuilderError("Esta pregunta ya tiene respuestas: no puede cambiar su tipo, porque las respuestas "
                               "guardadas dejarían de tener sentido. Puede corregir sus textos o añadir una "
                               "pregunta nueva.")
        if "begin_group" in (kind.type, question.type):
            raise BuilderError("Una sección no puede convertirse en pregunta ni al revés.")
    name = _question_name(survey, data, kind, labels, question)
    if name != question.name and answered:
        raise BuilderError("Esta pregunta ya tiene respuestas: su código no puede cambiar (las exportaciones e "
                           "importaciones de respuestas lo usan).")
    if kind.type in SELECT_TYPES:
        _apply_choices(question, choices, answered)
    else:
        question.choices.clear()
    question.type, question.name = kind.type, name
    question.list_name = (question.list_name or name) if kind.type in SELECT_TYPES else None
    question.labels, question.hints = _keep_other(question.labels, labels), _keep_other(question.hints, hints)
    structural = kind.type in ("note", "begin_group")
    question.required = bool(data.required) and not structural
    question.indicator = bool(data.indicator) and kind.type == "select_one"
    question.appearance = kind.appearance
    db.session.flush()
    _commit(survey, "surveys.question_edit", {"question": name}, actor)
    return question


def _apply_choices(question: Question, rows: list[ChoiceData], answered: bool) -> None:
    existing = {c.id: c for c in question.choices}
    used = answered_choice_ids(question) if answered else set()
    kept_ids = {row.id for row in rows if row.id is not None}
    for row in rows:
        if row.id is not None and row.id not in existing:
            raise BuilderError("Una de las opciones ya no existe; recargue la página.")
    for choice in question.choices:
        if choice.id not in kept_ids and choice.id in used:
            raise BuilderError(f"La opción «{choice.label('es')}» ya fue elegida en respuestas guardadas: no se "
                               "puede eliminar. Puede corregir su etiqueta.")
    for row in rows:
        if row.id is not None and row.id in used and existing[row.id].name != row.name:
            raise BuilderError(f"La opción «{existing[row.id].label('es')}» ya fue elegida en respuestas "
                               "guardadas: su código no puede cambiar.")
    # remove first (codes must stay unique per question), then update and add
    for choice in list(question.choices):
        if choice.id not in kept_ids:
            question.choices.remove(choice)
    db.session.flush()
    renamed = [row for row in rows if row.id is not None and existing[row.id].name != row.name]
    for index, row in enumerate(renamed):  # a swap of two codes must not collide in between
        existing[row.id].name = f"__tmp{index}_{row.id}"
    if renamed:
        db.session.flush()
    for position, row in enumerate(rows):
        if row.id is not None:
            choice = existing[row.id]
            choice.name, choice.positive, choice.position = row.name, row.positive, position
            choice.labels = _keep_other(choice.labels, row.labels)
        else:
            question.choices.append(Choice(position=position, name=row.name, labels=row.labels,
                                           positive=row.positive))


def _keep_other(stored: dict | None, edited: dict[str, str]) -> dict[str, str]:
    """The edited texts, plus those in languages the builder does not edit (from an imported XLSForm)."""
    kept = {lang: text for lang, text in (stored or {}).items() if lang not in BUILDER_LANGUAGES and text}
    return {**kept, **edited}


def _group_end(ordered: list[Question], start: int) -> int:
    depth = 0
    for index in range(start, len(ordered)):
        if ordered[index].type == "begin_group":
            depth += 1
        elif ordered[index].type == "end_group":
            depth -= 1
            if depth == 0:
                return index
    raise BuilderError("La sección no tiene cierre; revise el orden de las preguntas.")


def delete_question(question: Question, *, actor=None) -> None:
    """Deletes an unanswered question; deleting a section keeps its questions."""
    survey = question.survey
    if question.type == "end_group":
        raise BuilderError("Para quitar una sección, elimine la sección (sus preguntas se conservan).")
    if is_answered(question):
        raise BuilderError("Esta pregunta ya tiene respuestas: no se puede eliminar, porque se perderían las "
                           "respuestas guardadas. Puede corregir sus textos.")
    ordered = _renumber(survey)
    doomed = [question]
    if question.type == "begin_group":
        doomed.append(ordered[_group_end(ordered, ordered.index(question))])
    name = question.name
    for item in doomed:
        survey.questions.remove(item)
    db.session.flush()
    _renumber(survey)
    _commit(survey, "surveys.question_delete", {"question": name}, actor)


def move_question(question: Question, direction: str, *, actor=None) -> None:
    """Swaps a question with its neighbour ("up" or "down"); sections must stay well formed."""
    survey = question.survey
    ordered = _renumber(survey)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    if not _balanced(ordered):
        raise BuilderError("Ese movimiento dejaría una sección sin abrir o sin cerrar.")
    for position, item in enumerate(ordered):
        item.position = position
    _commit(survey, "surveys.question_move", {"question": question.name, "direction": direction}, actor)


def section_titles(survey: Survey) -> dict[int, str]:
    """For each end_group question id, the title of the section it closes."""
    titles: dict[int, str] = {}
    stack: list[Question] = []
    for question in sorted(survey.questions, key=lambda q: (q.position, q.id or 0)):
        if question.type == "begin_group":
            stack.append(question)
        elif question.type == "end_group" and stack:
            titles[question.id] = stack.pop().label("es")
    return titles


def depths(survey: Survey) -> dict[int, int]:
    """Nesting level of each question (0 outside sections) for the builder's indentation."""
    result: dict[int, int] = {}
    depth = 0
    for question in sorted(survey.questions, key=lambda q: (q.position, q.id or 0)):
        if question.type == "end_group":
            depth = max(depth - 1, 0)
        result[question.id] = depth
        if question.type == "begin_group":
            depth += 1
    return result


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
                  open_token=services.new_token())
    if actor is not None and hasattr(actor, "id") and hasattr(actor, "email"):
        copy.created_by_id = actor.id
    for position, q in enumerate(sorted(survey.questions, key=lambda q: (q.position, q.id))):
        question = Question(position=position, type=q.type, name=q.name, list_name=q.list_name,
                            labels=dict(q.labels or {}), hints=dict(q.hints or {}), required=q.required,
                            indicator=q.indicator, appearance=q.appearance or "")
        for cpos, c in enumerate(q.choices):
            question.choices.append(Choice(position=cpos, name=c.name, labels=dict(c.labels or {}),
                                           positive=c.positive))
        copy.questions.append(question)
    db.session.add(copy)
    db.session.flush()
    _commit(copy, "surveys.duplicate", {"code": code, "from": survey.code, "from_id": survey.id}, actor)
    return copy
