"""How the respondent page shows each XLSForm type and appearance, and how their fields become one answer.

The template (templates/surveys/public/_widgets.html) receives this module as `ui`. Every widget works
without JavaScript:

- time: `<input type=time>` (HH:MM); datetime: `<input type=datetime-local>`, read as Mexico City's clock
  time (surveys.values stores it with the offset of CRM_TIMEZONE), which the hint says;
- range: a number input with the min, max and step of the question's parameters (ODK's 1, 10, 1 for what
  is missing): a slider has no empty state, so a person could not leave an optional range unanswered;
- rank: one `<select>` per position («1.º lugar», «2.º lugar»…), all named like the question: the browser
  posts them in order and their values, joined by spaces, are the stored order; an option chosen twice is
  an error (surveys.values);
- geopoint: latitude, longitude, altitude (filled only by the location button) and precision, all named
  like the question; joined into `lat lon alt acc` (`answer_value`), an altitude of 0 when the precision is
  given without it; «Usar mi ubicación» (the last part of crm/static/survey-logic.js)
  fills them from the browser's location;
- acknowledge: a check box «Entendido» (stored `OK`, as ODK); barcode: a text input;
- select_one with `minimal` (and select_multiple): a `<select>`; with `likert`: a horizontal scale on a
  wide screen, a list on a phone; consecutive select_one questions with the same options inside a
  `table-list` group: one fieldset per question whose options line up under one header row on a wide
  screen, stacked on a phone (`blocks`); `or_other`'s text question is shown right under its select.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from flask_babel import gettext as _

from surveys.respond.pages import MOVE_FIELD, PAGE_FIELD  # noqa: F401  (the pager's fields, for the template)
from surveys.values import range_parameters

MULTI_FIELD = ("geopoint", "rank")  # several inputs with the question's name, posted in order
ACKNOWLEDGED = "OK"
_LOCAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?")


def appearance(item) -> set[str]:
    return set((item.question.appearance or "").lower().split())


def select_kind(item) -> str:
    """How a select shows: "minimal" (a <select>), "likert" (a scale) or "list" (radios or check boxes)."""
    found = appearance(item)
    if "minimal" in found or "autocomplete" in found:
        return "minimal"
    if "likert" in found and item.type == "select_one":
        return "likert"
    return "list"


def is_other(item) -> bool:
    """The text question of `or_other` (shown right under its select)."""
    return bool((item.question.logic or {}).get("other_of"))


def blocks(section) -> list[tuple[str, object]]:
    """A section's items as ("item", item) and, in a table-list group, ("grid", [items]) for each run of
    consecutive select_one questions with the same options (two or more)."""
    items = section.items
    if "table-list" not in (section.appearance or "").lower().split():
        return [("item", item) for item in items]
    found: list[tuple[str, object]] = []
    run: list = []

    def close() -> None:
        if len(run) > 1:
            found.append(("grid", list(run)))
        else:
            found.extend(("item", item) for item in run)
        run.clear()

    for item in items:
        gridded = item.kind == "question" and item.type == "select_one" and item.choices
        if gridded and run and _options(run[0]) == _options(item):
            run.append(item)
            continue
        close()
        if gridded:
            run.append(item)
        else:
            found.append(("item", item))
    close()
    return found


def _options(item) -> tuple:
    return tuple((c.value, c.label) for c in item.choices)


# --- values shown in the fields ---------------------------------------------------------------------


def parts(value, count: int) -> list[str]:
    """A multi-field value (a posted list, or a stored text) as `count` fields."""
    found = list(value) if isinstance(value, list) else (value or "").split() if isinstance(value, str) else []
    found = [p if isinstance(p, str) else "" for p in found][:count]
    return found + [""] * (count - len(found))


def time_value(value) -> str:
    return value[:8] if isinstance(value, str) and re.match(r"\d{2}:\d{2}", value) else (value or "")


def datetime_value(value) -> str:
    """A stored date-time (with its offset) as datetime-local shows it: the clock time, no offset."""
    if isinstance(value, str) and _LOCAL_DATETIME.match(value):
        return value[:19].replace(" ", "T")
    return value if isinstance(value, str) else ""


def range_attrs(item) -> dict[str, str]:
    start, end, step = range_parameters(item.question)
    low, high = min(start, end), max(start, end)
    return {"min": _number(low), "max": _number(high), "step": _number(step) if step else "any"}


def _number(value: Decimal) -> str:
    return "0" if value == 0 else format(value.normalize(), "f")


def place(number: int) -> str:
    return _("%(numero)s.º lugar", numero=number)


# --- posted fields to the answer text ---------------------------------------------------------------


def answer_value(qtype: str, raw):
    """What surveys.values.parse_answer reads from a question's posted value: a geopoint's fields joined
    into `lat lon [alt acc]` (empty when all are empty); anything else as posted."""
    if qtype != "geopoint" or not isinstance(raw, list):
        return raw
    lat, lon, alt, acc = (v.strip() for v in parts(raw, 4))
    if not any((lat, lon, alt, acc)):
        return ""
    if not (lat and lon):  # a missing coordinate is an error, never another one shifted into its place
        return " ".join(v or "_" for v in (lat, lon, alt, acc))
    if acc and not alt:
        alt = "0"
    return " ".join([lat, lon, *([alt, acc] if acc else [alt] if alt else [])])


def error_text(item, code: str) -> str | None:
    """The message of a type error for the new types (None: surveys.respond.views' own messages)."""
    if code == "required" and item.type in ("image", "audio", "video", "file"):
        return _("Elija un archivo.")
    if code == "time":
        return _("Escriba una hora válida, por ejemplo 09:30.")
    if code == "datetime":
        return _("Escriba una fecha y una hora válidas, por ejemplo 2025-06-30 09:30.")
    if code == "range":
        attrs = range_attrs(item)
        return _("Escriba un número de %(min)s a %(max)s, en pasos de %(step)s.", min=attrs["min"],
                 max=attrs["max"], step=attrs["step"])
    if code == "rank":
        return _("Elija una opción distinta para cada lugar, hasta ordenar todas.")
    if code == "geopoint":
        return _("Escriba la latitud (de -90 a 90) y la longitud (de -180 a 180) en grados decimales, por "
                 "ejemplo 19.4326 y -99.1332.")
    return None


def has_type(questions: Sequence, *types: str) -> bool:
    return any(item.type in types for item in questions)
