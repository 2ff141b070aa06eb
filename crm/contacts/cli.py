import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from crm.errors import DomainError, ImportProblems
from crm.tabular import TableError, read_table

contacts_cli = AppGroup("contacts", help="Personas: importar y exportar.")

ACTOR = "línea de comandos"
PROGRESS_FROM = 5000  # rows; smaller files finish before a bar would help


@contacts_cli.command("import")
@click.argument("file")
@click.option("--dry-run", is_flag=True, help="Valida e informa sin escribir nada.")
def import_command(file: str, dry_run: bool) -> None:
    """Importa personas desde FILE (CSV o XLSX); con un solo problema no se escribe nada."""
    from crm.contacts.importer import import_contacts

    try:
        table = read_table(file)
    except TableError as exc:
        click.echo(f"error: {exc}")
        raise SystemExit(1) from None
    try:
        if len(table.rows) >= PROGRESS_FROM:
            with click.progressbar(length=len(table.rows), label="validando", file=sys.stderr) as bar:
                result = import_contacts(table, actor=ACTOR, dry_run=dry_run, filename=Path(file).name,
                                         progress=bar.update)
        else:
            result = import_contacts(table, actor=ACTOR, dry_run=dry_run, filename=Path(file).name)
    except ImportProblems as exc:
        for problem in exc.problems:
            click.echo(problem)
        if dry_run:
            click.echo("dry run: nothing written")
        raise SystemExit(1) from None
    except DomainError as exc:
        click.echo(f"error: {exc}")
        raise SystemExit(1) from None
    click.echo(f"created {result.created}, updated {result.updated}")
    if dry_run:
        click.echo("dry run: nothing written")


@contacts_cli.command("export")
@click.argument("file")
def export_command(file: str) -> None:
    """Exporta todas las personas a FILE (CSV o XLSX según la extensión), con las columnas de la importación."""
    from crm.contacts.exporter import export_contacts

    try:
        count = export_contacts(file, actor=ACTOR)
    except TableError as exc:
        click.echo(f"error: {exc}")
        raise SystemExit(1) from None
    click.echo(f"exported {count}")
