"""`flask program reference load [FILE] --year Y`: a year's reference figures from a CSV, XLSX or YAML file."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from crm.core.cli import ACTOR, DRY_RUN_LINE, fail
from crm.core.errors import DomainError, ImportProblems
from crm.program.reference import services

reference_cli = AppGroup("reference", help="Cifras de referencia del programa (lista nominal, credenciales).")


@reference_cli.command("load")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--year", type=int, required=True, help="Año al que corresponden las cifras.")
@click.option("--dry-run", is_flag=True, help="Revisa el archivo sin guardar nada.")
def load(file: str | None, year: int, dry_run: bool) -> None:
    """Carga las cifras de un año (sin FILE: las incluidas para ese año). Todo o nada; las cifras del año de
    cada tipo presente en el archivo se reemplazan."""
    try:
        table, shape_problems = services.read_file(file, year)
        result = services.load_figures(table, year, actor=ACTOR, dry_run=dry_run, shape_problems=shape_problems)
    except ImportProblems as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        if dry_run:
            click.echo(DRY_RUN_LINE)
        raise SystemExit(1) from None
    except DomainError as exc:
        fail(str(exc))
    for kind, count in result.kinds.items():
        click.echo(f"{kind}: {count}")
    click.echo(f"loaded {result.loaded}")
    if dry_run:
        click.echo(DRY_RUN_LINE)
