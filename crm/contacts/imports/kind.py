"""The contacts import from the web ("contactos"), registered with crm.imports by the composition root."""

from __future__ import annotations

from crm.auth.models import User
from crm.contacts.catalogs import COLUMNS
from crm.contacts.imports import pipeline
from crm.contacts.imports.rows import ignored_note
from crm.core.tabular import Table
from crm.imports.kinds import Column, Kind, Outcome, Progress, describe, register_kind

_DATE = "fecha, por ejemplo 2025-03-12 (año-mes-día)"
# What each column of the contacts file means (see the contacts file in the README): the upload page, the
# preview and the template read these.
FIELDS = describe(COLUMNS, (
    Column("nombre", "Nombre", "Nombre o nombres de pila de la persona.", "texto", "Ana", required=True),
    Column("primer_apellido", "Primer apellido", "Primer apellido de la persona.", "texto", "López", required=True),
    Column("segundo_apellido", "Segundo apellido", "Segundo apellido, si lo tiene.", "texto", "Hernández"),
    Column("sexo", "Sexo", "Sexo que la persona declara.", "una palabra de la lista", "mujer",
           values="mujer (o M), hombre (o H), no binario (o NB), prefiero no decir (o ND)"),
    Column("correo", "Correo electrónico", "Correo de contacto. Si ya está registrado, la fila actualiza a esa persona.",
           "correo, por ejemplo ana.lopez@ejemplo.mx", "ana.lopez@ejemplo.mx",
           when="Obligatoria si no hay teléfono"),
    Column("telefono", "Teléfono", "Teléfono de contacto; sin clave de país se lee en el país de residencia.",
           "número, por ejemplo 55 1234 5678 o +52 55 1234 5678", "55 1234 5678",
           when="Obligatoria si no hay correo"),
    Column("pais_residencia", "País de residencia", "País donde vive la persona (si se deja vacía: México).",
           "clave de dos o tres letras o nombre del país, por ejemplo MX, USA o España", "MX"),
    Column("estado", "Estado o provincia", "Estado, provincia o región donde vive.", "texto", "Ciudad de México"),
    Column("ciudad", "Ciudad", "Ciudad donde vive.", "texto", "Ciudad de México"),
    Column("alcaldia", "Alcaldía", "Alcaldía de la Ciudad de México donde vive.", "nombre de la alcaldía",
           "Coyoacán", values="una de las 16 alcaldías de la Ciudad de México (sin importar mayúsculas ni acentos)"),
    Column("red", "Red", "Redes del Instituto a las que pertenece; se agregan, nunca se quitan.",
           "una o varias separadas por punto y coma (;)", "rvc",
           values="rvc (Red Voto Chilango), observacion (Red de Observación)"),
    Column("organizacion", "Organización", "Organización donde colabora; si es nueva, se registra.",
           "nombre, y si quiere las siglas entre paréntesis", "Universidad Nacional Autónoma de México (UNAM)"),
    Column("cargo", "Cargo", "Cargo que ocupa en esa organización.", "texto", "Investigadora"),
    Column("idioma", "Idioma", "Idioma en que prefiere recibir mensajes (si se deja vacía: español).",
           "clave de dos letras, por ejemplo es o en", "es"),
    Column("consentimiento", "Fecha de consentimiento",
           "Fecha en que la persona aceptó el aviso de privacidad; sin ella no se le envían correos.", _DATE,
           "2025-03-12"),
))


def register() -> None:
    register_kind("contactos", Kind("Importar personas", ", ".join(COLUMNS), _run, "contacts.people",
                                    "Ver la lista de personas", counts_rows=True, fields=FIELDS,
                                    template_name="plantilla-personas"))


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
