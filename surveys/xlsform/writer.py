"""Writing a `FormDefinition` as an XLSForm workbook that pyxform converts and `read_xlsform` reads back."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from surveys.xlsform.model import (
    ANSWERABLE,
    MAX_NAME,
    MESSAGE_KEYS,
    SELECTS,
    UPLOADS,
    ChoiceDef,
    FormDefinition,
    QuestionDef,
    language_label,
)
from surveys.xlsform.or_other import collapse_or_other

# The logic columns written when a question uses them, in this order (expressions as written)
LOGIC_COLUMNS = ("relevant", "constraint", "calculation", "choice_filter", "default", "read_only", "repeat_count",
                 "parameters")


def _safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def _list_names(definition: FormDefinition) -> tuple[list[str | None], dict[str, list[ChoiceDef]]]:
    """A list name per question, reusing a name only for identical choices."""
    lists: dict[str, list[ChoiceDef]] = {}
    names: list[str | None] = []
    for q in definition.questions:
        if q.type not in SELECTS:
            names.append(None)
            continue
        base = re.sub(r"\s+", "_", (q.list_name or _plain(q.name) or "lista").strip())[: MAX_NAME - 4] or "lista"
        candidate, counter = base, 1
        while candidate in lists and lists[candidate] != q.choices:
            counter += 1
            candidate = f"{base}_{counter}"
        lists.setdefault(candidate, q.choices)
        names.append(candidate)
    return names, lists


def _plain(name: str | None) -> str:
    """The name as the sheet writes it: a name stored as its path (`group/name`) is written plainly."""
    return (name or "").rsplit("/", 1)[-1]


def _logic_cell(q: QuestionDef, column: str) -> str:
    """The cell of a logic column for a question ("" when it has none)."""
    logic = q.logic
    if column == "parameters":
        return " ".join(f"{key}={value}" for key, value in (logic.get("parameters") or {}).items())
    if column == "default" and "default_value" in logic:
        return logic["default_value"]
    if column == "read_only" and logic.get("read_only_flag"):
        return "yes"
    expression = logic.get(column)
    return expression["src"] if isinstance(expression, dict) else ""


def _required_cell(q: QuestionDef) -> str:
    if isinstance(q.logic.get("required"), dict):
        return q.logic["required"]["src"]
    if q.type in (*ANSWERABLE, *UPLOADS):
        return "yes" if q.required else "no"
    return ""


def _message_languages(definition: FormDefinition, kind: str, langs: list[str]) -> list[str]:
    """The languages a message column is written in: every language of the form once any question has it
    (pyxform warns about a translation missing in one language)."""
    used = [lang for q in definition.questions for lang in q.logic.get(kind, {})]
    return [*langs, *(lang for lang in dict.fromkeys(used) if lang not in langs)] if used else []


def xlsform_bytes(definition: FormDefinition) -> bytes:
    """The definition as an XLSForm workbook (never a formula cell)."""
    import openpyxl
    from openpyxl.cell import WriteOnlyCell

    workbook = openpyxl.Workbook(write_only=True)

    def add(sheet, values: list[object]) -> None:
        cells = []
        for value in values:
            if isinstance(value, str):
                cell = WriteOnlyCell(sheet, value=_safe(value))
                cell.data_type = "s"  # text that starts with "=" stays text
            else:
                cell = WriteOnlyCell(sheet, value=value)
            cells.append(cell)
        sheet.append(cells)

    default = definition.default_language
    langs: list[str] = [default] + [lang for lang in definition.languages if lang != default]
    definition = replace(definition, questions=collapse_or_other(definition.questions))
    for q in definition.questions:
        for lang in [*q.labels, *q.hints, *(lang for c in q.choices for lang in c.labels)]:
            if lang not in langs:
                langs.append(lang)
    hint_langs = langs if any(q.hints for q in definition.questions) else []  # every language: no pyxform warning
    with_appearance = any(q.appearance for q in definition.questions)
    list_names, lists = _list_names(definition)

    logic_columns = [c for c in LOGIC_COLUMNS if any(_logic_cell(q, c) for q in definition.questions)]
    message_langs = {kind: _message_languages(definition, kind, langs) for kind in MESSAGE_KEYS}
    survey = workbook.create_sheet("survey")
    add(survey, ["type", "name", *(f"label::{language_label(lang)}" for lang in langs),
                 *(f"hint::{language_label(lang)}" for lang in hint_langs), "required", "indicator",
                 *(["appearance"] if with_appearance else []), *logic_columns,
                 *(f"{kind}::{language_label(lang)}" for kind in MESSAGE_KEYS for lang in message_langs[kind])])
    for q, list_name in zip(definition.questions, list_names, strict=True):
        qtype = f"{q.type} {list_name}" if list_name else q.type
        if q.logic.get("or_other"):
            qtype += " or_other"
        add(survey, [qtype, _plain(q.name), *(q.labels.get(lang, "") for lang in langs),
                     *(q.hints.get(lang, "") for lang in hint_langs), _required_cell(q),
                     "satisfaction" if q.indicator else "", *([q.appearance] if with_appearance else []),
                     *(_logic_cell(q, column) for column in logic_columns),
                     *(q.logic.get(kind, {}).get(lang, "") for kind in MESSAGE_KEYS for lang in message_langs[kind])])

    extra_columns = list(dict.fromkeys(column for options in lists.values() for c in options for column in c.extra))
    choices = workbook.create_sheet("choices")
    add(choices, ["list_name", "name", *(f"label::{language_label(lang)}" for lang in langs), "positive",
                  *extra_columns])
    for list_name, options in lists.items():
        for choice in options:
            add(choices, [list_name, choice.name, *(choice.labels.get(lang, "") for lang in langs),
                          "yes" if choice.positive else "no", *(choice.extra.get(c, "") for c in extra_columns)])

    duplicates = any(len({c.name for c in options}) < len(options) for options in lists.values())
    settings = workbook.create_sheet("settings")
    add(settings, ["form_title", "form_id", "default_language", *(["allow_choice_duplicates"] if duplicates else [])])
    add(settings, [definition.title, definition.form_id, language_label(default), *(["yes"] if duplicates else [])])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsform(definition: FormDefinition, target: str | Path | BinaryIO) -> None:
    data = xlsform_bytes(definition)
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)
