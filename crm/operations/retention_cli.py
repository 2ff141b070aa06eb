"""`flask --app wsgi retention apply [--dry-run]`: the retention run from the command line (the same service
as the daily scheduled run, crm/operations/retention.py)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.operations import retention

retention_cli = AppGroup("retention", help="Conservación de datos personales: aplicar los plazos configurados.")


@retention_cli.command("apply")
@click.option("--dry-run", is_flag=True, help="Solo informar qué se eliminaría o anonimizaría, sin cambiar nada.")
@click.option("--all-ids", is_flag=True, help="Mostrar todos los identificadores (de forma predeterminada, los 50 primeros).")
def apply_command(dry_run: bool, all_ids: bool) -> None:
    """Elimina o anonimiza lo que superó su plazo de conservación (CRM_RETAIN_*), con registro en la bitácora."""
    for line in retention.mismatches():
        click.echo(f"aviso: el plazo de {line}", err=True)
    result = retention.apply(dry_run=dry_run)
    verb = {"auditoria": "eliminar", "respuestas": "anonimizar", "invitaciones": "eliminar",
            "consentimientos": "eliminar", "ex_integrantes": "anonimizar", "huellas": "eliminar",
            "sin_confirmar": "anonimizar", "borradores": "eliminar"}
    for kind, ids in result.ids.items():
        months = result.periods[kind]
        period = f"{months} {'días' if kind in retention.IN_DAYS else 'meses'}" if months else "sin plazo"
        action = ("se " + ("eliminarían" if verb[kind] == "eliminar" else "anonimizarían")) if dry_run else (
            "eliminados" if verb[kind] == "eliminar" else "anonimizados")
        limit = None if all_ids else 50
        shown = ", ".join(str(i) for i in ids[:limit]) + (" …" if limit and len(ids) > limit else "")
        click.echo(f"{kind} ({period}): {len(ids)} {action}" + (f": {shown}" if ids else ""))
    if dry_run:
        click.echo("simulación: no se cambió nada")
