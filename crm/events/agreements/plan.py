"""Agreements import, step 2 and 3: the rows checked against what is stored (the action lines of each
milestone's year, the organizations, the folios recorded or repeated in the file), then written inside the
caller's transaction.

`plan_agreements(table)` returns what the import would do, or raises ImportProblems with every problem of the
file; it writes nothing. `write_agreements(plan, actor)` writes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.contacts.models import Organization
from crm.contacts.organizations.names import OrganizationIndex, OrgRef
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.core.text import fold
from crm.core.timeutil import local_today
from crm.events.agreements.models import Agreement
from crm.events.agreements.rows import COLUMNS, REQUIRED, AgreementRow, read_row
from crm.events.agreements.services import (
    AgreementData,
    AgreementsError,
    add_transition,
    apply_data,
    find_line,
)
from crm.events.imports.rows import Problems, read_header
from crm.events.organizations import OrganizationError, prime, resolve
from crm.program.models import ActionLine


@dataclass
class PlannedRow:
    row: AgreementRow
    counterparts: list[OrgRef]
    opinion_line: ActionLine | None
    signing_line: ActionLine | None
    existing: Agreement | None


@dataclass
class AgreementPlan:
    rows: list[PlannedRow]
    organizations: OrganizationIndex  # with the new organizations the file names

    @property
    def created(self) -> int:
        return sum(1 for planned in self.rows if planned.existing is None)

    @property
    def updated(self) -> int:
        return sum(1 for planned in self.rows if planned.existing is not None)


def _lines(row: AgreementRow, problems: Problems) -> tuple[ActionLine | None, ActionLine | None] | None:
    """The milestones' action lines in the program of their year; None when one is wrong (reported). A line
    without its date was reported when the row was read."""
    found, ok = [], True
    for column, code, on, what in (("accion_dictamen", row.opinion_code, row.opinion_on, "dictamen"),
                                   ("accion_firma", row.signing_code, row.signed_on, "firma")):
        try:
            found.append(find_line(code, on, what) if on is not None else None)
        except AgreementsError as exc:
            problems.add(row.row, row.columns.get(column, column), str(exc))
            ok = False
    return (found[0], found[1]) if ok else None


def _counterparts(row: AgreementRow, index: OrganizationIndex, problems: Problems) -> list[OrgRef] | None:
    refs, ok = [], True
    for name in row.counterparts:
        try:
            refs.append(resolve(index, name))
        except OrganizationError as exc:
            ok = False
            problems.add(row.row, row.columns.get("contraparte", "contraparte"), f"«{name[:40]}»: {exc}")
    return refs if ok else None


def _repeated_folios(rows: list[AgreementRow], problems: Problems) -> set[int]:
    """Rows whose folio another row of the file repeats (ignoring case): each of them is a problem."""
    by_folio: dict[str, list[AgreementRow]] = {}
    for row in rows:
        by_folio.setdefault(fold(row.folio), []).append(row)
    repeated = set()
    for same in by_folio.values():
        if len(same) > 1:
            for row in same:
                others = ", ".join(str(other.row) for other in same if other is not row)
                problems.add(row.row, row.columns.get("folio", "folio"),
                             f"el folio «{row.folio}» se repite en la(s) fila(s) {others}")
                repeated.add(row.row)
    return repeated


def plan_agreements(table: Table) -> AgreementPlan:
    problems = Problems()
    header = read_header(table, COLUMNS, REQUIRED, problems)
    if any(column not in header for column in REQUIRED):
        problems.raise_if_any()
    rows = [read_row(number, cells, header, problems) for number, cells in table.rows]
    repeated = _repeated_folios([row for row in rows if row.folio], problems)
    index = OrganizationIndex.load()
    prime(index, (name for row in rows for name in row.counterparts))
    recorded = {agreement.folio_key: agreement for agreement in db.session.scalars(
        select(Agreement).where(Agreement.folio_key.in_({fold(row.folio) for row in rows})))} if rows else {}
    planned = []
    for row in rows:
        lines = _lines(row, problems)
        refs = _counterparts(row, index, problems)
        if row.ok and lines is not None and refs is not None and row.row not in repeated:
            planned.append(PlannedRow(row, refs, lines[0], lines[1], recorded.get(fold(row.folio))))
    problems.raise_if_any()
    return AgreementPlan(rows=planned, organizations=index)


def _state_date(row: AgreementRow, today: date) -> date:
    """The date a file's state took effect: the milestone that state records, else the day of the import."""
    return {"dictaminado": row.opinion_on, "firmado": row.signed_on}.get(row.state) or today


def write_agreements(plan: AgreementPlan, actor, progress=None) -> None:
    """Creates the new organizations, then creates or updates each agreement; a new state is recorded as a
    transition dated by its milestone (or the import's day) and attributed to `actor`."""
    plan.organizations.write()
    today = local_today()
    ids = {ref.id for planned in plan.rows for ref in planned.counterparts}
    organizations = {org.id: org for org in db.session.scalars(select(Organization).where(Organization.id.in_(ids)))}
    for planned in plan.rows:
        row = planned.row
        agreement = planned.existing or Agreement()
        apply_data(agreement, AgreementData(
            folio=row.folio, title=row.title, counterparts=[organizations[ref.id] for ref in planned.counterparts],
            type=row.type, responsible_area=row.responsible_area, opinion_on=row.opinion_on,
            opinion_line=planned.opinion_line, signed_on=row.signed_on, signing_line=planned.signing_line,
            valid_until=row.valid_until, notes=agreement.notes or ""))
        if planned.existing is None or agreement.state != row.state:
            add_transition(agreement, row.state, _state_date(row, today), actor)
        db.session.add(agreement)
        if progress is not None:
            progress(1)
    db.session.flush()
