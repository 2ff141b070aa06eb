"""The agreements import from the web ("convenios"), registered with crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.core.tabular import Table
from crm.events.agreements import pipeline
from crm.events.agreements.rows import COLUMNS
from crm.imports.kinds import Column, Kind, Outcome, Progress, describe, register_kind

_DATE = "fecha, por ejemplo 2025-03-12 (año-mes-día)"
_LINE = "Línea de acción del programa de ese año bajo la que cuenta {} como actividad realizada."
# What each column of the agreements file means: the upload page, the preview and the template read these.
FIELDS = describe(COLUMNS, (
    Column("folio", "Folio", "Identificador del convenio; si ya está registrado (sin importar mayúsculas), la "
           "fila lo actualiza.", "texto, por ejemplo IECM/CONV/012/2025", "IECM/CONV/012/2025", required=True),
    Column("titulo", "Título", "Nombre del convenio.", "texto", "Convenio general de colaboración académica",
           required=True),
    Column("contraparte", "Contraparte", "Organizaciones con las que se celebra; las nuevas se registran.",
           "nombres o siglas separados por punto y coma (;)", "Universidad Autónoma Metropolitana (UAM)",
           required=True),
    Column("tipo", "Tipo", "Tipo de instrumento.", "una opción de la lista", "convenio general",
           values="convenio general, convenio específico, programa de trabajo, carta de intención, acuerdo de "
                  "colaboración, otro"),
    Column("estado", "Estado", "En qué etapa está.", "una opción de la lista", "firmado", required=True,
           values="en negociación, en dictamen, dictaminado, firmado, concluido, cancelado"),
    Column("dictamen", "Fecha de dictamen", "Día en que se emitió la opinión sobre su pertinencia.", _DATE,
           "2025-02-20"),
    Column("accion_dictamen", "Línea de acción del dictamen", _LINE.format("el dictamen"),
           "clave de la línea de acción, por ejemplo AI1.7", "AI1.7"),
    Column("firma", "Fecha de firma", "Día en que se firmó.", _DATE, "2025-03-12",
           when="Obligatoria si el estado es firmado o concluido"),
    Column("accion_firma", "Línea de acción de la firma", _LINE.format("la firma"),
           "clave de la línea de acción, por ejemplo AI1.6", "AI1.6"),
    Column("vigencia_fin", "Fin de vigencia", "Último día de vigencia; no anterior a la firma.", _DATE,
           "2027-12-31"),
    Column("area_responsable", "Área responsable", "Área del Instituto que lo solicitó.", "texto",
           "Unidad Técnica de Vinculación"),
))


def register() -> None:
    register_kind("convenios", Kind("Importar convenios", ", ".join(COLUMNS), _agreements, "agreements.index",
                                    "Ver los convenios", fields=FIELDS, template_name="plantilla-convenios"))


def _agreements(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    result = pipeline.import_agreements(table, dry_run=dry_run, actor=actor, source=filename,
                                        progress=None if dry_run else progress)
    return Outcome(f"{result.created} convenios nuevos y {result.updated} actualizados", result.created + result.updated)
