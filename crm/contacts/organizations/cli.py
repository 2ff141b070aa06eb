"""`flask organizations import|export|summary` (CONTRACTS.md, "Commands")."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, fail, run_import
from crm.core.tabular import TableError

organizations_cli = AppGroup("organizations", help="Registro de organizaciones: importar, exportar y contar.")


@organizations_cli.command("import")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Valida e informa sin escribir nada.")
def import_command(file: str, dry_run: bool) -> None:
    """Importa organizaciones desde FILE (CSV o XLSX); con un solo problema no se escribe nada."""
    from crm.contacts.organizations.importer import import_organizations

    run_import(file, dry_run,
               lambda table: import_organizations(table, actor=ACTOR, dry_run=dry_run, filename=Path(file).name),
               lambda result: [f"created {result.created}, updated {result.updated}"])


@organizations_cli.command("export")
@click.argument("file")
def export_command(file: str) -> None:
    """Exporta todas las organizaciones a FILE (CSV o XLSX según la extensión), con las columnas de la importación."""
    from crm.contacts.organizations.summary import export_file

    try:
        count = export_file(file, actor=ACTOR)
    except TableError as exc:
        fail(str(exc))
    click.echo(f"exported {count}")


@organizations_cli.command("summary")
@click.option("--as-of", "as_of", default="", help="Fecha AAAA-MM-DD (por omisión, hoy).")
def summary_command(as_of: str) -> None:
    """Cuenta las organizaciones vinculadas en una fecha, por tipo y por ámbito (JSON)."""
    from crm.contacts.organizations.rows import read_date
    from crm.contacts.organizations.summary import summary
    from crm.core.timeutil import local_today

    day = read_date(as_of.strip()) if as_of else local_today()
    if day is None:
        fail(f"fecha no válida «{as_of}»: use AAAA-MM-DD")
    click.echo(json.dumps(summary(day), ensure_ascii=False))
