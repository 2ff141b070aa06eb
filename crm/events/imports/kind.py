"""The activities and requests imports from the web ("actividades", "gestiones"), registered with
crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.core.tabular import Table
from crm.events.imports import pipeline
from crm.events.imports.rows import ACTIVITY_COLUMNS, REQUEST_COLUMNS
from crm.imports.kinds import Column, Kind, Outcome, Progress, describe, register_kind

_DATE = "fecha, por ejemplo 2025-03-12 (año-mes-día)"
_LINE = "clave de la línea de acción, por ejemplo {}"
# What each column of the activities and requests files means: the upload page, the preview and the
# template read these.
ACTIVITY_FIELDS = describe(ACTIVITY_COLUMNS, (
    Column("fecha", "Fecha", "Día en que se realizó la actividad.", _DATE, "2025-03-12", required=True),
    Column("accion", "Línea de acción", "Línea de acción del programa del año de la fecha bajo la que cuenta.",
           _LINE.format("AI2.2"), "AI2.2", required=True,
           values="una línea de acción del programa cargado para ese año"),
    Column("titulo", "Título", "Nombre de la actividad.", "texto", "Conversatorio sobre voto en el extranjero",
           required=True),
    Column("tipo", "Tipo", "Tipo de actividad.", "una palabra de la lista", "conversatorio",
           values="reunión, taller, curso, foro, conversatorio, seminario, difusión, misión de observación, "
                  "jornada, otro"),
    Column("modalidad", "Modalidad", "Cómo se realizó.", "una palabra de la lista", "virtual",
           values="presencial, virtual, híbrida"),
    Column("organizaciones", "Organizaciones", "Organizaciones que participaron; las nuevas se registran.",
           "nombres separados por punto y coma (;)", "Instituto Nacional Electoral (INE)"),
))
REQUEST_FIELDS = describe(REQUEST_COLUMNS, (
    Column("recibida", "Fecha de recepción", "Día en que se recibió la gestión.", _DATE, "2025-03-12",
           required=True),
    Column("atendida", "Fecha de atención", "Día en que se atendió; vacía mientras está pendiente. No puede ser "
           "anterior a la fecha de recepción.", _DATE, "2025-03-14"),
    Column("solicitante", "Solicitante", "Organización o área que pidió la gestión; si es nueva, se registra.",
           "nombre, y si quiere las siglas entre paréntesis", "Instituto Nacional Electoral (INE)", required=True),
    Column("asunto", "Asunto", "De qué trata la gestión.", "texto", "Información sobre la próxima sesión del "
           "Consejo General", required=True),
    Column("accion", "Línea de acción", "Línea de acción del componente AI1 del programa del año de recepción.",
           _LINE.format("AI1.2"), "AI1.2", values="una línea de acción AI1 del programa cargado para ese año"),
))


def register() -> None:
    register_kind("actividades", Kind("Importar actividades realizadas", ", ".join(ACTIVITY_COLUMNS), _activities,
                                      "events.activities", "Ver las actividades realizadas", fields=ACTIVITY_FIELDS,
                                      template_name="plantilla-actividades"))
    register_kind("gestiones", Kind("Importar gestiones", ", ".join(REQUEST_COLUMNS), _requests,
                                    "events.requests_list", "Ver las gestiones", fields=REQUEST_FIELDS,
                                    template_name="plantilla-gestiones"))


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
