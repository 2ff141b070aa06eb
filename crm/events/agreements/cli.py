"""`flask agreements import FILE [--dry-run]` and `flask agreements export FILE` (CONTRACTS.md, "Commands")."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, fail, run_import
from crm.core.tabular import TableError
from crm.events.agreements import pipeline

agreements_cli = AppGroup("agreements", help="Convenios con organizaciones.")


@agreements_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y muestra el informe sin escribir nada.")
def import_agreements(file: str, dry_run: bool) -> None:
    """Importa convenios desde un CSV o XLSX (folio, titulo, contraparte, tipo, estado, dictamen, accion_dictamen,
    firma, accion_firma, vigencia_fin, area_responsable)."""

    def summary(result: pipeline.ImportResult) -> list[str]:
        lines = []
        if result.organizations_created:
            verb = "se crearían" if dry_run else "se crearon"
            lines.append(f"{verb} {result.organizations_created} organización(es) nueva(s), sin clasificar")
        return [*lines, f"created {result.created}, updated {result.updated}"]

    run_import(file, dry_run, lambda table: pipeline.import_agreements(
        table, dry_run=dry_run, actor=ACTOR, source=Path(file).name), summary)


@agreements_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
def export_agreements(file: str) -> None:
    """Escribe todos los convenios en un CSV o XLSX (según la extensión), con las columnas de la importación."""
    try:
        count = pipeline.export_agreements(file, actor=ACTOR)
    except (TableError, OSError) as exc:
        fail(str(exc))
    click.echo(f"exported {count}")
