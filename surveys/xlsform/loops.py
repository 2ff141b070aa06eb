"""`begin loop over LIST` … `end loop`: expanded into groups before the survey rows are read, as pyxform 4.5 does
(builder._create_loop_from_dict): a group named as the loop, holding one group per choice of the list (named and
labelled as the choice; a choice named `none` is left out), each holding a copy of the loop's rows, where
`%(name)s`, `%(label)s` (and `%(COLUMN)s` of the choices sheet) in the labels, hints, messages, appearance and
logic cells of the loop's direct rows become the choice's.

The names inside the copies repeat from one choice's group to the next: they are unique among siblings, as the
standard asks, and are stored as their paths (surveys.xlsform.names).
"""

from __future__ import annotations

import re
from dataclasses import replace

from surveys.xlsform.model import MAX_ROWS, ChoiceDef
from surveys.xlsform.qtypes import parse_type, short
from surveys.xlsform.sheets import Report

_PLACEHOLDER = re.compile(r"%%|%\(([^()]*)\)s")
OTHER_LABEL = "Other"  # the label pyxform gives the choice it adds for `or_other`


class _TooLarge(Exception):
    def __init__(self, row) -> None:
        self.row = row


def _kind(row) -> str | None:
    """begin_group / end_group / begin_repeat / end_repeat / begin_loop / end_loop, else None."""
    parsed = parse_type(row.raw_type) if row.raw_type[:3].lower() in ("beg", "end") else None
    return parsed.type if parsed and parsed.type and parsed.type[:4] in ("begi", "end_") else None


def or_other_lists(rows) -> set[str]:
    """The lists a select `… or_other` uses: pyxform adds their `other` choice, which a loop over them gets."""
    out = set()
    for row in rows:
        parsed = parse_type(row.raw_type) if row.raw_type else None
        if parsed and parsed.or_other and parsed.list_name:
            out.add(parsed.list_name)
    return out


def _substitute(text: str, values: dict[str, str]) -> str:
    if "%" not in text:
        return text
    return _PLACEHOLDER.sub(lambda m: "%" if m.group(0) == "%%" else values.get(m.group(1), m.group(0)), text)


def _texts(texts: dict[str, str], values: dict[str, str], labels: dict[str, str]) -> dict[str, str]:
    """A {lang: text} cell, `%(label)s` taking the choice's label in the same language."""
    return {lang: _substitute(text, {**values, "label": labels.get(lang, values["label"])})
            for lang, text in texts.items()}


def _direct_copy(row, choice: ChoiceDef, default_lang: str):
    label = choice.labels.get(default_lang) or next(iter(choice.labels.values()), choice.name)
    values = {**choice.extra, "name": choice.name, "label": label}
    # not in the type or the name: pyxform checks them before the loop is expanded, and `%(` is no XML name
    return replace(row, labels=_texts(row.labels, values, choice.labels), hints=_texts(row.hints, values, choice.labels),
                   appearance=_substitute(row.appearance, values), media=_substitute(row.media, values),
                   cells={k: _substitute(v, values) if isinstance(v, str) else v for k, v in row.cells.items()},
                   messages={k: _texts(v, values, choice.labels) for k, v in row.messages.items()})


class _Expansion:
    def __init__(self, lists: dict, other: set[str], default_lang: str, report: Report) -> None:
        self.lists, self.other, self.default_lang, self.report = lists, other, default_lang, report
        self.used: set[str] = set()
        self.count = 0

    def emit(self, out: list, row, loop_row) -> None:
        self.count += 1
        if self.count > MAX_ROWS:
            raise _TooLarge(loop_row or row)
        out.append(row)

    def choices(self, loop_row, list_name: str) -> list[ChoiceDef] | None:
        entries = self.lists.get(list_name)
        if entries is None:
            self.report.error("survey", loop_row.number, f"la lista «{short(list_name)}» del bucle no existe en la "
                                                         "hoja choices")
            return None
        self.used.add(list_name)
        choices = [choice for _, choice in entries if choice.name != "none"]
        if list_name in self.other and not any(choice.name == "other" for choice in choices):
            langs = list(dict.fromkeys(lang for choice in choices for lang in choice.labels)) or [self.default_lang]
            choices.append(ChoiceDef("other", dict.fromkeys(langs, OTHER_LABEL)))
        return choices

    def expand(self, rows: list, loop_row=None) -> list:
        out: list = []
        index = 0
        while index < len(rows):
            row = rows[index]
            kind = _kind(row)
            if kind == "end_loop":
                self.report.error("survey", row.number, "end_loop sin un begin loop abierto")
            elif kind != "begin_loop":
                self.emit(out, row, loop_row)
            else:
                end = self._matching_end(rows, index)
                if end is None:
                    self.report.error("survey", row.number, f"el bucle «{short(row.name)}» no se cierra "
                                                            "(falta end loop)")
                    return out
                self._unroll(row, rows[index + 1:end], rows[end], out)
                index = end
            index += 1
        return out

    @staticmethod
    def _matching_end(rows: list, start: int) -> int | None:
        depth = 0
        for index in range(start + 1, len(rows)):
            kind = _kind(rows[index])
            if kind == "begin_loop":
                depth += 1
            elif kind == "end_loop":
                if depth == 0:
                    return index
                depth -= 1
        return None

    def _unroll(self, loop_row, body: list, end_row, out: list) -> None:
        choices = self.choices(loop_row, parse_type(loop_row.raw_type).list_name)
        if choices is None:
            return
        empty = {key: None for key in loop_row.cells}
        self.emit(out, replace(loop_row, raw_type="begin_group"), loop_row)
        for choice in choices:
            self.emit(out, replace(loop_row, raw_type="begin_group", name=choice.name, labels=dict(choice.labels),
                                   hints={}, indicator_text="", appearance="", media="", cells=dict(empty),
                                   messages={}), loop_row)
            copies, depth = [], 0
            for row in body:  # only the loop's direct rows take the choice's name and label (as pyxform)
                kind = _kind(row) or ""
                if kind.startswith("end_"):
                    depth -= 1
                copies.append(_direct_copy(row, choice, self.default_lang) if depth == 0 else row)
                if kind.startswith("begin_"):
                    depth += 1
            out.extend(self.expand(copies, loop_row))  # counted as they are emitted
            self.emit(out, replace(end_row, raw_type="end_group"), loop_row)
        self.emit(out, replace(end_row, raw_type="end_group"), loop_row)


def expand_loops(rows: list, lists: dict, default_lang: str, report: Report) -> tuple[list, set[str]]:
    """The survey rows with every loop expanded into groups, and the lists the loops go over."""
    if not any(_kind(row) in ("begin_loop", "end_loop") for row in rows):
        return rows, set()
    expansion = _Expansion(lists, or_other_lists(rows), default_lang, report)
    try:
        return expansion.expand(rows), expansion.used
    except _TooLarge as exc:
        report.error("survey", exc.row.number, f"el bucle «{short(exc.row.name)}» genera más de {MAX_ROWS} filas: "
                                               "use una lista más corta o begin_repeat")
        return [], expansion.used
