"""Writing a `FormDefinition` as an XLSForm workbook that pyxform converts and `read_xlsform` reads back."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import BinaryIO

from surveys.xlsform.model import ANSWERABLE, MAX_NAME, ChoiceDef, FormDefinition, language_label


def _safe(text: str) -> str:
    return "".join(ch for ch in text if ch in "\t\n\r" or ord(ch) >= 32)


def _list_names(definition: FormDefinition) -> tuple[list[str | None], dict[str, list[ChoiceDef]]]:
    """A list name per question, reusing a name only for identical choices."""
    lists: dict[str, list[ChoiceDef]] = {}
    names: list[str | None] = []
    for q in definition.questions:
        if q.type not in ("select_one", "select_multiple"):
            names.append(None)
            continue
        base = re.sub(r"\s+", "_", (q.list_name or q.name or "lista").strip())[: MAX_NAME - 4] or "lista"
        candidate, counter = base, 1
        while candidate in lists and lists[candidate] != q.choices:
            counter += 1
            candidate = f"{base}_{counter}"
        lists.setdefault(candidate, q.choices)
        names.append(candidate)
    return names, lists


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
    for q in definition.questions:
        for lang in [*q.labels, *q.hints, *(lang for c in q.choices for lang in c.labels)]:
            if lang not in langs:
                langs.append(lang)
    hint_langs = langs if any(q.hints for q in definition.questions) else []  # every language: no pyxform warning
    with_appearance = any(q.appearance for q in definition.questions)
    list_names, lists = _list_names(definition)

    survey = workbook.create_sheet("survey")
    add(survey, ["type", "name", *(f"label::{language_label(lang)}" for lang in langs),
                 *(f"hint::{language_label(lang)}" for lang in hint_langs), "required", "indicator",
                 *(["appearance"] if with_appearance else [])])
    for q, list_name in zip(definition.questions, list_names, strict=True):
        qtype = f"{q.type} {list_name}" if list_name else q.type
        add(survey, [qtype, q.name or "", *(q.labels.get(lang, "") for lang in langs),
                     *(q.hints.get(lang, "") for lang in hint_langs),
                     ("yes" if q.required else "no") if q.type in ANSWERABLE else "",
                     "satisfaction" if q.indicator else "", *([q.appearance] if with_appearance else [])])

    choices = workbook.create_sheet("choices")
    add(choices, ["list_name", "name", *(f"label::{language_label(lang)}" for lang in langs), "positive"])
    for list_name, options in lists.items():
        for choice in options:
            add(choices, [list_name, choice.name, *(choice.labels.get(lang, "") for lang in langs),
                          "yes" if choice.positive else "no"])

    settings = workbook.create_sheet("settings")
    add(settings, ["form_title", "form_id", "default_language"])
    add(settings, [definition.title, definition.form_id, language_label(default)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_xlsform(definition: FormDefinition, target: str | Path | BinaryIO) -> None:
    data = xlsform_bytes(definition)
    if isinstance(target, str | Path):
        Path(target).write_bytes(data)
    else:
        target.write(data)
