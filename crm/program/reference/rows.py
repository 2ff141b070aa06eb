"""The reference-figures file's rows: cells -> typed figures and every problem, without the database.

A CSV/XLSX table (header = row 1) or a YAML list of objects (its first item = row 1), with the columns
kind, key, value and source (optional). Keys are read by the matchers of crm.program.reference.kinds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from crm.core.errors import Problem
from crm.core.tabular import Table
from crm.program.reference.kinds import KEY_TYPES, KINDS
from crm.program.reference.models import MAX_VALUE

COLUMNS = ("kind", "key", "value", "source")
REQUIRED = ("kind", "key", "value")
MAX_SOURCE = 500
EXTRA = "\x00extra"  # crm.core.tabular's key for cells beyond the header
# 613170, or with thousands separated by commas as the program document writes them: 613,170
_INTEGER = re.compile(r"(?:[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)")


@dataclass(frozen=True)
class FigureRow:
    row: int
    kind: str
    key: str
    value: int
    source: str


def read_value(text: str) -> int | str:
    """The value as an integer, or the Spanish reason it is not one."""
    if not text:
        return "falta el valor"
    if not _INTEGER.fullmatch(text):
        return f"«{text}» no es un número entero no negativo (sin decimales; p. ej. 613170 o 613,170)"
    value = int(text.replace(",", ""))
    if value > MAX_VALUE:
        return f"{value} es mayor que el máximo admitido ({MAX_VALUE})"
    return value


def _header_problems(header: list[str]) -> list[Problem]:
    problems = [Problem(None, None, f"falta la columna «{name}»: las columnas son {', '.join(COLUMNS)}")
                for name in REQUIRED if name not in header]
    problems += [Problem(None, None, f"columna desconocida «{name}»: las columnas son {', '.join(COLUMNS)}")
                 for name in header if name and name not in COLUMNS]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(None, None, f"la columna «{name}» está repetida"))
        seen.add(name)
    return problems


def _read_row(number: int, cells: Mapping[str, str], matchers: Mapping[str, Callable[[str], str | None]],
              problems: list[Problem]) -> FigureRow | None:
    before = len(problems)
    if cells.get(EXTRA):
        problems.append(Problem(number, "(sin encabezado)", "hay valores fuera de las columnas del encabezado"))
    kind_text = cells.get("kind", "").strip()
    kind = KINDS.get(kind_text.lower())
    if not kind_text:
        problems.append(Problem(number, "kind", "falta el tipo de cifra"))
    elif kind is None:
        problems.append(Problem(number, "kind", f"«{kind_text}» no es un tipo de cifra conocido: use "
                                                f"{' o '.join(KINDS)}"))
    key_text = cells.get("key", "").strip()
    key = None
    if not key_text:
        problems.append(Problem(number, "key", "falta la clave"))
    elif kind is not None:
        key = matchers[kind.key_type](key_text)
        if key is None:
            problems.append(Problem(number, "key", f"«{key_text}» no es {KEY_TYPES[kind.key_type]}"))
    value = read_value(cells.get("value", "").strip())
    if isinstance(value, str):
        problems.append(Problem(number, "value", value))
    source = cells.get("source", "").strip()
    if len(source) > MAX_SOURCE:
        problems.append(Problem(number, "source", f"la fuente tiene {len(source)} caracteres; el máximo es "
                                                  f"{MAX_SOURCE}"))
    if len(problems) > before or kind is None or key is None or isinstance(value, str):
        return None
    return FigureRow(number, kind.code, key, value, source)


def read_figures(table: Table, matchers: Mapping[str, Callable[[str], str | None]]) -> tuple[list[FigureRow],
                                                                                              list[Problem]]:
    """Every figure of the table and every problem (a key repeated within its kind is one)."""
    problems = _header_problems(table.header)
    if problems:
        return [], problems
    figures: list[FigureRow] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, cells in table.rows:
        figure = _read_row(number, cells, matchers, problems)
        if figure is None:
            continue
        where = (figure.kind, figure.key)
        if where in first_row:
            problems.append(Problem(number, "key", f"{figure.key} ya tiene una cifra de {figure.kind} en la fila "
                                                   f"{first_row[where]}"))
            continue
        first_row[where] = number
        figures.append(figure)
    if not table.rows:
        problems.append(Problem(None, None, "el archivo no tiene cifras"))
    return figures, problems


def _yaml_cell(value: object) -> str | None:
    """A YAML scalar as the text a CSV cell would hold; None for what no cell can hold (lists, objects)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def table_from_yaml(data: object) -> tuple[Table, list[Problem]]:
    """A YAML document (a list of objects) as a table: row N is the list's Nth item."""
    if not isinstance(data, list):
        return Table(header=list(COLUMNS)), [Problem(None, None, "el archivo YAML debe ser una lista de objetos "
                                                                 "con kind, key, value y source")]
    header: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[Problem] = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(number, "(fila)", "se esperaba un objeto con kind, key, value y source"))
            continue
        cells: dict[str, str] = {}
        for name, value in item.items():
            name = str(name).strip()
            if name not in header:
                header.append(name)
            text = _yaml_cell(value)
            if text is None:
                problems.append(Problem(number, name, "se esperaba un texto o un número"))
            cells[name] = (text or "").strip()
        rows.append((number, cells))
    header += [name for name in COLUMNS if name not in header and name not in REQUIRED]
    return Table(header=header, rows=rows), problems
