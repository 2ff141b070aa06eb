"""The logic columns of a survey row -> `QuestionDef.logic` (CONTRACTS.md "Survey logic (XLSForm)").

Every expression is compiled once here with surveys.logic.expressions; one that cannot be compiled refuses
the form with `survey row R: COLUMN: message`. Nothing of the logic is ever dropped or turned into a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from surveys.logic.expressions import ExpressionError, compile_expression, references
from surveys.xlsform.model import SELECTS, cell_text, parse_yes_no
from surveys.xlsform.qtypes import short

LABEL_REF = re.compile(r"\$\{([^{}]*)\}")
_PARAMETERS = re.compile(r"[\s,;]*(?:[^\s=,;]+\s*=\s*[^\s=,;]+(?:[\s,;]+|$))*")
_PAIR = re.compile(r"([^\s=,;]+)\s*=\s*([^\s=,;]+)")
_CASE_SENSITIVE = {"label", "value"}  # pyxform keeps the case of these parameters' values
_DYNAMIC = re.compile(r"\$\{|[()\[\]{}|*+]|\bdiv\b|\bmod\b|\s-\s")
RANGE_DEFAULTS = {"start": "1", "end": "10", "step": "1"}


def parse_parameters(text: str) -> dict[str, str] | None:
    """`start=1 end=10 step=2` (separated by spaces, `,` or `;`) -> {"start": "1", ...}; None when malformed.
    Keys lower-case; values lower-case but for `label` and `value` (as pyxform 4.5)."""
    if not text.strip():
        return {}
    if not _PARAMETERS.fullmatch(text):
        return None
    out: dict[str, str] = {}
    for key, value in _PAIR.findall(text):
        key = key.lower()
        out[key] = value if key in _CASE_SENSITIVE else value.lower()
    return out


def default_is_expression(text: str) -> bool:
    """A `default` cell is an expression when it refers to a question, calls a function or computes
    (pyxform's rule); otherwise it is a literal value (`a c`, `2010-06-15`, `09:30:00`, `-3`)."""
    return bool(_DYNAMIC.search(text))


def bare_columns(tree) -> set[str]:
    """The choices columns a choice filter reads (`["col", name]` nodes)."""
    if not isinstance(tree, list) or not tree:
        return set()
    if tree[0] == "col":
        return {tree[1]}
    return set().union(*(bare_columns(part) for part in tree[1:] if isinstance(part, list)))


@dataclass
class RowLogic:
    """The logic of one row, read and compiled; `refs` are the (column, name) pairs to check once every
    name of the form is known, `columns` the choices columns its choice filter reads."""

    number: int
    logic: dict = field(default_factory=dict)
    required: bool = False
    refs: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def problem(self, column: str, message: str) -> None:
        self.problems.append(f"{column}: {message}")

    def expression(self, column: str, text: str, *, key: str | None = None, context: str = "question") -> None:
        try:
            tree = compile_expression(text, context=context)
        except ExpressionError as exc:
            self.problem(column, str(exc))
            return
        self.logic[key or column] = {"src": text, "tree": tree}
        self.refs.extend((column, name) for name in sorted(references(tree)))


def _cell(cells: dict, column: str) -> str:
    return cell_text(cells.get(column))


def _required(row: RowLogic, cells: dict, messages: dict, qtype: str) -> None:
    value = cells.get("required")
    flag = parse_yes_no(value)
    if flag is None:  # not yes/no: an expression
        text = cell_text(value)
        try:
            compile_expression(text)
        except ExpressionError as exc:
            row.problem("required", f"«{short(text)}» no es sí/no (use yes o no) ni una expresión válida: {exc}")
            return
        row.expression("required", text)
    else:
        row.required = flag
    if messages.get("required_message"):
        row.logic["required_message"] = dict(messages["required_message"])


def _default(row: RowLogic, cells: dict, qtype: str) -> None:
    value = cells.get("default")
    if isinstance(value, datetime) and qtype == "date":
        value = value.date()
    text = cell_text(value)
    if not text:
        return
    if default_is_expression(text):
        row.expression("default", text)
    else:
        row.logic["default_value"] = text


def _read_only(row: RowLogic, cells: dict) -> None:
    value = cells.get("read_only")
    flag = parse_yes_no(value)
    if flag is None:
        row.expression("read_only", cell_text(value))
    elif flag:
        row.logic["read_only_flag"] = True


def _parameters(row: RowLogic, cells: dict, qtype: str) -> None:
    text = _cell(cells, "parameters")
    parsed = parse_parameters(text)
    if parsed is None:
        row.problem("parameters", f"«{short(text)}» no es válido: escriba pares clave=valor separados por "
                                  "espacios, por ejemplo «start=1 end=10 step=1»")
        return
    if qtype == "range":
        parsed = {**RANGE_DEFAULTS, **parsed}
        for key in RANGE_DEFAULTS:
            try:
                number = float(parsed[key])
            except ValueError:
                row.problem("parameters", f"{key}={short(parsed[key])} no es un número")
                return
            if key == "step" and number == 0:
                row.problem("parameters", "step no puede ser 0")
    if parsed:
        row.logic["parameters"] = parsed


def read_row_logic(number: int, qtype: str, cells: dict, messages: dict, texts: list[str], *,
                   or_other: bool) -> RowLogic:
    """The logic of a survey row of type `qtype`: `cells` the logic columns' cells, `messages` the translated
    messages ({column: {lang: text}}), `texts` its labels and hints (for `${ref}`)."""
    row = RowLogic(number)
    if text := _cell(cells, "relevant"):
        row.expression("relevant", text)
    if text := _cell(cells, "constraint"):
        row.expression("constraint", text)
    if messages.get("constraint_message"):
        row.logic["constraint_message"] = dict(messages["constraint_message"])
    _required(row, cells, messages, qtype)
    if text := _cell(cells, "calculation"):
        row.expression("calculation", text)
    elif qtype == "calculate" and not _cell(cells, "default"):
        row.problem("calculation", "una fila calculate necesita su fórmula en la columna calculation")
    if text := _cell(cells, "choice_filter"):
        if qtype not in SELECTS:
            row.problem("choice_filter", f"solo se admite en preguntas de opciones (esta es {qtype})")
        elif or_other:
            row.problem("choice_filter", "no se admite junto con or_other (como en pyxform)")
        else:
            row.expression("choice_filter", text, context="choice_filter")
    _default(row, cells, qtype)
    _read_only(row, cells)
    if text := _cell(cells, "repeat_count"):
        if qtype != "begin_repeat":
            row.problem("repeat_count", f"solo se admite en begin_repeat (esta fila es {qtype})")
        else:
            row.expression("repeat_count", text)
    _parameters(row, cells, qtype)
    if text := _cell(cells, "trigger"):
        row.problem("trigger", f"«{short(text)}»: la columna trigger (recalcular al cambiar otra pregunta) no "
                               "se admite en la plataforma")
    if or_other:
        row.logic["or_other"] = True
    label_refs = [name.strip() for text in texts for name in LABEL_REF.findall(text)]
    if label_refs:
        row.logic["label_refs"] = True
        row.refs.extend(("label", name) for name in label_refs)
    return row
