"""Reading and validating the activities and requests files (CONTRACTS.md).

`plan_activities(table)` and `plan_requests(table)` check every row and return what the
import would do, or raise ImportProblems with one line per problem, `row R: COLUMN: message`
(R is the spreadsheet row; the header is row 1). They write nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.core.text import clean, fold, fold_compact
from crm.events.models import ACTIVITY_TYPES, MODALITIES, PartnerRequest
from crm.events.services import (
    MAX_NAME,
    OrganizationRef,
    OrganizationResolver,
    existing_activity_keys,
    existing_requests,
    split_organization_name,
)
from crm.program.models import ActionLine, ProgramYear

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


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, row: int, column: str, message: str) -> None:
        self.lines.append(f"row {row}: {column}: {message}")

    def raise_if_any(self) -> None:
        if self.lines:
            raise ImportProblems(self.lines)


def _read_header(table: Table, columns: tuple[str, ...], required: tuple[str, ...], problems: _Problems
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


def _unlabelled_cells(number: int, cells: dict[str, str], problems: _Problems) -> None:
    if cells.get(_EXTRA) or cells.get(""):
        problems.add(number, "(sin encabezado)", "hay valores en una columna sin encabezado")


def parse_date(text: str) -> date:
    if not _ISO_DATE.match(text):
        raise RowError(f"«{text}» no es una fecha AAAA-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"«{text}» no es una fecha válida (AAAA-MM-DD)") from None


class _ActionLines:
    """The action lines of each program year, loaded once per import."""

    def __init__(self) -> None:
        self._years: dict[int, dict[str, ActionLine] | None] = {}

    def of_year(self, year: int) -> dict[str, ActionLine] | None:
        if year not in self._years:
            program_id = db.session.scalar(select(ProgramYear.id).where(ProgramYear.year == year))
            if program_id is None:
                self._years[year] = None
            else:
                lines = db.session.scalars(select(ActionLine).where(ActionLine.program_year_id == program_id))
                self._years[year] = {line.code.upper(): line for line in lines}
        return self._years[year]

    def find(self, year: int, raw: str, *, component: str | None = None) -> ActionLine:
        lines = self.of_year(year)
        if lines is None:
            raise RowError(f"no hay un programa cargado para {year} (cárguelo con «flask program load»)")
        code = clean(raw).upper().replace(" ", "")
        line = lines.get(code)
        if line is None:
            example = next((c for c in lines if component is None or c.startswith(component + ".")), "AI2.2")
            raise RowError(f"«{raw}» no es una línea de acción del programa {year} (por ejemplo {example})")
        if component and not code.startswith(component + "."):
            raise RowError(f"«{raw}» no es una línea de acción de {component} (AI1.1, AI1.2...)")
        return line


def _required_text(cells: dict[str, str], header: dict[str, str], column: str, limit: int) -> str:
    value = clean(cells.get(header[column], ""))
    if not value:
        raise RowError("falta el valor (obligatorio)")
    if len(value) > limit:
        raise RowError(f"el texto es demasiado largo ({len(value)} caracteres; máximo {limit})")
    return value


def _cell(cells: dict[str, str], header: dict[str, str], column: str) -> str:
    written = header.get(column)
    return clean(cells.get(written, "")) if written else ""


def _organization_names(text: str) -> list[str]:
    return [clean(part) for part in text.split(";") if clean(part)]


# --------------------------------------------------------------------------- activities


@dataclass
class ActivityRow:
    row: int
    date: date
    action_line: ActionLine
    title: str
    type: str | None = None
    modality: str | None = None
    organizations: list[OrganizationRef] = field(default_factory=list)


@dataclass
class ActivityPlan:
    new: list[ActivityRow]
    skipped: int
    organizations: OrganizationResolver


def _choice(raw: str, variants: dict[str, str], labels: dict[str, str], what: str) -> str | None:
    if not raw:
        return None
    key = variants.get(fold_compact(raw))
    if key is None:
        accepted = ", ".join(label.lower() for label in labels.values())
        raise RowError(f"«{raw}» no es {what} válido (use: {accepted})")
    return key


_ACTIVITY_CELLS = (
    ("fecha", lambda cells, header: parse_date(_required_text(cells, header, "fecha", 10))),
    ("titulo", lambda cells, header: _required_text(cells, header, "titulo", MAX_TITLE)),
    ("tipo", lambda cells, header: _choice(_cell(cells, header, "tipo"), TYPE_VARIANTS, ACTIVITY_TYPES, "un tipo")),
    ("modalidad", lambda cells, header: _choice(_cell(cells, header, "modalidad"), MODALITY_VARIANTS, MODALITIES,
                                                "una modalidad")),
)


def plan_activities(table: Table) -> ActivityPlan:
    problems = _Problems()
    header = _read_header(table, ACTIVITY_COLUMNS, ACTIVITY_REQUIRED, problems)
    if any(column not in header for column in ACTIVITY_REQUIRED):
        problems.raise_if_any()
    resolver = OrganizationResolver()
    resolver.prime(name for _, cells in table.rows for name in _organization_names(_cell(cells, header, "organizaciones")))
    lines = _ActionLines()
    rows: list[ActivityRow] = []
    for number, cells in table.rows:
        _unlabelled_cells(number, cells, problems)
        values: dict = {}
        for column, parse in _ACTIVITY_CELLS:
            try:
                values[column] = parse(cells, header)
            except RowError as exc:
                values[column] = None
                problems.add(number, header.get(column, column), str(exc))
        try:
            code = _required_text(cells, header, "accion", 20)
            if values["fecha"] is not None:
                values["accion"] = lines.find(values["fecha"].year, code)
        except RowError as exc:
            problems.add(number, header["accion"], str(exc))
        organizations = []
        for name in _organization_names(_cell(cells, header, "organizaciones")):
            if len(split_organization_name(name)[0]) > MAX_NAME:
                problems.add(number, header["organizaciones"], f"el nombre «{name[:40]}…» es demasiado largo")
                continue
            organizations.append(resolver.resolve(name))
        if "accion" in values and None not in (values["fecha"], values["titulo"]):
            rows.append(ActivityRow(row=number, date=values["fecha"], action_line=values["accion"],
                                    title=values["titulo"], type=values["tipo"], modality=values["modalidad"],
                                    organizations=organizations))
    problems.raise_if_any()

    new: list[ActivityRow] = []
    skipped = 0
    if rows:
        seen = existing_activity_keys(min(r.date for r in rows), max(r.date for r in rows))
        for row in rows:
            key = (row.date, row.action_line.id, fold(row.title))
            if key in seen:
                skipped += 1
            else:
                seen.add(key)
                new.append(row)
    return ActivityPlan(new=new, skipped=skipped, organizations=resolver)


# --------------------------------------------------------------------------- requests


@dataclass
class RequestRow:
    row: int
    received_on: date
    requester: OrganizationRef
    subject: str
    attended_on: date | None = None
    action_line: ActionLine | None = None


@dataclass
class RequestPlan:
    new: list[RequestRow]
    updates: list[tuple[PartnerRequest, date]]  # recorded requests whose empty attention date is filled
    skipped: int
    organizations: OrganizationResolver


def plan_requests(table: Table) -> RequestPlan:
    problems = _Problems()
    header = _read_header(table, REQUEST_COLUMNS, REQUEST_REQUIRED, problems)
    if any(column not in header for column in REQUEST_REQUIRED):
        problems.raise_if_any()
    resolver = OrganizationResolver()
    resolver.prime(_cell(cells, header, "solicitante") for _, cells in table.rows)
    lines = _ActionLines()
    rows: list[RequestRow] = []
    for number, cells in table.rows:
        _unlabelled_cells(number, cells, problems)
        ok = True
        received = attended = line = requester = subject = None
        try:
            received = parse_date(_required_text(cells, header, "recibida", 10))
        except RowError as exc:
            ok = False
            problems.add(number, header["recibida"], str(exc))
        raw_attended = _cell(cells, header, "atendida")
        if raw_attended:
            try:
                attended = parse_date(raw_attended)
                if received is not None and attended < received:
                    raise RowError(f"la fecha de atención ({attended.isoformat()}) es anterior a la de recepción "
                                   f"({received.isoformat()})")
            except RowError as exc:
                ok = False
                problems.add(number, header["atendida"], str(exc))
        try:
            name = _required_text(cells, header, "solicitante", MAX_NAME + MAX_NAME)
            if len(split_organization_name(name)[0]) > MAX_NAME:
                raise RowError(f"el nombre es demasiado largo (máximo {MAX_NAME} caracteres)")
            requester = resolver.resolve(name)
        except RowError as exc:
            ok = False
            problems.add(number, header["solicitante"], str(exc))
        try:
            subject = _required_text(cells, header, "asunto", MAX_SUBJECT)
        except RowError as exc:
            ok = False
            problems.add(number, header["asunto"], str(exc))
        raw_line = _cell(cells, header, "accion")
        if raw_line and received is not None:
            try:
                line = lines.find(received.year, raw_line, component="AI1")
            except RowError as exc:
                ok = False
                problems.add(number, header["accion"], str(exc))
        if ok and received is not None:
            rows.append(RequestRow(row=number, received_on=received, requester=requester, subject=subject,
                                   attended_on=attended, action_line=line))
    problems.raise_if_any()

    new: list[RequestRow] = []
    updates: dict[int, tuple[PartnerRequest, date]] = {}
    skipped = 0
    if rows:
        recorded = existing_requests(min(r.received_on for r in rows), max(r.received_on for r in rows))
        in_file: dict[tuple, RequestRow | PartnerRequest] = {}
        for row in rows:
            key = (row.received_on, OrganizationResolver.identity(row.requester), fold(row.subject))
            target = in_file.get(key) or recorded.get(key)
            if target is None:
                new.append(row)
                in_file[key] = row
                continue
            in_file[key] = target
            if isinstance(target, RequestRow):
                # A repeat of a row of this file: skipped, but its attention date is not lost.
                if row.attended_on and target.attended_on is None:
                    target.attended_on = row.attended_on
                skipped += 1
            elif row.attended_on and target.attended_on is None and target.id not in updates:
                updates[target.id] = (target, row.attended_on)
            else:
                skipped += 1
    return RequestPlan(new=new, updates=list(updates.values()), skipped=skipped, organizations=resolver)
