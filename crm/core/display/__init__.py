"""How staff pages write dates, numbers, percentages, counts and stored codes (Spanish, Mexico City).

The template filters (registered by crm.app.hooks):

- `fecha`: a date or a stored moment (naive UTC) as a short local date, "12 mar 2025" (never wraps: the
  spaces are non-breaking); `fecha_hora`: "12 mar 2025, 14:05" in the institution's clock;
- `entero`: a count as a whole number with thousands separators, "1,234" (579.0 -> "579");
- `decimal`: a number with at most `digits` decimals, "55.2" (trailing zeros dropped: 55.0 -> "55");
- `porcentaje`: a share (0..1) as "55.2 %"; `puntos` a percentage already in points (55.2 -> "55.2 %");
- `cuenta`: a count with its noun in singular or plural, `n|cuenta("actividad", "actividades")`;
- `trimestre`: a period key "2025-Q1" as "T1 2025" (a year stays "2025");
- `literales`: import guidance with its examples and codes in <code> (what is typed literally);
- `etiqueta`: a stored code as its Spanish label, `value|etiqueta("canal")`, from the labels each domain
  registers with `register_labels(kind, {code: label})` at import time; an unknown code is shown as it is.

Babel formats (the same library Flask-Babel uses for the respondent pages' English). None, NaN and "" are
written as "" (a template decides what an empty cell says), never as "None" or "nan".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from markupsafe import Markup, escape

from crm.core.timeutil import to_local

LOCALE = "es_MX"
DETAIL_VALUES = "valor_bitacora"  # codes that may appear as values in the audit log's details, with their labels
NBSP = "\u00a0"
_LABELS: dict[str, dict[str, str]] = {}
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def register_labels(kind: str, labels: Mapping[str, str]) -> None:
    """Spanish labels of a kind of stored code (a later registration adds to an earlier one)."""
    _LABELS.setdefault(kind, {}).update(labels)


def label(value, kind: str) -> str:
    if _empty(value):
        return ""
    return _LABELS.get(kind, {}).get(str(value), str(value))


def _empty(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def short_date(value: date | datetime | str | None) -> str:
    """A date, a stored moment (naive UTC) or an ISO date text ("2025-03-12") as "12 mar 2025"."""
    if _empty(value):
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, "d MMM yyyy", locale=LOCALE).replace(" ", NBSP)


def short_datetime(value: datetime | None) -> str:
    if _empty(value):
        return ""
    text = format_datetime(to_local(value).replace(tzinfo=None), "d MMM yyyy, HH:mm", locale=LOCALE)
    return text.replace(" ", NBSP)


def whole(value) -> str:
    if _empty(value):
        return ""
    return format_decimal(round(float(value)), format="#,##0", locale=LOCALE)


def number(value, digits: int = 1) -> str:
    if _empty(value):
        return ""
    pattern = "#,##0." + "#" * digits if digits > 0 else "#,##0"
    return format_decimal(float(value), format=pattern, locale=LOCALE)


def percent(value, digits: int = 1) -> str:
    """A share between 0 and 1 as a percentage."""
    if _empty(value):
        return ""
    return f"{number(float(value) * 100, digits)}{NBSP}%"


def points(value, digits: int = 1) -> str:
    """A percentage already in points (0..100)."""
    if _empty(value):
        return ""
    return f"{number(value, digits)}{NBSP}%"


def count(value, singular: str, plural: str) -> str:
    value = 0 if _empty(value) else value
    return f"{whole(value)} {singular if round(float(value)) == 1 else plural}"


def quarter(value) -> str:
    if _empty(value):
        return ""
    found = _QUARTER.match(str(value))
    return f"T{found.group(2)}{NBSP}{found.group(1)}" if found else str(value)


_EXAMPLE = re.compile(r"(por ejemplo )([^();,]+?)(?=\s\(|[;,]|$)")
_CODE_BEFORE_LABEL = re.compile(r"(^|; )([^=;]+?)( = )")


def literals(text) -> Markup:
    """A column's guidance with what is typed literally in <code>: the example after "por ejemplo", and each
    code before " = " in a list of allowed values ("si = Sí; no = No"). Everything else is escaped."""
    if _empty(text):
        return Markup("")
    text = str(text)
    spans = [m.span(2) for m in _EXAMPLE.finditer(text)] + [m.span(2) for m in _CODE_BEFORE_LABEL.finditer(text)]
    out, at = Markup(""), 0
    for start, end in sorted(spans):
        if start < at:
            continue
        out += escape(text[at:start]) + Markup("<code>") + escape(text[start:end]) + Markup("</code>")
        at = end
    return out + escape(text[at:])


FILTERS = {
    "fecha": short_date,
    "fecha_hora": short_datetime,
    "entero": whole,
    "decimal": number,
    "porcentaje": percent,
    "puntos": points,
    "cuenta": count,
    "trimestre": quarter,
    "etiqueta": label,
    "literales": literals,
}
