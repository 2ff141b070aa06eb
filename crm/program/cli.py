import click
from flask.cli import AppGroup

from crm.program import services
from crm.program.reference.cli import reference_cli

program_cli = AppGroup("program", help="Programa anual (matriz de resultados).")
program_cli.add_command(reference_cli)  # `program reference load`


@program_cli.command("load")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
def load(file: str | None) -> None:
    """Carga el programa de un año (sin FILE: el programa 2025 incluido). Idempotente."""
    try:
        result = services.load_program(services.read_program_file(file), actor="línea de comandos")
    except services.ProgramError as exc:
        for problem in exc.problems:
            click.echo(f"error: {problem}")
        raise SystemExit(1) from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}")
    verb = "created" if result.created else "updated"
    click.echo(f"program {result.program.year} {verb}: {len(result.program.components)} levels")
