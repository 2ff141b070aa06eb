"""The activities and requests imports (CONTRACTS.md, "Activities file" and "Requests file").

Each file is read (crm.events.imports.rows) and checked against what is stored, which gives the plan of
the import (crm.events.imports.plan); when no row has a problem and this is not a dry run, the plan is
written in one transaction (crm.events.imports.write), or nothing is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import Table
from crm.events.imports.plan import plan_activities, plan_requests
from crm.events.imports.write import Progress, write_activities, write_requests


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    organizations_created: int = 0


def import_activities(table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                      progress: Progress | None = None) -> ImportResult:
    """Validates every row, then creates the new activities in one transaction.

    Raises ImportProblems (nothing written) when any row is invalid. `progress(n)` is called while writing,
    n new activities at a time (every 1000 and the rest).
    """
    plan = plan_activities(table)
    result = ImportResult(created=len(plan.new), skipped=plan.skipped,
                          organizations_created=len(plan.organizations.new))
    if dry_run:
        db.session.rollback()
        return result
    _write_all(lambda: write_activities(plan, progress), actor, "activities.import", {
        "file": source, "created": result.created, "skipped": result.skipped,
        "organizations_created": result.organizations_created,
    })
    return result


def import_requests(table: Table, *, dry_run: bool = False, actor=None, source: str = "",
                    progress: Progress | None = None) -> ImportResult:
    """Validates every row, then creates new requests and fills attention dates, in one transaction.

    `progress(n)` is called while writing, n new or updated requests at a time (every 1000 and the rest).
    """
    plan = plan_requests(table)
    result = ImportResult(created=len(plan.new), updated=len(plan.updates), skipped=plan.skipped,
                          organizations_created=len(plan.organizations.new))
    if dry_run:
        db.session.rollback()
        return result
    _write_all(lambda: write_requests(plan, progress), actor, "requests.import", {
        "file": source, "created": result.created, "updated": result.updated, "skipped": result.skipped,
        "organizations_created": result.organizations_created,
    })
    return result


def _write_all(write: Callable[[], None], actor, action: str, details: dict) -> None:
    """The planned rows and their audit record in one transaction: all or nothing."""
    try:
        write()
        audit.record(actor, action, None, details)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
