"""Agreements import, step 1: each row on its own, no database (CONTRACTS.md, "Agreements file").

`read_row` turns a row's cells into an AgreementRow and records its problems (`row R: COLUMN: message`, R the
spreadsheet row, header = row 1); a row with a problem is not `ok`. The checks that need the database (action lines in the
program of their year, organizations, folios already recorded or repeated in the file) are in `plan`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from crm.contacts.organizations.names import MAX_NAME, split_organization
from crm.core.text import fold_compact
from crm.events.agreements.models import (
    AGREEMENT_TYPES,
    MAX_AREA,
    MAX_FOLIO,
    MAX_TITLE,
    SIGNED_STATES,
    STATES,
)
from crm.events.imports.rows import (
    Problems,
    RowError,
    cell,
    organization_names,
    parse_date,
    required_text,
    unlabelled_cells,
)

COLUMNS = ("folio", "titulo", "contraparte", "tipo", "estado", "dictamen", "accion_dictamen", "firma",
           "accion_firma", "vigencia_fin", "area_responsable")
REQUIRED = ("folio", "titulo", "contraparte", "estado")
TYPE_WORDS = {fold_compact(label): code for code, label in AGREEMENT_TYPES.items()} | {
    fold_compact(code): code for code in AGREEMENT_TYPES}
STATE_WORDS = {fold_compact(label): code for code, label in STATES.items()} | {
    fold_compact(code): code for code in STATES}
MAX_CODE = 20


@dataclass
class AgreementRow:
    row: int
    folio: str
    title: str
    counterparts: list[str]
    state: str
    type: str | None = None
    opinion_on: date | None = None
    opinion_code: str = ""
    signed_on: date | None = None
    signing_code: str = ""
    valid_until: date | None = None
    responsible_area: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # canonical column -> as written (for problems)
    ok: bool = True  # False: a problem was recorded; the row is never written


def _choice(raw: str, words: dict[str, str], labels: dict[str, str], what: str) -> str | None:
    if not raw:
        return None
    code = words.get(fold_compact(raw))
    if code is None:
        raise RowError(f"«{raw}» no es {what} válido (use: {', '.join(label.lower() for label in labels.values())})")
    return code


def _optional_date(cells: dict[str, str], header: dict[str, str], column: str) -> date | None:
    raw = cell(cells, header, column)
    return parse_date(raw) if raw else None


def _code(cells: dict[str, str], header: dict[str, str], column: str) -> str:
    raw = cell(cells, header, column).upper().replace(" ", "")
    if len(raw) > MAX_CODE:
        raise RowError(f"«{raw[:30]}» no es una clave de línea de acción (por ejemplo AI1.6)")
    return raw


def _counterparts(cells: dict[str, str], header: dict[str, str]) -> list[str]:
    names = organization_names(cell(cells, header, "contraparte"))
    if not names:
        raise RowError("falta el valor (obligatorio): una o más organizaciones separadas por «;»")
    for name in names:
        if len(split_organization(name)[0]) > MAX_NAME:
            raise RowError(f"el nombre «{name[:40]}…» es demasiado largo (máximo {MAX_NAME} caracteres)")
    return names


# column -> how to read it on its own (raises RowError)
CELLS = (
    ("folio", lambda c, h: required_text(c, h, "folio", MAX_FOLIO)),
    ("titulo", lambda c, h: required_text(c, h, "titulo", MAX_TITLE)),
    ("contraparte", _counterparts),
    ("tipo", lambda c, h: _choice(cell(c, h, "tipo"), TYPE_WORDS, AGREEMENT_TYPES, "un tipo de convenio")),
    ("estado", lambda c, h: _choice(required_text(c, h, "estado", 40), STATE_WORDS, STATES, "un estado")),
    ("dictamen", lambda c, h: _optional_date(c, h, "dictamen")),
    ("accion_dictamen", lambda c, h: _code(c, h, "accion_dictamen")),
    ("firma", lambda c, h: _optional_date(c, h, "firma")),
    ("accion_firma", lambda c, h: _code(c, h, "accion_firma")),
    ("vigencia_fin", lambda c, h: _optional_date(c, h, "vigencia_fin")),
    ("area_responsable", lambda c, h: cell(c, h, "area_responsable")),
)
BROKEN = object()  # a cell that could not be read


def read_row(number: int, cells: dict[str, str], header: dict[str, str], problems: Problems) -> AgreementRow:
    """The row as read: every problem of the row is recorded, each under its column, and the row is not `ok`
    (its broken cells read as empty, so the checks against the database can still report on the others)."""
    before = len(problems.lines)
    unlabelled_cells(number, cells, problems)
    values: dict[str, object] = {}
    for column, read in CELLS:
        if column not in header and column not in REQUIRED:
            values[column] = None if column not in ("accion_dictamen", "accion_firma", "area_responsable") else ""
            continue
        try:
            values[column] = read(cells, header)
        except RowError as exc:
            values[column] = BROKEN
            problems.add(number, header.get(column, column), str(exc))

    def problem(column: str, message: str) -> None:
        problems.add(number, header.get(column, column), message)

    if len(str(values["area_responsable"] or "")) > MAX_AREA:
        problem("area_responsable", f"el texto es demasiado largo (máximo {MAX_AREA} caracteres)")
    if values["estado"] in SIGNED_STATES and values["firma"] is None:
        problem("firma", f"es obligatoria cuando el estado es «{STATES[values['estado']].lower()}»")
    signed, ends = values["firma"], values["vigencia_fin"]
    if isinstance(signed, date) and isinstance(ends, date) and ends < signed:
        problem("vigencia_fin", f"el fin de la vigencia ({ends.isoformat()}) es anterior a la firma "
                                f"({signed.isoformat()})")
    for code_column, date_column, what in (("accion_dictamen", "dictamen", "dictamen"),
                                           ("accion_firma", "firma", "firma")):
        if values[code_column] and values[code_column] is not BROKEN and values[date_column] is None:
            problem(code_column, f"indique la fecha de {what} en «{date_column}»: la línea de acción cuenta en "
                                 "esa fecha")
    def value(column: str, empty=None):
        found = values[column]
        return empty if found is BROKEN or found is None else found

    return AgreementRow(
        row=number, folio=value("folio", ""), title=value("titulo", ""), counterparts=value("contraparte", []),
        state=value("estado", ""), type=value("tipo"), opinion_on=value("dictamen"),
        opinion_code=value("accion_dictamen", ""), signed_on=value("firma"), signing_code=value("accion_firma", ""),
        valid_until=value("vigencia_fin"), responsible_area=value("area_responsable", ""), columns=dict(header),
        ok=len(problems.lines) == before)
