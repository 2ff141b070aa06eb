"""Outgoing mail: the configured SMTP server, or the log when none is configured (CONTRACTS.md)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger("vinculo.mail")


class MailError(Exception):
    pass


def send(to: str, subject: str, body: str, *, html: str | None = None) -> str:
    """Sends one message; returns its Message-ID. Without MAIL_SERVER the message goes to the log."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "vinculacion@localhost"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="vinculo.local")
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    server = config.get("MAIL_SERVER")
    if not server:
        log.info("mail (no MAIL_SERVER configured) to=%s subject=%s\n%s", to, subject, body)
        current_app.extensions.setdefault("vinculo_outbox", []).append(message)
        return message["Message-ID"]
    try:
        with smtplib.SMTP(server, int(config.get("MAIL_PORT") or 25), timeout=20) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"no se pudo enviar el correo a {to}: {exc}") from exc
    return message["Message-ID"]


def outbox() -> list[EmailMessage]:
    """Messages 'sent' to the log in this process (tests and the no-server setup)."""
    return current_app.extensions.setdefault("vinculo_outbox", [])
