"""The condition and restriction editors' vocabulary: simple rows in, XLSForm expression source out.

A condition («mostrar esta pregunta solo si…») is a list of rows (an earlier question, an operator suited to
its type, a value: an option's code for choice questions) joined by «y» or «o»; it becomes XLSForm source
such as `${edad} >= 18 and selected(${temas}, 'voto')`. A restriction is, for numbers, a minimum and a
maximum (`. >= 1 and . <= 10`), for texts a length and a pattern (`string-length(.) <= 80 and regex(., '…')`).
The source is compiled by surveys.logic.expressions, the compiler the XLSForm import uses, and stored the same
way (surveys.builder.logic_edit); `read_condition` and `read_restriction` read a stored tree back into rows
when it has one of these shapes (otherwise it is edited as an expression).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from surveys.logic.expressions import to_source

# operator key -> (XPath operator or function shape, Spanish label)
OPERATORS: dict[str, str] = {
    "eq": "es igual a", "ne": "no es igual a", "gt": "es mayor que", "ge": "es mayor o igual que",
    "lt": "es menor que", "le": "es menor o igual que", "selected": "incluye la opción",
    "not_selected": "no incluye la opción", "answered": "tiene respuesta", "empty": "no tiene respuesta",
}
CHOICE_LABELS = {"eq": "es la opción", "ne": "no es la opción"}
DATE_LABELS = {"gt": "es posterior a", "ge": "es igual o posterior a", "lt": "es anterior a",
               "le": "es igual o anterior a"}
COMPARISONS = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
FAMILIES: dict[str, tuple[str, ...]] = {
    "select_one": ("eq", "ne", "answered", "empty"),
    "select_multiple": ("selected", "not_selected", "answered", "empty"),
    "number": ("eq", "ne", "gt", "ge", "lt", "le", "answered", "empty"),
    "date": ("eq", "ne", "gt", "ge", "lt", "le", "answered", "empty"),
    "text": ("eq", "ne", "answered", "empty"),
    "other": ("answered", "empty"),
}
NUMERIC = ("integer", "decimal", "range")
NO_VALUE = ("answered", "empty")
JOINERS = {"and": "y (se cumplen todas)", "or": "o (basta una)"}
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")


def family(qtype: str) -> str:
    if qtype in ("select_one", "select_multiple"):
        return qtype
    if qtype in NUMERIC:
        return "number"
    if qtype in ("date", "text"):
        return qtype
    return "other"


def operator_label(qtype: str, op: str) -> str:
    kind = family(qtype)
    if kind == "select_one" and op in CHOICE_LABELS:
        return CHOICE_LABELS[op]
    if kind == "date" and op in DATE_LABELS:
        return DATE_LABELS[op]
    return OPERATORS[op]


@dataclass
class Row:
    """One condition: `name` a question's code, `op` a key of OPERATORS, `value` the text, date or number, or
    the option's code for choice questions."""

    name: str = ""
    op: str = ""
    value: str = ""


@dataclass
class Candidate:
    """A question a condition may read: its code, type, Spanish label and options [(code, label)]."""

    name: str
    type: str
    label: str
    choices: list[tuple[str, str]] = field(default_factory=list)


class ConditionProblem(ValueError):
    """A Spanish message naming the row and what is wrong with it."""


def _literal(text: str, number: int) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    raise ConditionProblem(f"Condición {number}: el valor no puede llevar comillas simples y dobles a la vez.")


def _number(text: str, where: str) -> str:
    cleaned = text.strip().replace(" ", "")
    if not _NUMBER.fullmatch(cleaned):
        raise ConditionProblem(f"{where}: escriba un número (por ejemplo 18 o 2.5).")
    return to_source(["num", float(cleaned.replace(",", "."))])


def row_source(row: Row, candidate: Candidate, number: int) -> str:
    """The XLSForm source of one condition row."""
    kind = family(candidate.type)
    where = f"Condición {number} («{candidate.label[:60]}»)"
    if row.op not in FAMILIES[kind]:
        raise ConditionProblem(f"{where}: elija una comparación que corresponda a ese tipo de pregunta.")
    ref = f"${{{candidate.name}}}"
    if row.op in NO_VALUE:
        return f"{ref} {'!=' if row.op == 'answered' else '='} ''"
    value = row.value.strip()
    if not value:
        raise ConditionProblem(f"{where}: escriba o elija el valor con el que se compara.")
    if kind in ("select_one", "select_multiple"):
        if value not in {code for code, _label in candidate.choices}:
            raise ConditionProblem(f"{where}: elija una de las opciones de esa pregunta.")
        if row.op == "selected":
            return f"selected({ref}, '{value}')"
        if row.op == "not_selected":
            return f"not(selected({ref}, '{value}'))"
        return f"{ref} {COMPARISONS[row.op]} '{value}'"
    if kind == "number":
        return f"{ref} {COMPARISONS[row.op]} {_number(value, where)}"
    if kind == "date":
        try:
            date.fromisoformat(value)
        except ValueError:
            raise ConditionProblem(f"{where}: escriba la fecha como AAAA-MM-DD (por ejemplo 2025-03-15).") from None
        return f"{ref} {COMPARISONS[row.op]} date('{value}')"
    return f"{ref} {COMPARISONS[row.op]} {_literal(value, number)}"


def condition_source(rows: list[Row], joiner: str, candidates: dict[str, Candidate]) -> str:
    """The source of the rows joined by `and` or `or`; empty rows are ignored ("" when every row is empty)."""
    if joiner not in JOINERS:
        raise ConditionProblem("Elija cómo se combinan las condiciones: «y» u «o».")
    parts = []
    for number, row in enumerate(rows, start=1):
        if not row.name and not row.value.strip():
            continue
        candidate = candidates.get(row.name)
        if candidate is None:
            raise ConditionProblem(f"Condición {number}: elija una pregunta anterior a esta.")
        parts.append(row_source(row, candidate, number))
    return f" {joiner} ".join(parts)


# --------------------------------------------------------------------------- stored trees back into rows

def _flatten(tree: list, joiner: str) -> list[list]:
    if tree[0] == "op" and tree[1] == joiner:
        return _flatten(tree[2], joiner) + _flatten(tree[3], joiner)
    return [tree]


def _value_of(node: list) -> str | None:
    if node[0] == "str":
        return node[1]
    if node[0] == "num":
        return to_source(node)
    if node[0] == "neg" and node[1][0] == "num":
        return to_source(node)
    if node[0] == "fn" and node[1] == "date" and len(node) == 3 and node[2][0] == "str":
        return node[2][1]
    return None


def _row_of(tree: list) -> Row | None:
    negated = tree[0] == "fn" and tree[1] == "not" and len(tree) == 3
    inner = tree[2] if negated else tree
    if inner[0] == "fn" and inner[1] == "selected" and inner[2][0] == "ref" and inner[3][0] == "str":
        return Row(inner[2][1], "not_selected" if negated else "selected", inner[3][1])
    if negated or tree[0] != "op" or tree[1] not in COMPARISONS.values() or tree[2][0] != "ref":
        return None
    value = _value_of(tree[3])
    if value is None:
        return None
    op = next(key for key, symbol in COMPARISONS.items() if symbol == tree[1])
    if value == "" and tree[3][0] == "str" and op in ("eq", "ne"):
        return Row(tree[2][1], "empty" if op == "eq" else "answered", "")
    return Row(tree[2][1], op, value)


def read_condition(tree: list | None) -> tuple[list[Row], str] | None:
    """The rows and joiner of a stored condition the simple editor can show, else None."""
    if not tree:
        return [], "and"
    joiner = tree[1] if tree[0] == "op" and tree[1] in JOINERS else "and"
    rows = [_row_of(part) for part in _flatten(tree, joiner)]
    if any(row is None for row in rows):
        return None
    return rows, joiner


# --------------------------------------------------------------------------- restrictions

@dataclass
class Restriction:
    """For numbers: minimum and maximum; for texts: minimum and maximum length and a regular expression."""

    minimum: str = ""
    maximum: str = ""
    min_length: str = ""
    max_length: str = ""
    pattern: str = ""


def _length(text: str, label: str) -> str:
    cleaned = text.strip()
    if not cleaned.isdigit() or len(cleaned) > 6:
        raise ConditionProblem(f"{label}: escriba un número entero de caracteres (por ejemplo 10).")
    return str(int(cleaned))


def restriction_source(data: Restriction, qtype: str) -> str:
    parts = []
    if qtype in NUMERIC:
        if data.minimum.strip():
            parts.append(f". >= {_number(data.minimum, 'Mínimo')}")
        if data.maximum.strip():
            parts.append(f". <= {_number(data.maximum, 'Máximo')}")
    elif qtype == "text":
        if data.min_length.strip():
            parts.append(f"string-length(.) >= {_length(data.min_length, 'Longitud mínima')}")
        if data.max_length.strip():
            parts.append(f"string-length(.) <= {_length(data.max_length, 'Longitud máxima')}")
        if data.pattern.strip():
            pattern = data.pattern.strip()
            if "'" in pattern:
                raise ConditionProblem("Patrón: no puede llevar comillas simples (').")
            parts.append(f"regex(., '{pattern}')")
    return " and ".join(parts)


def read_restriction(tree: list | None, qtype: str) -> Restriction | None:
    """The simple fields of a stored restriction, else None (edited as an expression)."""
    data = Restriction()
    if not tree:
        return data
    for part in _flatten(tree, "and"):
        if part[0] == "fn" and part[1] == "regex" and part[2] == ["cur"] and part[3][0] == "str" \
                and qtype == "text" and not data.pattern:
            data.pattern = part[3][1]
            continue
        if part[0] != "op" or part[1] not in (">=", "<=") or part[3][0] not in ("num", "neg"):
            return None
        value = _value_of(part[3])
        low = part[1] == ">="
        if part[2] == ["cur"] and qtype in NUMERIC and value is not None:
            slot = "minimum" if low else "maximum"
        elif part[2] == ["fn", "string-length", ["cur"]] and qtype == "text" and value and value.isdigit():
            slot = "min_length" if low else "max_length"
        else:
            return None
        if getattr(data, slot):
            return None
        setattr(data, slot, value)
    return data
