from pathlib import Path

import click
from flask.cli import AppGroup

from crm.errors import ImportProblems
from crm.events import services
from crm.tabular import TableError, read_table

activities_cli = AppGroup("activities", help="Actividades realizadas.")
requests_cli = AppGroup("requests", help="Gestiones recibidas de organismos.")

ACTOR = "línea de comandos"


def _run_import(function, file: str, dry_run: bool, summary) -> None:
    try:
        table = read_table(file)
    except TableError as exc:
        click.echo(f"error: {exc}")
        raise SystemExit(1) from None
    try:
        result = function(table, dry_run=dry_run, actor=ACTOR, source=Path(file).name)
    except ImportProblems as exc:
        for problem in exc.problems:
            click.echo(problem)
        click.echo("dry run: nothing written" if dry_run
                   else f"no se escribió nada: {len(exc.problems)} problema(s)", err=not dry_run)
        raise SystemExit(1) from None
    if result.organizations_created:
        verb = "se crearían" if dry_run else "se crearon"
        click.echo(f"{verb} {result.organizations_created} organización(es) nueva(s)")
    click.echo(summary(result))
    if dry_run:
        click.echo("dry run: nothing written")


@activities_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y muestra el informe sin escribir nada.")
def import_activities(file: str, dry_run: bool) -> None:
    """Importa actividades realizadas desde un CSV o XLSX (fecha, accion, titulo, tipo, modalidad, organizaciones)."""
    _run_import(services.import_activities, file, dry_run,
                lambda r: f"created {r.created}, skipped {r.skipped}")


@requests_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y muestra el informe sin escribir nada.")
def import_requests(file: str, dry_run: bool) -> None:
    """Importa gestiones desde un CSV o XLSX (recibida, atendida, solicitante, asunto, accion)."""
    _run_import(services.import_requests, file, dry_run,
                lambda r: f"created {r.created}, updated {r.updated}, skipped {r.skipped}")
