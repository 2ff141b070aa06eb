"""The contacts import from the web ("contactos"), registered with crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.contacts.catalogs import COLUMNS
from crm.contacts.imports import pipeline
from crm.contacts.imports.rows import ignored_note
from crm.core.tabular import Table
from crm.imports.kinds import Kind, Outcome, Progress, register_kind


def register() -> None:
    register_kind("contactos", Kind("Importar personas", ", ".join(COLUMNS), _run, "contacts.people",
                                    "Ver la lista de personas", counts_rows=True))


def _run(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    # Validation counts rows checked; writing counts the database rows written (write_progress).
    if dry_run:
        options = {"progress": progress}
    else:
        options = {"write_progress": progress.set if progress is not None else None}
    result = pipeline.import_contacts(table, actor=actor, dry_run=dry_run, filename=filename, **options)
    note = ignored_note(table.header)  # the export-only opposition columns, accepted and ignored
    return Outcome(f"{result.created} personas nuevas y {result.updated} actualizadas" + (f". {note}" if note else ""),
                   None)
