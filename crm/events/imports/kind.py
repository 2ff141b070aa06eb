"""The activities and requests imports from the web ("actividades", "gestiones"), registered with
crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.core.tabular import Table
from crm.events.imports import pipeline
from crm.imports.kinds import Kind, Outcome, Progress, register_kind


def register() -> None:
    register_kind("actividades", Kind("Importar actividades realizadas",
                                      "fecha, accion, titulo, tipo, modalidad, organizaciones", _activities,
                                      "events.activities", "Ver las actividades realizadas"))
    register_kind("gestiones", Kind("Importar gestiones", "recibida, atendida, solicitante, asunto, accion",
                                    _requests, "events.requests_list", "Ver las gestiones"))


def _activities(table: Table, actor: User, dry_run: bool, filename: str,
                progress: Progress | None) -> Outcome:
    result = pipeline.import_activities(table, dry_run=dry_run, actor=actor, source=filename,
                                        progress=None if dry_run else progress)
    return Outcome(f"{result.created} actividades nuevas y {result.skipped} ya registradas (se omiten)",
                   result.created)


def _requests(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    result = pipeline.import_requests(table, dry_run=dry_run, actor=actor, source=filename,
                                      progress=None if dry_run else progress)
    return Outcome(f"{result.created} gestiones nuevas, {result.updated} actualizadas y {result.skipped} ya "
                   "registradas (se omiten)", result.created + result.updated)
