import sys

import click
from flask.cli import AppGroup

from crm.core.timeutil import local_today
from crm.indicators import reports
from crm.indicators.compute import compute_report

indicators_cli = AppGroup("indicators", help="Indicadores de la matriz de resultados.")


@indicators_cli.command("report")
@click.option("--year", type=click.IntRange(2000, 2200), default=None,
              help="Año del programa (por omisión, el año en curso en CRM_TIMEZONE).")
@click.option("--format", "fmt", type=click.Choice(reports.FORMATS, case_sensitive=False), default=None,
              help="json (por omisión), csv o xlsx.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Archivo de salida; sin él, el informe va a la salida estándar.")
def report(year: int | None, fmt: str | None, output: str | None) -> None:
    """La matriz de resultados: un renglón por nivel y periodo (trimestres y año)."""
    fmt = reports.format_for(output, fmt)
    if fmt == "xlsx" and not output:
        raise click.UsageError("el formato xlsx necesita --output ARCHIVO.xlsx")
    data = compute_report(year or local_today().year)
    if output:
        try:
            reports.write_report(data, fmt, output)
        except OSError as exc:
            click.echo(f"error: no se pudo escribir {output}: {exc.strerror}", err=True)
            raise SystemExit(1) from None
        for warning in data["warnings"]:
            click.echo(f"warning: {warning}", err=True)
        click.echo(f"{len(data['indicators'])} indicators written to {output}")
    elif fmt == "json":
        click.echo(reports.to_json(data))
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(reports.render(data, fmt))
        sys.stdout.flush()
