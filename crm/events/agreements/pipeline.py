"""`agreements import` and `agreements export` (CONTRACTS.md, "Agreements file"), shared by the command line
and the web: the import is all or nothing (every problem reported, nothing written), the export writes the
same columns, so an exported file imports back unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import Table, csv_bytes, write_table, xlsx_bytes
from crm.events.agreements.models import AGREEMENT_TYPES, STATES, Agreement
from crm.events.agreements.plan import plan_agreements, write_agreements
from crm.events.agreements.rows import COLUMNS


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    organizations_created: int = 0


def import_agreements(table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                      progress=None) -> ImportResult:
    """Validates every row, then creates and updates the agreements in one transaction. Raises ImportProblems
    (nothing written) when any row is invalid."""
    plan = plan_agreements(table)
    result = ImportResult(created=plan.created, updated=plan.updated,
                          organizations_created=len(plan.organizations.new))
    if dry_run:
        db.session.rollback()
        return result
    try:
        write_agreements(plan, actor, progress)
        audit.record(actor, "agreements.import", None, {
            "file": source, "created": result.created, "updated": result.updated,
            "organizations_created": result.organizations_created})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


def export_rows(agreements: list[Agreement] | None = None) -> list[list[object]]:
    """One row per agreement (every one when `agreements` is None), in the import's columns."""
    if agreements is None:
        agreements = list(db.session.scalars(select(Agreement).options(selectinload(Agreement.counterparts))
                                             .order_by(Agreement.folio_key)))
    return [[
        agreement.folio, agreement.title, "; ".join(org.display_name for org in agreement.counterparts),
        AGREEMENT_TYPES[agreement.type].lower() if agreement.type else "", STATES[agreement.state].lower(),
        agreement.opinion_on, agreement.opinion_line.code if agreement.opinion_line else "",
        agreement.signed_on, agreement.signing_line.code if agreement.signing_line else "",
        agreement.valid_until, agreement.responsible_area,
    ] for agreement in agreements]


def export_agreements(path: str | Path, *, actor=None) -> int:
    """Writes every agreement to `path` (CSV or XLSX by its extension); returns how many."""
    rows = export_rows()
    write_table(path, COLUMNS, rows)
    audit.record(actor, "agreements.export", None, {"file": Path(path).name, "rows": len(rows)})
    db.session.commit()
    return len(rows)


def export_bytes(kind: str, *, actor) -> bytes:
    """Every agreement as a CSV or XLSX download (`kind` "csv" or "xlsx"), recorded in the audit log."""
    rows = export_rows()
    audit.record(actor, "agreements.export", None, {"format": kind, "rows": len(rows)})
    db.session.commit()
    return xlsx_bytes(COLUMNS, rows, "convenios") if kind == "xlsx" else csv_bytes(COLUMNS, rows)
