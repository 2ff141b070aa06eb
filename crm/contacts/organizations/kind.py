"""The organizations import from the web ("organizaciones"), registered with crm.imports by the composition root:
the same service as `organizations import`."""

from __future__ import annotations

from crm.auth.models import User
from crm.contacts.organizations.importer import import_organizations
from crm.contacts.organizations.rows import COLUMNS
from crm.core.tabular import Table
from crm.imports.kinds import Column, Kind, Outcome, Progress, describe, register_kind

_DATE = "fecha, por ejemplo 2025-03-12 (año-mes-día)"
# What each column of the organizations file means: the upload page, the preview and the template read these.
FIELDS = describe(COLUMNS, (
    Column("nombre", "Nombre", "Nombre completo de la organización. Si ya está registrada (por nombre o "
           "siglas), la fila la actualiza.", "texto", "Universidad Autónoma Metropolitana", required=True),
    Column("siglas", "Siglas", "Siglas o acrónimo.", "texto", "UAM"),
    Column("tipo", "Tipo", "Tipo de organización.", "una palabra de la lista", "académica", required=True,
           values="gubernamental, académica, electoral, internacional, sociedad civil, privada, medios de "
                  "comunicación, área interna (áreas del propio Instituto)"),
    Column("ambito", "Ámbito", "Alcance de su trabajo.", "una palabra de la lista", "local",
           values="local, nacional, internacional"),
    Column("pais", "País", "País de la organización (si se deja vacía: México).",
           "clave de dos o tres letras o nombre del país, por ejemplo MX o España", "MX"),
    Column("sitio_web", "Sitio web", "Dirección de su sitio web.", "dirección que empieza con http:// o https://",
           "https://www.uam.mx"),
    Column("correo", "Correo electrónico", "Correo de contacto institucional.",
           "correo, por ejemplo contacto@ejemplo.mx", "vinculacion@ejemplo.mx"),
    Column("telefono", "Teléfono", "Teléfono de contacto; sin clave de país se lee en el país de la organización.",
           "número, por ejemplo 55 1234 5678", "55 5483 4000"),
    Column("alta", "Fecha de alta", "Día en que comenzó la relación con el Instituto (si se deja vacía: el día "
           "de la importación).", _DATE, "2025-03-12"),
    Column("baja", "Fecha de baja", "Día en que terminó la relación; posterior a la fecha de alta. Vacía si "
           "sigue vigente.", _DATE, ""),
))


def register() -> None:
    register_kind("organizaciones", Kind("Importar organizaciones", ", ".join(COLUMNS), _run, "contacts.organizations",
                                         "Ver la lista de organizaciones", fields=FIELDS,
                                         template_name="plantilla-organizaciones"))


def _run(table: Table, actor: User, dry_run: bool, filename: str, progress: Progress | None) -> Outcome:
    result = import_organizations(table, actor=actor, dry_run=dry_run, filename=filename)
    return Outcome(f"{result.created} organizaciones nuevas y {result.updated} actualizadas", None)
