"""Validation of one answer for one question, shared by the web form and the responses import.

`parse_answer(question, raw)` returns the Answer rows to store (as dicts) or raises
AnswerError with a Spanish message. An empty value returns [] ("not answered");
whether that is allowed (required questions) is the caller's rule.

Stored forms (what the responses file and the export hold, and what re-parses to itself):
select_one/select_multiple a Choice row per chosen option; integer and decimal their digits; date
`AAAA-MM-DD`; time `HH:MM:SS` (the clock time as written, an ODK offset dropped); datetime ISO 8601 with the
offset of CRM_TIMEZONE (a time without an offset is local there); range a number on its scale; rank the
choice names in the chosen order, separated by spaces (one value, every option once, as ODK's rank widget
gives it); geopoint `lat lon [altitude [accuracy]]` as plain decimals. Metadata: start/end as datetime,
today as date, deviceid/username and calculations as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from crm.core.timeutil import local_tz
from surveys.models import Question

MAX_TEXT = 5000
MAX_NUMBER = Decimal(10) ** 15
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")
# HH:MM[:SS[.fraction]] with an optional offset, as ODK writes a time (14:30:00.000-06:00)
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?", re.IGNORECASE)
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
RANGE_DEFAULTS = {"start": Decimal(1), "end": Decimal(10), "step": Decimal(1)}
GEOPOINT_EXAMPLE = "por ejemplo 19.4326 -99.1332"
STRUCTURE = ("note", "begin_group", "end_group", "begin_repeat", "end_repeat", "image", "audio", "video", "file",
             "audit")
SPLIT = ("select_multiple", "rank")


class AnswerError(ValueError):
    pass


def parse_answer(question: Question, raw: str | list[str] | None) -> list[dict]:
    if question.type in STRUCTURE:
        return []
    if isinstance(raw, list):
        values = [v.strip() for v in raw if v is not None and v.strip()]
    else:
        text = (raw or "").strip()
        if question.type in SPLIT:
            values = text.split()
        else:
            values = [text] if text else []
    if not values:
        return []
    kind = question.type
    if kind in ("select_one", "select_multiple"):
        return _choices(question, values)
    if kind == "rank":
        return [{"question_id": question.id, "value": _rank(question, values)}]
    value = values[0] if len(values) == 1 else " ".join(values)
    parser = _PARSERS.get(kind)
    if parser is None:  # text, and the texts the platform or a device fills in
        return [{"question_id": question.id, "value": _text(raw.strip() if isinstance(raw, str) else value)}]
    return [{"question_id": question.id, "value": parser(question, value)}]


def _choices(question: Question, values: list[str]) -> list[dict]:
    if question.type == "select_one" and len(values) == 1:
        for choice in question.choices:  # a scan: cheaper than a dict for each answer
            if choice.name == values[0]:
                return [{"question_id": question.id, "choice_id": choice.id}]
    by_name = {c.name: c for c in question.choices}
    if question.type == "select_one":
        raise AnswerError(f"«{_short(' '.join(values))}» no es una opción de esta pregunta "
                          f"(opciones: {', '.join(by_name)})")
    unknown = [v for v in values if v not in by_name]
    if unknown:
        raise AnswerError(f"«{_short(' '.join(unknown))}» no es una opción de esta pregunta "
                          f"(opciones: {', '.join(by_name)})")
    return [{"question_id": question.id, "choice_id": by_name[v].id} for v in dict.fromkeys(values)]


def _rank(question: Question, values: list[str]) -> str:
    """Every option once, in the chosen order. A rank with a choice filter orders only the options the filter
    keeps, which depend on the other answers: the caller (surveys.logic.runtime) checks that set."""
    names = [c.name for c in question.choices]
    unknown = [v for v in values if v not in names]
    if unknown:
        raise AnswerError(f"«{_short(' '.join(unknown))}» no es una opción de esta pregunta "
                          f"(opciones: {', '.join(names)})")
    repeated = [v for v in dict.fromkeys(values) if values.count(v) > 1]
    if repeated:
        raise AnswerError(f"«{_short(' '.join(repeated))}» aparece más de una vez; cada opción se ordena una sola "
                          "vez")
    logic = getattr(question, "logic", None) or {}
    missing = [n for n in names if n not in values]
    if missing and not logic.get("choice_filter"):
        raise AnswerError(f"faltan opciones por ordenar: {_short(', '.join(missing), 80)} (escriba todas las "
                          "opciones, de la primera a la última, separadas por espacios)")
    return " ".join(values)


def _integer(question: Question, value: str) -> str:
    try:
        number = int(value.replace(" ", ""))
    except ValueError:
        raise AnswerError(f"«{_short(value)}» no es un número entero") from None
    if abs(number) > 10**15:
        raise AnswerError("el número es demasiado grande")
    return str(number)


def _decimal_number(value: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise AnswerError(f"«{_short(value)}» no es un número") from None
    if not number.is_finite() or abs(number) > MAX_NUMBER:
        raise AnswerError(f"«{_short(value)}» no es un número válido")
    return number


def _decimal(question: Question, value: str) -> str:
    return _number_text(_decimal_number(value))


def _number_text(number: Decimal) -> str:
    return "0" if number == 0 else format(number.normalize(), "f")


def _date(question: Question, value: str) -> str:
    # AAAA-MM-DD, or a date and time as a spreadsheet cell gives it (its written date counts)
    try:
        if not _ISO_DATE.match(value):
            raise ValueError
        parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
    except ValueError:
        raise AnswerError(f"«{_short(value)}» no es una fecha AAAA-MM-DD") from None
    return parsed.isoformat()


def _time(question: Question, value: str) -> str:
    found = _TIME.fullmatch(value)
    hour, minute, second = (int(found.group(i) or 0) for i in (1, 2, 3)) if found else (99, 0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise AnswerError(f"«{_short(value)}» no es una hora válida: escriba HH:MM o HH:MM:SS, de 00:00 a "
                          "23:59:59 (por ejemplo 09:30 o 17:45:10)")
    return f"{hour:02d}:{minute:02d}:{second:02d}"


def _datetime(question: Question, value: str) -> str:
    """ISO 8601; with an offset or Z the instant is exact, without one it is local time (CRM_TIMEZONE)."""
    raw = value[:-1] + "+00:00" if value.endswith(("z", "Z")) else value
    if " " in raw and "T" not in raw:
        raw = raw.replace(" ", "T", 1)
    tz = local_tz()
    try:
        if not _ISO_DATE.match(raw):
            raise ValueError
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        local = parsed.astimezone(tz)
    except (ValueError, OverflowError):
        raise AnswerError(f"«{_short(value)}» no es una fecha y hora ISO 8601 (por ejemplo 2025-02-10T10:00:00 "
                          "o 2025-02-10T10:00:00-06:00)") from None
    return local.replace(microsecond=0).isoformat()


def range_parameters(question: Question) -> tuple[Decimal, Decimal, Decimal]:
    """The range's start, end and step (parameters column; ODK's defaults 1, 10 and 1 for what is missing)."""
    found = dict(RANGE_DEFAULTS)
    parameters = (getattr(question, "logic", None) or {}).get("parameters") or {}
    for key in found:
        try:
            number = Decimal(str(parameters[key]).strip())
        except (KeyError, InvalidOperation, ValueError, TypeError):
            continue
        if number.is_finite():
            found[key] = number
    return found["start"], found["end"], abs(found["step"])


def _range(question: Question, value: str) -> str:
    number = _decimal_number(value)
    start, end, step = range_parameters(question)
    low, high = min(start, end), max(start, end)
    if not low <= number <= high:
        raise AnswerError(f"«{_short(value)}» está fuera de la escala: el valor va de {_number_text(start)} a "
                          f"{_number_text(end)}")
    try:
        off_step = bool(step) and (number - start) % step != 0
    except InvalidOperation:  # more steps between start and the value than Decimal's precision counts
        off_step = True
    if off_step:
        raise AnswerError(f"«{_short(value)}» no está en la escala: los valores van de {_number_text(step)} en "
                          f"{_number_text(step)} desde {_number_text(start)}")
    return _number_text(number)


def _geopoint(question: Question, value: str) -> str:
    parts = value.split()
    numbers = [Decimal(p) for p in parts if _PLAIN_NUMBER.fullmatch(p)] if len(parts) <= 4 else []
    if len(parts) < 2 or len(numbers) != len(parts):
        raise AnswerError(f"«{_short(value)}» no es una ubicación: escriba la latitud y la longitud en grados "
                          f"decimales separadas por un espacio ({GEOPOINT_EXAMPLE}); después, si las tiene, la "
                          "altitud en metros y la precisión")
    if not -90 <= numbers[0] <= 90:
        raise AnswerError(f"la latitud {_short(parts[0])} está fuera de -90 a 90 grados ({GEOPOINT_EXAMPLE})")
    if not -180 <= numbers[1] <= 180:
        raise AnswerError(f"la longitud {_short(parts[1])} está fuera de -180 a 180 grados ({GEOPOINT_EXAMPLE})")
    if len(numbers) > 2 and abs(numbers[2]) > 100_000:
        raise AnswerError(f"la altitud {_short(parts[2])} no es válida (en metros, entre -100000 y 100000)")
    if len(numbers) > 3 and not 0 <= numbers[3] <= 100_000_000:
        raise AnswerError(f"la precisión {_short(parts[3])} no es válida (en metros, un número positivo)")
    return " ".join(_number_text(n) for n in numbers)


def _text(value: str) -> str:
    if "\x00" in value:
        raise AnswerError("el texto contiene caracteres no válidos")
    if len(value) > MAX_TEXT:
        raise AnswerError(f"el texto supera {MAX_TEXT} caracteres")
    return value


_PARSERS: dict[str, Callable[[Question, str], str]] = {
    "integer": _integer, "decimal": _decimal, "date": _date, "time": _time, "datetime": _datetime,
    "range": _range, "geopoint": _geopoint, "start": _datetime, "end": _datetime, "today": _date,
}


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
