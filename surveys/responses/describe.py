"""How the staff pages describe a question and show an answer: the Spanish name of each type, the form's
logic in plain Spanish (expressions shown as written), the names a question's logic refers to, and an
answer as text (times, local dates and times, locations, ranked options).

One vocabulary for the survey page, its results, the responses page and the builder (surveys.builder).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from crm.core.timeutil import local_tz
from surveys.logic.expressions import references
from surveys.models import CALCULATED, METADATA, UPLOADS, Question

# The Spanish name of every stored question type (surveys.models.QUESTION_TYPES)
TYPE_LABELS: dict[str, str] = {
    "select_one": "Opción única", "select_multiple": "Opción múltiple", "text": "Texto",
    "integer": "Número entero", "decimal": "Número con decimales", "date": "Fecha", "time": "Hora",
    "datetime": "Fecha y hora", "range": "Rango", "rank": "Ordenar opciones", "geopoint": "Ubicación (geopunto)",
    "calculate": "Cálculo", "image": "Imagen", "audio": "Audio", "video": "Video", "file": "Archivo",
    "note": "Nota (texto sin respuesta)", "begin_group": "Sección", "end_group": "Fin de sección",
    "begin_repeat": "Grupo repetible", "end_repeat": "Fin de grupo repetible",
    "start": "Inicio", "end": "Fin", "today": "Fecha del día", "deviceid": "Identificador del dispositivo",
    "username": "Nombre de usuario", "audit": "Registro de actividad", "acknowledge": "Confirmación",
    "barcode": "Código de barras", "hidden": "Valor oculto", "phonenumber": "Teléfono del dispositivo",
    "simserial": "Número de serie de la SIM", "subscriberid": "Identificador de suscripción",
    "email": "Correo de la cuenta",
}
# The logic keys that hold an expression, in the order the pages list them, with their Spanish names
EXPRESSION_LABELS: tuple[tuple[str, str], ...] = (
    ("relevant", "Se muestra si"), ("required", "Obligatoria si"), ("constraint", "Restricción"),
    ("calculation", "Cálculo"), ("choice_filter", "Filtro de opciones"), ("default", "Valor inicial"),
    ("read_only", "Solo lectura si"), ("repeat_count", "Número de repeticiones"),
)
MESSAGES = {"constraint": "constraint_message", "required": "required_message"}
PARAMETER_LABELS = {"start": "inicio", "end": "fin", "step": "paso"}
REF_PATTERN = re.compile(r"\$\{([^}\s]+)\}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def type_label(qtype: str) -> str:
    return TYPE_LABELS.get(qtype, qtype)


def is_metadata(question: Question) -> bool:
    return question.type in METADATA


@dataclass(frozen=True)
class LogicLine:
    """One line of a question's logic: «label: <code>src</code> (mensaje: message)»."""

    label: str
    src: str = ""
    message: str = ""


def _text_in(texts: Mapping | None, lang: str, default: str) -> str:
    texts = texts if isinstance(texts, Mapping) else {}
    return texts.get(lang) or texts.get(default) or next((t for t in texts.values() if t), "")


def logic_lines(question: Question, lang: str = "es", default: str = "es") -> list[LogicLine]:
    """The question's logic in plain Spanish, in a stable order (empty when it has none)."""
    logic = question.logic or {}
    lines: list[LogicLine] = []
    for key, label in EXPRESSION_LABELS:
        entry = logic.get(key)
        if isinstance(entry, Mapping) and entry.get("src"):
            message = _text_in(logic.get(MESSAGES.get(key, "")), lang, default)
            lines.append(LogicLine(label, str(entry["src"]), message))
        elif key == "required" and question.required:
            message = _text_in(logic.get("required_message"), lang, default)
            if message:
                lines.append(LogicLine("Obligatoria", "", message))
        elif key == "default" and logic.get("default_value") not in (None, ""):
            lines.append(LogicLine("Valor inicial", str(logic["default_value"])))
        elif key == "read_only" and logic.get("read_only_flag"):
            lines.append(LogicLine("Solo lectura"))
    parameters = logic.get("parameters")
    if isinstance(parameters, Mapping) and parameters:
        text = " ".join(f"{PARAMETER_LABELS.get(k, k)}={v}" for k, v in parameters.items())
        lines.append(LogicLine("Parámetros", text))
    if logic.get("or_other"):
        lines.append(LogicLine("Incluye la opción «Otro» con su texto"))
    if question.type in METADATA:
        lines.append(LogicLine("Metadato: la plataforma lo registra al recibir la respuesta"))
    elif question.type in CALCULATED and not lines:
        lines.append(LogicLine("Valor calculado por la plataforma"))
    elif question.type in UPLOADS:
        lines.append(LogicLine("Archivo que sube la persona (se guarda fuera de la base de datos)"))
    return lines


# --------------------------------------------------------------------------- references between questions

def expression_entries(question: Question) -> Iterable[tuple[str, Mapping]]:
    """(key, {"src", "tree"}) for each expression of the question's logic."""
    for key, _label in EXPRESSION_LABELS:
        entry = (question.logic or {}).get(key)
        if isinstance(entry, Mapping) and (entry.get("src") or entry.get("tree")):
            yield key, entry


def referenced_names(question: Question) -> set[str]:
    """The ${names} the question's expressions, label and hint use."""
    names: set[str] = set()
    for _key, entry in expression_entries(question):
        tree = entry.get("tree")
        names |= references(tree) if tree else set(REF_PATTERN.findall(str(entry.get("src") or "")))
    for texts in (question.labels, question.hints):
        for text in (texts or {}).values():
            names |= set(REF_PATTERN.findall(text or ""))
    return names


def users_of(questions: Iterable[Question], name: str, *, besides: Question | None = None) -> list[Question]:
    """The questions (other than `besides`) whose logic, label or hint refer to ${name}."""
    return [q for q in questions if q is not besides and name in referenced_names(q)]


def conditions_around(question: Question, questions: list[Question]) -> list[Question]:
    """The sections and repeats around the question that have a condition (`relevant`), outermost first."""
    stack: list[Question] = []
    for item in sorted(questions, key=lambda q: (q.position, q.id or 0)):
        if item is question:
            return [opener for opener in stack if (opener.logic or {}).get("relevant")]
        if item.type in ("begin_group", "begin_repeat"):
            stack.append(item)
        elif item.type in ("end_group", "end_repeat") and stack:
            stack.pop()
    return []


def inherited_lines(question: Question, questions: list[Question], lang: str = "es",
                    default: str = "es") -> list[LogicLine]:
    """«Se muestra si (sección «…»): …» for each condition of a section or repeat around the question."""
    return [LogicLine(f"Se muestra si (sección «{opener.label(lang, default)}»)", str(opener.logic["relevant"].get("src")))
            for opener in conditions_around(question, questions)]


def has_relevance(question: Question, questions: list[Question]) -> bool:
    """The question has a condition (`relevant`) of its own or from a section or repeat around it."""
    return bool((question.logic or {}).get("relevant")) or bool(conditions_around(question, questions))


# --------------------------------------------------------------------------- answers as text

def time_text(value: str) -> str:
    """`14:30:00.000-06:00` -> `14:30`."""
    match = _TIME.match(value.strip())
    return f"{int(match.group(1)):02d}:{match.group(2)}" if match else value


def datetime_text(value: str) -> str:
    """An ISO date and time as the staff pages write times (local, `AAAA-MM-DD HH:MM`); a naive one is local."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(local_tz())
    return moment.strftime("%Y-%m-%d %H:%M")


def geopoint_text(value: str) -> str:
    """ODK's `lat lon [alt acc]` -> `lat, lon`."""
    parts = [p for p in re.split(r"[\s,;]+", value.strip()) if p]
    if len(parts) >= 2:
        return f"{parts[0]}, {parts[1]}"
    return value


def value_text(question: Question, value: str) -> str:
    """A stored value (not a choice) as the pages show it."""
    if question.type == "time":
        return time_text(value)
    if question.type in ("datetime", "start", "end"):
        return datetime_text(value)
    if question.type == "geopoint":
        return geopoint_text(value)
    return value


@dataclass
class ShownAnswer:
    """One question's answer in one response: `text`, or `items` (chosen options; ranked when `ordered`)."""

    question: Question
    label: str
    text: str = ""
    items: list[str] | None = None
    ordered: bool = False


def question_label(question: Question, lang: str, default: str = "es") -> str:
    """The question's label; a metadata question (which has none) by its type: «Inicio (start)»."""
    if question.type in METADATA and not question.labels:
        return f"{type_label(question.type)} ({question.name})"
    return question.label(lang, default)


def shown_answer(question: Question, answers: list, lang: str, default: str = "es") -> ShownAnswer:
    """The answer rows of one question in one response (in the order stored) as one shown answer."""
    by_name = {c.name: c for c in question.choices}
    label = question_label(question, lang, default)
    labels = [a.choice.label(lang, default) for a in answers if a.choice is not None]
    values = [a.value for a in answers if a.choice is None and a.value not in (None, "")]
    if question.type == "rank":
        if not labels and values:
            labels = [by_name[n].label(lang, default) if n in by_name else n for n in " ".join(values).split()]
        return ShownAnswer(question, label, items=labels, ordered=True)
    if labels:  # a choice (or several), and the text of «Otro» when the form has one
        return ShownAnswer(question, label, text=", ".join(labels + values))
    return ShownAnswer(question, label, text=" ".join(value_text(question, v) for v in values))
