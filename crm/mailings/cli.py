"""`flask mailings ...` (CONTRACTS.md, commands table): send to a segment, read bounces, resume."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from crm.core import mail
from crm.core.cli import ACTOR, fail
from crm.core.errors import DomainError
from crm.mailings import bounces, delivery

mailings_cli = AppGroup("mailings", help="Envíos de correo a las redes.")


def _read(path: str | None, option: str) -> tuple[str, str | None]:
    if not path:
        return "", None
    try:
        return Path(path).read_text(encoding="utf-8"), None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or ("no está en UTF-8" if isinstance(exc, UnicodeDecodeError)
                                                    else str(exc))
        return "", f"no se pudo leer {option} {path}: {reason}"


def _report(mailing_id: int, skipped: int) -> None:
    counts = delivery.state_counts(mailing_id)
    for recipient in delivery.failures(mailing_id):
        click.echo(f"falló: {recipient.address}: {recipient.reply}")
    if counts.get("sending"):
        click.echo(f"aviso: {counts['sending']} destinatario(s) quedaron sin confirmar por una interrupción "
                   "y no se les envía de nuevo")
    click.echo(f"sent {counts.get('sent', 0)}, skipped {skipped + counts.get('skipped', 0)}")


@mailings_cli.command("send")
@click.argument("segment")
@click.option("--subject", required=True, help="Asunto en español.")
@click.option("--body", "body_file", required=True, help="Archivo UTF-8 con el cuerpo (Markdown, {nombre}).")
@click.option("--subject-en", default="", help="Asunto en inglés, para quienes prefieren ese idioma.")
@click.option("--body-en", "body_en_file", default=None, help="Archivo con el cuerpo en inglés.")
@click.option("--action", default="", help="Línea de acción: el envío cuenta como una actividad de difusión.")
def send(segment: str, subject: str, body_file: str, subject_en: str, body_en_file: str | None,
         action: str) -> None:
    """Envía un correo a cada persona del segmento que puede recibirlo; la última línea es `sent N, skipped M`."""
    body, problem = _read(body_file, "--body")
    body_en, problem_en = _read(body_en_file, "--body-en")
    draft = delivery.Draft(segment=segment, subject=subject, body=body, subject_en=subject_en, body_en=body_en,
                           action=action)
    problems = [p for p in (problem, problem_en) if p]
    problems += [p for p in delivery.check_draft(draft) if not (problem and "cuerpo del mensaje" in p)]
    if not problems:
        try:
            with mail.Session():
                pass
        except mail.MailError as exc:
            problems.append(str(exc))
    if problems:
        for line in problems:
            click.echo(f"error: {line}")
        raise SystemExit(1)
    try:
        mailing = delivery.create_mailing(draft, actor=ACTOR)
        delivery.deliver(mailing.id, actor=ACTOR)
    except DomainError as exc:
        fail(str(exc))
    _report(mailing.id, sum(mailing.skipped.values()))


@mailings_cli.command("resume")
@click.argument("mailing_id", type=int)
def resume(mailing_id: int) -> None:
    """Reanuda un envío interrumpido: nadie recibe una segunda copia."""
    try:
        mailing = delivery.deliver(mailing_id, actor=ACTOR)
    except DomainError as exc:
        fail(str(exc))
    _report(mailing.id, sum((mailing.skipped or {}).values()))


@mailings_cli.command("bounces")
@click.argument("file")
def bounces_command(file: str) -> None:
    """Lee avisos de no entrega (RFC 3464), un .eml o un mbox; la última línea es `bounced N`."""
    try:
        count = bounces.import_file(file, actor=ACTOR)
    except DomainError as exc:
        fail(str(exc))
    click.echo(f"bounced {count}")
