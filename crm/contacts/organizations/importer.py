"""`organizations import` and the web kind "organizaciones": read -> check and plan -> write, all or nothing.

A row matches the recorded organization whose name or acronym equals the row's `nombre` or `siglas` (case,
accents and spaces ignored) and updates it (non-empty cells replace the stored values); two rows of one file
that match each other are both errors, and so is a row that matches several recorded organizations.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from crm.contacts.models import Organization
from crm.contacts.organizations.periods import PeriodChange, apply_period, periods_of, plan_period
from crm.contacts.organizations.rows import ORDER, OrgRow, check_header, read_row, show
from crm.contacts.phones import normalize_phone
from crm.contacts.services import ContactsError, country_name
from crm.core import audit
from crm.core.errors import ImportProblems, Problem
from crm.core.extensions import db
from crm.core.tabular import Table, TableStream
from crm.core.text import fold
from crm.core.timeutil import local_today

_SPACES = re.compile(r"\s+")


def match_key(text: str | None) -> str:
    """Names and acronyms compare ignoring case, accents and spaces."""
    return _SPACES.sub("", fold(text or ""))


@dataclass
class ImportResult:
    created: int
    updated: int
    dry_run: bool = False


@dataclass
class _Planned:
    row: OrgRow
    org_id: int | None
    e164: str | None
    period: PeriodChange | None
    rename: bool = True


@dataclass
class _Recorded:
    by_key: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    names: dict[int, str] = field(default_factory=dict)
    acronym_keys: dict[int, str] = field(default_factory=dict)


def import_organizations(table: Table | TableStream, *, actor=None, dry_run: bool = False,
                         filename: str = "") -> ImportResult:
    """Validate every row; on any problem raise ImportProblems and write nothing, else write in one transaction."""
    problems = check_header(table.header)
    present = frozenset(table.header)
    rows: list[OrgRow] = []
    for number, cells in table.rows:
        row, row_problems = read_row(number, cells, present)
        problems += row_problems
        if row is not None:
            rows.append(row)
    planned = _plan(rows, problems)
    if problems:
        raise ImportProblems(sorted(problems, key=lambda p: (p.row or 0, ORDER.get(p.column or "", -1))))
    result = ImportResult(created=sum(p.org_id is None for p in planned),
                          updated=sum(p.org_id is not None for p in planned), dry_run=dry_run)
    if not dry_run:
        _write(planned, result, actor=actor, filename=filename)
    return result


def _recorded() -> _Recorded:
    recorded = _Recorded()
    for org_id, name, acronym in db.session.execute(select(Organization.id, Organization.name, Organization.acronym)):
        recorded.names[org_id] = name
        recorded.by_key[match_key(name)].add(org_id)
        if acronym:
            recorded.acronym_keys[org_id] = match_key(acronym)
            recorded.by_key[match_key(acronym)].add(org_id)
    return recorded


def _keys(row: OrgRow) -> list[tuple[str, str]]:
    return [(column, key) for column, key in (("nombre", match_key(row.name)), ("siglas", match_key(row.acronym)))
            if key]


def _plan(rows: list[OrgRow], problems: list[Problem]) -> list[_Planned]:
    """Step 2: rows against each other and against the recorded organizations."""
    by_key: dict[str, list[OrgRow]] = defaultdict(list)
    for row in rows:
        for key in {key for _, key in _keys(row)}:
            by_key[key].append(row)
    clashing: set[int] = set()
    for row in rows:
        for column, key in _keys(row):
            others = sorted({other.number for other in by_key[key] if other is not row})
            if others and row.number not in clashing:
                clashing.add(row.number)
                problems.append(Problem(row.number, column, f"{show(row.name if column == 'nombre' else row.acronym)} "
                                        f"coincide con la fila {', '.join(map(str, others))}: cada organización debe "
                                        "aparecer una sola vez en el archivo (por nombre o siglas)"))
    recorded = _recorded()
    matches = {row.number: set().union(*(recorded.by_key.get(key, set()) for _, key in _keys(row))) for row in rows}
    stored = {org.id: org for org in db.session.scalars(
        select(Organization).where(Organization.id.in_({i for ids in matches.values() if len(ids) == 1 for i in ids}))
        .options(selectinload(Organization.relations)))}
    by_org: dict[int, list[int]] = defaultdict(list)  # rows that name one recorded organization match each other
    for row in rows:
        if row.number not in clashing and len(matches[row.number]) == 1:
            by_org[next(iter(matches[row.number]))].append(row.number)
    for org_id, numbers in by_org.items():
        for number in numbers if len(numbers) > 1 else []:
            clashing.add(number)
            others = ", ".join(str(n) for n in numbers if n != number)
            problems.append(Problem(number, "nombre", f"la fila {others} nombra también a «{recorded.names[org_id]}»: "
                                                      "cada organización debe aparecer una sola vez en el archivo"))
    today, planned = local_today(), []
    for row in rows:
        if row.number in clashing:
            continue
        ids = matches[row.number]
        if len(ids) > 1:
            names = ", ".join(sorted(recorded.names[i] for i in ids)[:3])
            problems.append(Problem(row.number, "nombre", f"coincide con varias organizaciones registradas ({names}); "
                                                          "corrija el nombre o las siglas"))
            continue
        org = stored.get(next(iter(ids))) if ids else None
        if (item := _plan_row(row, org, today, recorded, problems)) is not None:
            planned.append(item)
    return planned


def _plan_row(row: OrgRow, org: Organization | None, today: date, recorded: _Recorded,
              problems: list[Problem]) -> _Planned | None:
    e164 = row.e164
    if row.phone:  # no country code and no `pais`: read in the stored country (MX for a new organization)
        country = org.country if org is not None else "MX"
        e164 = normalize_phone(row.phone, country)
        if e164 is None:
            problems.append(Problem(row.number, "telefono", f"{show(row.phone)} no es un número válido en "
                                    f"{country_name(country)} ({country}); si es de otro país, escríbalo con su "
                                    "clave (+...) o indique el país"))
            return None
    period, problem = plan_period(periods_of(org) if org is not None else [], row.began_on, row.ended_on,
                                  default_began=today)
    if problem is not None:
        problems.append(Problem(row.number, problem[0], problem[1]))
        return None
    # a row whose `nombre` is the organization's acronym (`INE`) does not rename it
    rename = org is None or match_key(row.name) != recorded.acronym_keys.get(org.id)
    return _Planned(row, org.id if org is not None else None, e164, period, rename)


def _write(planned: list[_Planned], result: ImportResult, *, actor, filename: str) -> None:
    """Step 3: the plan, audited, in one transaction (rolled back on any failure)."""
    try:
        stored = {org.id: org for org in db.session.scalars(
            select(Organization).where(Organization.id.in_([p.org_id for p in planned if p.org_id]))
            .options(selectinload(Organization.relations)))}
        for item in planned:
            org = stored[item.org_id] if item.org_id else Organization(country="MX", website="", email="")
            _fill(org, item)
            apply_period(org, item.period)
            db.session.add(org)
        db.session.flush()
        audit.record(actor, "organizations.import", None,
                     {"created": result.created, "updated": result.updated, "file": filename})
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ContactsError("otro proceso cambió las organizaciones durante la importación; no se escribió nada, "
                            "intente de nuevo") from None
    except Exception:
        db.session.rollback()
        raise


def _fill(org: Organization, item: _Planned) -> None:
    row = item.row
    if item.rename:
        org.name, org.name_key = row.name, fold(row.name)
    if row.acronym:
        org.acronym, org.acronym_key = row.acronym, fold(row.acronym)
    org.type = row.type
    if row.scope:
        org.scope = row.scope
    if row.country:
        org.country = row.country
    if row.website:
        org.website = row.website
    if row.email:
        org.email = row.email
    if item.e164:
        org.phone = item.e164
