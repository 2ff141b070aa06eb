"""Activities and requests imports, step 1: the header and each cell on its own (no database).

Every problem is recorded as a Problem, shown as `row R: COLUMN: message` (R is the spreadsheet row;
the header is row 1).
"""

from __future__ import annotations

import re
from datetime import date

from crm.core.errors import ImportProblems, Problem
from crm.core.tabular import Table
from crm.core.text import clean, fold, fold_compact
from crm.events.models import ACTIVITY_TYPES, MODALITIES

ACTIVITY_COLUMNS = ("fecha", "accion", "titulo", "tipo", "modalidad", "organizaciones")
ACTIVITY_REQUIRED = ("fecha", "accion", "titulo")
REQUEST_COLUMNS = ("recibida", "atendida", "solicitante", "asunto", "accion")
REQUEST_REQUIRED = ("recibida", "solicitante", "asunto")
MAX_TITLE = 300
MAX_SUBJECT = 500

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EXTRA = "\x00extra"


def _variants(choices: dict[str, str]) -> dict[str, str]:
    """Every accepted writing (key or label; case, accents, spaces, underscores ignored) -> key."""
    found: dict[str, str] = {}
    for key, label in choices.items():
        for variant in (key, label):
            found[fold_compact(variant)] = key
    return found


TYPE_VARIANTS = _variants(ACTIVITY_TYPES)
MODALITY_VARIANTS = _variants(MODALITIES)


class RowError(ValueError):
    """A cell's value is not acceptable; the message is Spanish."""


class Problems:
    def __init__(self) -> None:
        self.lines: list[Problem] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.lines.append(Problem(row, column, message))

    def raise_if_any(self) -> None:
        if self.lines:
            raise ImportProblems(self.lines)


def read_header(table: Table, columns: tuple[str, ...], required: tuple[str, ...], problems: Problems
                ) -> dict[str, str]:
    """Canonical column -> the header as written. Names ignore case and accents; unknown ones are errors."""
    found: dict[str, str] = {}
    for written in table.header:
        if not written:
            continue
        canonical = fold(written).replace(" ", "_")
        if canonical not in columns:
            problems.add(1, written, f"columna desconocida; las columnas son: {', '.join(columns)}")
        elif canonical in found:
            problems.add(1, written, "columna repetida")
        else:
            found[canonical] = written
    for column in required:
        if column not in found:
            problems.add(1, column, "falta esta columna obligatoria")
    return found


def unlabelled_cells(number: int, cells: dict[str, str], problems: Problems) -> None:
    if cells.get(_EXTRA) or cells.get(""):
        problems.add(number, "(sin encabezado)", "hay valores en una columna sin encabezado")


def parse_date(text: str) -> date:
    if not _ISO_DATE.match(text):
        raise RowError(f"«{text}» no es una fecha AAAA-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"«{text}» no es una fecha válida (AAAA-MM-DD)") from None


def required_text(cells: dict[str, str], header: dict[str, str], column: str, limit: int) -> str:
    value = clean(cells.get(header[column], ""))
    if not value:
        raise RowError("falta el valor (obligatorio)")
    if len(value) > limit:
        raise RowError(f"el texto es demasiado largo ({len(value)} caracteres; máximo {limit})")
    return value


def cell(cells: dict[str, str], header: dict[str, str], column: str) -> str:
    written = header.get(column)
    return clean(cells.get(written, "")) if written else ""


def organization_names(text: str) -> list[str]:
    return [clean(part) for part in text.split(";") if clean(part)]


def _choice(raw: str, variants: dict[str, str], labels: dict[str, str], what: str) -> str | None:
    if not raw:
        return None
    key = variants.get(fold_compact(raw))
    if key is None:
        accepted = ", ".join(label.lower() for label in labels.values())
        raise RowError(f"«{raw}» no es {what} válido (use: {accepted})")
    return key


# The cells of an activity read on their own: column -> how to read it (raises RowError).
ACTIVITY_CELLS = (
    ("fecha", lambda cells, header: parse_date(required_text(cells, header, "fecha", 10))),
    ("titulo", lambda cells, header: required_text(cells, header, "titulo", MAX_TITLE)),
    ("tipo", lambda cells, header: _choice(cell(cells, header, "tipo"), TYPE_VARIANTS, ACTIVITY_TYPES, "un tipo")),
    ("modalidad", lambda cells, header: _choice(cell(cells, header, "modalidad"), MODALITY_VARIANTS, MODALITIES,
                                                "una modalidad")),
)
