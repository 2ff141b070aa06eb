"""Counts of the organizations related on a date (`organizations summary`, the summary page and its chart), and
the registry's export (`organizations export`, the list page's download)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import selectinload

from crm.contacts.models import ORGANIZATION_SCOPES, ORGANIZATION_TYPES, Organization, OrganizationRelation
from crm.contacts.organizations.rows import COLUMNS
from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import Verbatim, csv_bytes, write_table, xlsx_bytes

INTERNAL = "area_interna"  # the institute's own areas: listed, never counted in the total


def related_on(day: date):
    """The condition "related on `day`": a period with its alta on or before it and no baja on or before it."""
    relation = OrganizationRelation
    return exists().where(relation.organization_id == Organization.id, relation.began_on <= day,
                          or_(relation.ended_on.is_(None), relation.ended_on > day))


def summary(as_of: date) -> dict:
    """CONTRACTS.md: {"as_of", "total", "by_type" (every code, zeros too, sin_clasificar included),
    "by_scope"}; `total` and `by_scope` leave out the institute's internal areas."""
    rows = db.session.execute(select(Organization.type, Organization.scope, func.count(Organization.id))
                              .where(related_on(as_of)).group_by(Organization.type, Organization.scope)).all()
    by_type = dict.fromkeys(ORGANIZATION_TYPES, 0)
    by_scope = dict.fromkeys(ORGANIZATION_SCOPES, 0)
    for kind, scope, count in rows:
        by_type[kind] = by_type.get(kind, 0) + count
        if kind != INTERNAL and scope in by_scope:
            by_scope[scope] += count
    total = sum(count for kind, count in by_type.items() if kind != INTERNAL)
    return {"as_of": as_of.isoformat(), "total": total, "by_type": by_type, "by_scope": by_scope}


def export_rows():
    """One row per organization in the import's columns: codes, alpha-2 country, E.164 phone, the current
    period's alta and baja."""
    query = (select(Organization).options(selectinload(Organization.relations))
             .order_by(Organization.name_key).execution_options(yield_per=500))
    for org in db.session.scalars(query):
        current = org.current_relation
        yield [org.name, org.acronym or "", org.type, org.scope or "", org.country, org.website, org.email,
               Verbatim(org.phone) if org.phone else "", current.began_on if current else "",
               (current.ended_on or "") if current else ""]


def export_file(path: str | Path, *, actor) -> int:
    """Every organization to FILE (CSV or XLSX by its extension), audited; raises TableError."""
    rows = list(export_rows())
    write_table(path, COLUMNS, rows)
    _audit_export(actor, len(rows), Path(path).suffix.lstrip(".").lower())
    return len(rows)


def export_bytes(fmt: str, *, actor) -> bytes:
    rows = list(export_rows())
    body = csv_bytes(COLUMNS, rows) if fmt == "csv" else xlsx_bytes(COLUMNS, rows, "organizaciones")
    _audit_export(actor, len(rows), fmt)
    return body


def _audit_export(actor, count: int, fmt: str) -> None:
    audit.record(actor, "organizations.export", None, {"rows": count, "format": fmt})
    db.session.commit()


__all__ = ["export_bytes", "export_file", "related_on", "summary"]
