"""The agreements import from the web ("convenios"), registered with crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.core.tabular import Table
from crm.events.agreements import pipeline
from crm.events.agreements.rows import COLUMNS
from crm.imports.kinds import Kind, Outcome, Progress, register_kind


def register() -> None:
    register_kind("convenios", Kind("Importar convenios", ", ".join(COLUMNS), _agreements, "agreements.index",
                                    "Ver los convenios"))


def _agreements(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    result = pipeline.import_agreements(table, dry_run=dry_run, actor=actor, source=filename,
                                        progress=None if dry_run else progress)
    return Outcome(f"{result.created} convenios nuevos y {result.updated} actualizados", result.created + result.updated)
