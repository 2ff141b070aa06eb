import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, fail, run_import
from crm.core.tabular import TableError

contacts_cli = AppGroup("contacts", help="Personas: importar y exportar.")

PROGRESS_FROM = 5000  # rows; smaller files finish before a bar would help


@contacts_cli.command("import")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Valida e informa sin escribir nada.")
def import_command(file: str, dry_run: bool) -> None:
    """Importa personas desde FILE (CSV o XLSX); con un solo problema no se escribe nada."""
    from crm.contacts.imports.pipeline import import_contacts

    def run(table):
        if len(table.rows) < PROGRESS_FROM:
            return import_contacts(table, actor=ACTOR, dry_run=dry_run, filename=Path(file).name)
        with click.progressbar(length=len(table.rows), label="validando", file=sys.stderr) as bar:
            return import_contacts(table, actor=ACTOR, dry_run=dry_run, filename=Path(file).name, progress=bar.update)

    run_import(file, dry_run, run, lambda result: [f"created {result.created}, updated {result.updated}"])


@contacts_cli.command("export")
@click.argument("file")
def export_command(file: str) -> None:
    """Exporta todas las personas a FILE (CSV o XLSX según la extensión), con las columnas de la importación."""
    from crm.contacts.exporter import export_contacts

    try:
        count = export_contacts(file, actor=ACTOR)
    except TableError as exc:
        fail(str(exc))
    click.echo(f"exported {count}")
