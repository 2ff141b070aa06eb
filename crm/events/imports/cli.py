from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, fail, run_import
from crm.core.errors import DomainError
from crm.core.tabular import TableError
from crm.events import reports
from crm.events.filters import EventFilter, organization_id, parse_period
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


def _export(kind: str, file: str, period: str | None, line: str | None, organization: str | None,
            status: str = "") -> None:
    try:
        year, quarter = parse_period(period) if period else (None, None)
        f = EventFilter.from_args({"linea": line or "", "estado": status})
        if line and not f.line:
            raise DomainError(f"«{line}» no es una línea de acción (AI2.1) ni un componente (AI2).")
        if organization:
            organization_id(organization)  # an unknown or ambiguous name is an error, never an empty file
        f = EventFilter(year=year, quarter=quarter, line=f.line, organization=organization or "", status=f.status)
        count = reports.export_file(kind, f, file, actor=ACTOR)
    except (DomainError, TableError) as exc:
        fail(str(exc))
    click.echo(f"exported {count}")


_PERIOD_HELP = "Un año (2025) o un trimestre (2025-T1 a 2025-T4), en la zona horaria de la institución."


@activities_cli.command("export")
@click.argument("file")
@click.option("--period", help=_PERIOD_HELP)
@click.option("--action", "line", help="Una línea de acción (AI2.1) o un componente entero (AI2).")
@click.option("--organization", help="Nombre o sigla de una organización participante.")
def export_activities(file: str, period: str | None, line: str | None, organization: str | None) -> None:
    """Exporta las actividades (el informe de las actividades realizadas) a FILE, CSV o XLSX según la extensión."""
    _export(reports.ACTIVITIES_KIND, file, period, line, organization)


@requests_cli.command("export")
@click.argument("file")
@click.option("--period", help=_PERIOD_HELP + " Cuenta la fecha de recepción.")
@click.option("--action", "line", help="Una línea de acción de AI1 (AI1.3) o el componente entero (AI1).")
@click.option("--organization", help="Nombre o sigla del organismo solicitante.")
@click.option("--pending", is_flag=True, help="Solo las gestiones pendientes de atender.")
def export_requests(file: str, period: str | None, line: str | None, organization: str | None,
                    pending: bool) -> None:
    """Exporta las gestiones a FILE, CSV o XLSX según la extensión."""
    _export(reports.REQUESTS_KIND, file, period, line, organization, "pendientes" if pending else "")
