"""Activities and requests imports, step 2: checking the rows against what is stored (the program's
action lines, the organizations, the activities and requests already recorded) and planning the import.

`plan_activities(table)` and `plan_requests(table)` return what the import would do, or raise
ImportProblems with every problem of the file. They write nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from crm.contacts.organizations.names import MAX_NAME, OrganizationIndex, OrgRef, split_organization
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.core.text import clean, fold
from crm.events.imports.rows import (
    ACTIVITY_CELLS,
    ACTIVITY_COLUMNS,
    ACTIVITY_REQUIRED,
    MAX_SUBJECT,
    REQUEST_COLUMNS,
    REQUEST_REQUIRED,
    Problems,
    RowError,
    cell,
    organization_names,
    parse_date,
    read_header,
    required_text,
    unlabelled_cells,
)
from crm.events.models import Activity, PartnerRequest
from crm.events.organizations import OrganizationError, prime, resolve
from crm.program.models import ActionLine, ProgramYear


class ActionLines:
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


# --------------------------------------------------------------------------- activities


@dataclass
class ActivityRow:
    row: int
    date: date
    action_line: ActionLine
    title: str
    type: str | None = None
    modality: str | None = None
    organizations: list[OrgRef] = field(default_factory=list)


@dataclass
class ActivityPlan:
    new: list[ActivityRow]
    skipped: int
    organizations: OrganizationIndex  # with the new organizations the file names


def _activity_row(number: int, cells: dict[str, str], header: dict[str, str], lines: ActionLines,
                  organizations: OrganizationIndex, problems: Problems) -> ActivityRow | None:
    """One row of the activities file, or None when it has a problem (recorded in `problems`)."""
    unlabelled_cells(number, cells, problems)
    values: dict = {}
    for column, parse in ACTIVITY_CELLS:
        try:
            values[column] = parse(cells, header)
        except RowError as exc:
            values[column] = None
            problems.add(number, header.get(column, column), str(exc))
    try:
        code = required_text(cells, header, "accion", 20)
        if values["fecha"] is not None:
            values["accion"] = lines.find(values["fecha"].year, code)
    except RowError as exc:
        problems.add(number, header["accion"], str(exc))
    refs = []
    for name in organization_names(cell(cells, header, "organizaciones")):
        if len(split_organization(name)[0]) > MAX_NAME:
            problems.add(number, header["organizaciones"], f"el nombre «{name[:40]}…» es demasiado largo")
            continue
        try:
            refs.append(resolve(organizations, name))
        except OrganizationError as exc:
            problems.add(number, header["organizaciones"], f"«{name[:40]}»: {exc}")
    if "accion" not in values or None in (values["fecha"], values["titulo"]):
        return None
    return ActivityRow(row=number, date=values["fecha"], action_line=values["accion"], title=values["titulo"],
                       type=values["tipo"], modality=values["modalidad"], organizations=refs)


def existing_activity_keys(first, last) -> set[tuple]:
    """(date, action line id, folded title) of the activities recorded between two dates."""
    rows = db.session.execute(
        select(Activity.date, Activity.action_line_id, Activity.title_key)
        .where(Activity.date >= first, Activity.date <= last)
    )
    return {(day, line_id, fold(title_key)) for day, line_id, title_key in rows}


def _new_activities(rows: list[ActivityRow]) -> tuple[list[ActivityRow], int]:
    """The rows not recorded yet (nor repeated in the file), and how many are skipped."""
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
    return new, skipped


def plan_activities(table: Table) -> ActivityPlan:
    problems = Problems()
    header = read_header(table, ACTIVITY_COLUMNS, ACTIVITY_REQUIRED, problems)
    if any(column not in header for column in ACTIVITY_REQUIRED):
        problems.raise_if_any()
    organizations = OrganizationIndex.load()
    prime(organizations, (name for _, cells in table.rows
                          for name in organization_names(cell(cells, header, "organizaciones"))))
    lines = ActionLines()
    rows = [row for number, cells in table.rows
            if (row := _activity_row(number, cells, header, lines, organizations, problems)) is not None]
    problems.raise_if_any()
    new, skipped = _new_activities(rows)
    return ActivityPlan(new=new, skipped=skipped, organizations=organizations)


# --------------------------------------------------------------------------- requests


@dataclass
class RequestRow:
    row: int
    received_on: date
    requester: OrgRef
    subject: str
    attended_on: date | None = None
    action_line: ActionLine | None = None


@dataclass
class RequestPlan:
    new: list[RequestRow]
    updates: list[tuple[PartnerRequest, date]]  # recorded requests whose empty attention date is filled
    skipped: int
    organizations: OrganizationIndex  # with the new organizations the file names


def _request_row(number: int, cells: dict[str, str], header: dict[str, str], lines: ActionLines,
                 organizations: OrganizationIndex, problems: Problems) -> RequestRow | None:
    """One row of the requests file, or None when it has a problem (recorded in `problems`)."""
    unlabelled_cells(number, cells, problems)
    ok = True
    received = attended = line = requester = subject = None
    try:
        received = parse_date(required_text(cells, header, "recibida", 10))
    except RowError as exc:
        ok = False
        problems.add(number, header["recibida"], str(exc))
    raw_attended = cell(cells, header, "atendida")
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
        name = required_text(cells, header, "solicitante", MAX_NAME + MAX_NAME)
        if len(split_organization(name)[0]) > MAX_NAME:
            raise RowError(f"el nombre es demasiado largo (máximo {MAX_NAME} caracteres)")
        requester = resolve(organizations, name)
    except (RowError, OrganizationError) as exc:
        ok = False
        problems.add(number, header["solicitante"], str(exc))
    try:
        subject = required_text(cells, header, "asunto", MAX_SUBJECT)
    except RowError as exc:
        ok = False
        problems.add(number, header["asunto"], str(exc))
    raw_line = cell(cells, header, "accion")
    if raw_line and received is not None:
        try:
            line = lines.find(received.year, raw_line, component="AI1")
        except RowError as exc:
            ok = False
            problems.add(number, header["accion"], str(exc))
    if not ok or received is None:
        return None
    return RequestRow(row=number, received_on=received, requester=requester, subject=subject,
                      attended_on=attended, action_line=line)


def _identity(ref: OrgRef) -> tuple[str, int]:
    """A comparison key: the same organization gives the same identity (recorded or new in this file)."""
    return ("db", ref.id) if ref.id is not None else ("new", id(ref))


def existing_requests(first, last) -> dict[tuple, PartnerRequest]:
    """(received date, requester id, folded subject) -> the first recorded request so described."""
    found: dict[tuple, PartnerRequest] = {}
    for request in db.session.scalars(
        select(PartnerRequest).where(PartnerRequest.received_on >= first, PartnerRequest.received_on <= last)
        .order_by(PartnerRequest.id)
    ):
        found.setdefault((request.received_on, ("db", request.requester_id), fold(request.subject_key)), request)
    return found


def _request_changes(rows: list[RequestRow]) -> tuple[list[RequestRow], list[tuple[PartnerRequest, date]], int]:
    """The new requests, the recorded ones whose attention date the file fills, and how many rows are skipped."""
    new: list[RequestRow] = []
    updates: dict[int, tuple[PartnerRequest, date]] = {}
    skipped = 0
    if not rows:
        return new, [], skipped
    recorded = existing_requests(min(r.received_on for r in rows), max(r.received_on for r in rows))
    in_file: dict[tuple, RequestRow | PartnerRequest] = {}
    for row in rows:
        key = (row.received_on, _identity(row.requester), fold(row.subject))
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
    return new, list(updates.values()), skipped


def plan_requests(table: Table) -> RequestPlan:
    problems = Problems()
    header = read_header(table, REQUEST_COLUMNS, REQUEST_REQUIRED, problems)
    if any(column not in header for column in REQUEST_REQUIRED):
        problems.raise_if_any()
    organizations = OrganizationIndex.load()
    prime(organizations, (cell(cells, header, "solicitante") for _, cells in table.rows))
    lines = ActionLines()
    rows = [row for number, cells in table.rows
            if (row := _request_row(number, cells, header, lines, organizations, problems)) is not None]
    problems.raise_if_any()
    new, updates, skipped = _request_changes(rows)
    return RequestPlan(new=new, updates=updates, skipped=skipped, organizations=organizations)
