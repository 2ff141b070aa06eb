"""Validation of one answer for one question, shared by the web form and the responses import.

`parse_answer(question, raw)` returns the Answer rows to store (as dicts) or raises
AnswerError with a Spanish message. An empty value returns [] ("not answered");
whether that is allowed (required questions) is the caller's rule.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from surveys.models import Question

MAX_TEXT = 5000
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:$|[T ]\d)")


class AnswerError(ValueError):
    pass


def parse_answer(question: Question, raw: str | list[str] | None) -> list[dict]:
    if question.type in ("note", "begin_group", "end_group"):
        return []
    if isinstance(raw, list):
        values = [v.strip() for v in raw if v is not None and v.strip()]
    else:
        text = (raw or "").strip()
        if question.type == "select_multiple":
            values = text.split()
        else:
            values = [text] if text else []
    if not values:
        return []
    kind = question.type
    by_name = {c.name: c for c in question.choices} if kind in ("select_one", "select_multiple") else {}
    if kind == "select_one":
        if len(values) != 1 or values[0] not in by_name:
            raise AnswerError(f"«{_short(' '.join(values))}» no es una opción de esta pregunta "
                              f"(opciones: {', '.join(by_name)})")
        return [{"question_id": question.id, "choice_id": by_name[values[0]].id}]
    if question.type == "select_multiple":
        unknown = [v for v in values if v not in by_name]
        if unknown:
            raise AnswerError(f"«{_short(' '.join(unknown))}» no es una opción de esta pregunta "
                              f"(opciones: {', '.join(by_name)})")
        seen: list[str] = []
        for v in values:
            if v not in seen:
                seen.append(v)
        return [{"question_id": question.id, "choice_id": by_name[v].id} for v in seen]
    value = values[0] if len(values) == 1 else " ".join(values)
    if question.type == "integer":
        try:
            number = int(value.replace(" ", ""))
        except ValueError:
            raise AnswerError(f"«{_short(value)}» no es un número entero") from None
        if abs(number) > 10**15:
            raise AnswerError("el número es demasiado grande")
        return [{"question_id": question.id, "value": str(number)}]
    if question.type == "decimal":
        try:
            number = Decimal(value.replace(",", ".").replace(" ", ""))
        except InvalidOperation:
            raise AnswerError(f"«{_short(value)}» no es un número") from None
        if not number.is_finite() or abs(number) > Decimal(10) ** 15:
            raise AnswerError(f"«{_short(value)}» no es un número válido")
        return [{"question_id": question.id, "value": format(number.normalize(), "f")}]
    if question.type == "date":
        # AAAA-MM-DD, or a date and time as a spreadsheet cell gives it (its written date counts)
        try:
            if not _ISO_DATE.match(value):
                raise ValueError
            parsed = date.fromisoformat(value) if len(value) == 10 else datetime.fromisoformat(value).date()
        except ValueError:
            raise AnswerError(f"«{_short(value)}» no es una fecha AAAA-MM-DD") from None
        return [{"question_id": question.id, "value": parsed.isoformat()}]
    # text
    if "\x00" in value:
        raise AnswerError("el texto contiene caracteres no válidos")
    if len(value) > MAX_TEXT:
        raise AnswerError(f"el texto supera {MAX_TEXT} caracteres")
    return [{"question_id": question.id, "value": raw.strip() if isinstance(raw, str) else value}]


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
