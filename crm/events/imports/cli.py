from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, run_import
from crm.events.imports import pipeline

activities_cli = AppGroup("activities", help="Actividades realizadas.")
requests_cli = AppGroup("requests", help="Gestiones recibidas de organismos.")


def _run_import(function, file: str, dry_run: bool, counts) -> None:
    def summary(result) -> list[str]:
        lines = []
        if result.organizations_created:
            verb = "se crearían" if dry_run else "se crearon"
            lines.append(f"{verb} {result.organizations_created} organización(es) nueva(s)")
        return [*lines, counts(result)]

    run_import(file, dry_run, lambda table: function(table, dry_run=dry_run, actor=ACTOR, source=Path(file).name),
               summary)


@activities_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y muestra el informe sin escribir nada.")
def import_activities(file: str, dry_run: bool) -> None:
    """Importa actividades realizadas desde un CSV o XLSX (fecha, accion, titulo, tipo, modalidad, organizaciones)."""
    _run_import(pipeline.import_activities, file, dry_run,
                lambda r: f"created {r.created}, skipped {r.skipped}")


@requests_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y muestra el informe sin escribir nada.")
def import_requests(file: str, dry_run: bool) -> None:
    """Importa gestiones desde un CSV o XLSX (recibida, atendida, solicitante, asunto, accion)."""
    _run_import(pipeline.import_requests, file, dry_run,
                lambda r: f"created {r.created}, updated {r.updated}, skipped {r.skipped}")
