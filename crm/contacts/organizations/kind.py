"""The organizations import from the web ("organizaciones"), registered with crm.imports by the composition root:
the same service as `organizations import`."""

from __future__ import annotations

from crm.auth.models import User
from crm.contacts.organizations.importer import import_organizations
from crm.contacts.organizations.rows import COLUMNS
from crm.core.tabular import Table
from crm.imports.kinds import Kind, Outcome, Progress, register_kind


def register() -> None:
    register_kind("organizaciones", Kind("Importar organizaciones", ", ".join(COLUMNS), _run, "contacts.organizations",
                                         "Ver la lista de organizaciones"))


def _run(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    result = import_organizations(table, actor=actor, dry_run=dry_run, filename=filename)
    return Outcome(f"{result.created} organizaciones nuevas y {result.updated} actualizadas", None)
