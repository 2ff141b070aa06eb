"""`flask surveys ...`: survey definitions and responses in and out (CONTRACTS.md, commands table).

Problems go to standard output, one per line, and the command exits 1; never a traceback.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from crm.core import mail
from crm.core.cli import ACTOR, fail, run_import
from crm.core.errors import DomainError
from crm.core.tabular import TableError
from crm.mailings.segments import parse_segment, segment_people
from surveys import services
from surveys.invitations.sending import send_email_invitations, send_reminders
from surveys.responses.export import export_responses, repeat_files
from surveys.responses.imports import import_responses
from surveys.responses.repeats import read_tables, repeat_layout
from surveys.xlsform.model import XLSFormError
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import write_xlsform

surveys_cli = AppGroup("surveys", help="Encuestas.")


def _survey(identifier: str):
    try:
        return services.find_survey(identifier)
    except DomainError as exc:
        fail(str(exc))


@surveys_cli.command("import-form")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--component", "component", default=None, help="Componente: AI3, AI5 o AI6.")
@click.option("--year", "year", type=int, default=None, help="Año del programa.")
def import_form(file: str, component: str | None, year: int | None) -> None:
    """Crea una encuesta (borrador) a partir de un XLSForm; la última línea es su identificador."""
    try:
        services.validate_link(component, year)
        result = read_xlsform(file)
    except TableError as exc:
        fail(str(exc))
    except XLSFormError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        raise SystemExit(1) from None
    except DomainError as exc:
        fail(str(exc))
    for warning in result.warnings:
        click.echo(f"aviso: {warning}")
    try:
        survey = services.create_survey(result.definition, component_code=component, year=year, actor=ACTOR)
    except DomainError as exc:
        fail(str(exc))
    questions = len(survey.answerable_questions)
    click.echo(f"encuesta creada en borrador: «{survey.title}», {questions} pregunta(s)")
    click.echo(survey.code)


@surveys_cli.command("import-responses")
@click.argument("survey_id", metavar="SURVEY")
@click.argument("file", type=click.Path(dir_okay=True))
@click.option("--dry-run", is_flag=True, help="Valida y reporta sin escribir nada.")
@click.option("--repeat", "repeat_files", multiple=True, metavar="REPETICIÓN=ARCHIVO",
              help="La tabla CSV o XLSX de una repetición (por omisión, ARCHIVO-REPETICIÓN.csv junto al archivo, "
                   "o la hoja con su nombre del libro XLSX).")
def import_responses_command(survey_id: str, file: str, dry_run: bool, repeat_files: tuple[str, ...]) -> None:
    """Importa respuestas (CSV o XLSX) recogidas fuera de la plataforma."""
    survey = _survey(survey_id)
    given: dict[str, str] = {}
    for item in repeat_files:
        name, sep, path = item.partition("=")
        if not sep or not name.strip() or not path.strip():
            fail(f"--repeat espera REPETICIÓN=ARCHIVO, no «{item}»")
        given[name.strip()] = path.strip()
    layout = repeat_layout(survey.questions)
    if given and not layout:
        fail(f"la encuesta {survey.code} no tiene repeticiones: --repeat no aplica")
    tables, notes = None, []
    if layout:  # the repeats' sheets or files, read before the main table (a missing one: one line)
        try:
            _, tables, notes = read_tables(file, layout, given)
        except TableError as exc:
            fail(str(exc))
    run_import(file, dry_run,
               lambda table: import_responses(survey, table, dry_run=dry_run, actor=ACTOR,
                                              source=Path(file).name, repeats=tables or None),
               lambda report: [*(f"aviso: {w}" for w in [*notes, *report.warnings]), f"imported {report.imported}"])


@surveys_cli.command("open")
@click.argument("survey_id", metavar="SURVEY")
def open_(survey_id: str) -> None:
    """Abre la encuesta (acepta respuestas)."""
    survey = services.open_survey(_survey(survey_id), actor=ACTOR)
    click.echo(f"{survey.code}: open")


@surveys_cli.command("close")
@click.argument("survey_id", metavar="SURVEY")
def close(survey_id: str) -> None:
    """Cierra la encuesta (no acepta más respuestas)."""
    survey = services.close_survey(_survey(survey_id), actor=ACTOR)
    click.echo(f"{survey.code}: closed")


@surveys_cli.command("link")
@click.argument("survey_id", metavar="SURVEY")
@click.option("--email", default=None, help="Crea una invitación personal de un solo uso para esta dirección.")
def link(survey_id: str, email: str | None) -> None:
    """Imprime la dirección completa de la página para responder (enlace abierto o invitación personal), en
    CRM_BASE_URL; la última línea es su ruta (empieza con /)."""
    survey = _survey(survey_id)
    if email is None:
        path = services.open_link(survey)
    else:
        try:
            invitation = services.create_invitation(survey, email, actor=ACTOR, source="línea de comandos")
        except DomainError as exc:
            fail(str(exc))
        path = services.invitation_path(invitation)
    base = (current_app.config.get("CRM_BASE_URL") or "").rstrip("/")
    if base:
        click.echo(f"dirección completa: {base}{path}")
    click.echo(path)


@surveys_cli.command("export-form")
@click.argument("survey_id", metavar="SURVEY")
@click.argument("file", type=click.Path(dir_okay=False))
def export_form(survey_id: str, file: str) -> None:
    """Escribe la encuesta como XLSForm (.xlsx)."""
    survey = _survey(survey_id)
    if Path(file).suffix.lower() != ".xlsx":
        fail(f"el archivo de salida debe terminar en .xlsx: {file}")
    try:
        write_xlsform(services.definition_of(survey), file)
    except OSError as exc:
        fail(f"no se pudo escribir {file}: {exc.strerror or exc}")
    click.echo(f"wrote {file}")


@surveys_cli.command("export")
@click.argument("survey_id", metavar="SURVEY")
@click.argument("file", type=click.Path(dir_okay=False))
def export(survey_id: str, file: str) -> None:
    """Exporta las respuestas, una fila por respuesta (CSV o XLSX según la extensión)."""
    survey = _survey(survey_id)
    try:
        count = export_responses(survey, file, actor=ACTOR)
    except TableError as exc:
        fail(str(exc))
    for written in repeat_files(survey, file):  # a form with repeats: one CSV per repeat beside FILE
        click.echo(f"wrote {written}")
    click.echo(f"exported {count}")


def _mail_server_problem() -> str | None:
    try:
        with mail.Session():
            return None
    except mail.MailError as exc:
        return str(exc)


@surveys_cli.command("invite")
@click.argument("survey_id", metavar="SURVEY")
@click.argument("segment", metavar="SEGMENT")
def invite(survey_id: str, segment: str) -> None:
    """Envía por correo un enlace personal a cada persona del segmento (red:rvc, red:observacion, tag:NOMBRE o
    todos) que puede recibir correos y aún no tiene enlace a la encuesta; la última línea es `sent N, skipped M`."""
    survey = _survey(survey_id)
    problems = []
    try:
        chosen = parse_segment(segment)
    except DomainError as exc:
        problems.append(str(exc))
    if problem := _mail_server_problem():
        problems.append(problem)
    if problems:
        for line in problems:
            click.echo(f"error: {line}")
        raise SystemExit(1)
    outcome = send_email_invitations(survey, segment_people(chosen), source=chosen.code, actor=ACTOR)
    for failure in outcome.failures:
        click.echo(f"falló: {failure}")
    click.echo(f"sent {outcome.sent}, skipped {sum(outcome.skipped.values()) + outcome.bounced}")


@surveys_cli.command("remind")
@click.argument("survey_id", metavar="SURVEY")
@click.option("--after-days", type=click.IntRange(min=1), default=3, show_default=True,
              help="Solo a quien recibió la invitación o el último recordatorio hace al menos N días.")
def remind(survey_id: str, after_days: int) -> None:
    """Recuerda la encuesta, con el mismo enlace personal, a quien fue invitado y no ha respondido; la última
    línea es `sent N, skipped M`."""
    survey = _survey(survey_id)
    if survey.state != "open":
        fail(f"la encuesta {survey.code} no está abierta: no se envían recordatorios")
    if problem := _mail_server_problem():
        fail(problem)
    outcome = send_reminders(survey, actor=ACTOR, interval=timedelta(days=after_days))
    for failure in outcome.failures:
        click.echo(f"falló: {failure}")
    click.echo(f"sent {outcome.sent}, skipped {sum(outcome.skipped.values()) + outcome.bounced}")
