"""Outgoing mail: the configured SMTP server, or the log when none is configured (CONTRACTS.md).

`build_message` composes with the standard library's `email` (a plain-text part always, HTML optional,
extra headers such as List-Unsubscribe); `Session` keeps one SMTP connection for a run of messages and
tells a temporary refusal (4xx), a permanent one (5xx) and an unreachable server apart; `send` sends one.
"""

from __future__ import annotations

import logging
import smtplib
from collections import deque
from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger("vinculo.mail")
# Lines up to RFC 5322's hard limit: a List-Unsubscribe URL folded at 78 characters would be turned into encoded
# words, which mail programs do not read as a link.
POLICY = policy.default.clone(max_line_length=998)


class MailError(Exception):
    """A message not sent. `code`: the server's reply code when it gave one; `temporary`: a 4xx reply (worth
    retrying later); `unreachable`: no connection to the server (or it was lost)."""

    def __init__(self, message: str, *, code: int | None = None, reply: str = "", temporary: bool = False,
                 unreachable: bool = False) -> None:
        super().__init__(message)
        self.code, self.reply, self.temporary, self.unreachable = code, reply, temporary, unreachable


def build_message(to: str, subject: str, body: str, *, html: str | None = None,
                  headers: dict[str, str] | None = None) -> EmailMessage:
    config = current_app.config
    message = EmailMessage(policy=POLICY)
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "vinculacion@localhost"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="vinculo.local")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def _reply(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")


def _refusal(to: str, code: int, reply: str) -> MailError:
    return MailError(f"el servidor de correo rechazó el mensaje a {to}: {code} {reply}", code=code, reply=reply,
                     temporary=400 <= code < 500)


class Session:
    """One SMTP connection for many messages: `with Session() as s: s.send(message)`. Without MAIL_SERVER the
    messages go to the log and the in-process outbox."""

    def __init__(self) -> None:
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Session:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        config = current_app.config
        server = config.get("MAIL_SERVER")
        if not server:
            return
        port = int(config.get("MAIL_PORT") or 25)
        try:
            smtp = smtplib.SMTP(server, port, timeout=float(config.get("MAIL_TIMEOUT") or 20))
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        except smtplib.SMTPResponseException as exc:
            raise MailError(f"el servidor de correo {server}:{port} rechazó la conexión: {exc.smtp_code} "
                            f"{_reply(exc.smtp_error)}", code=exc.smtp_code, reply=_reply(exc.smtp_error),
                            unreachable=True) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise MailError(f"no se pudo conectar con el servidor de correo {server}:{port}: {exc}",
                            unreachable=True) from exc
        self.smtp = smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None

    def send(self, message: EmailMessage) -> None:
        to = str(message["To"])
        if not current_app.config.get("MAIL_SERVER"):
            log.info("mail (no MAIL_SERVER configured) to=%s subject=%s", to, message["Subject"])
            outbox().append(message)
            return
        if self.smtp is None:
            self.open()
        try:
            self.smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()), (550, b""))
            raise _refusal(to, code, _reply(reply)) from exc
        except smtplib.SMTPServerDisconnected as exc:
            self.smtp = None
            raise MailError(f"se perdió la conexión con el servidor de correo al enviar a {to}: {exc}",
                            unreachable=True) from exc
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused
            raise _refusal(to, exc.smtp_code, _reply(exc.smtp_error)) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            raise MailError(f"no se pudo enviar el correo a {to}: {exc}", unreachable=True) from exc


def send(to: str, subject: str, body: str, *, html: str | None = None,
         headers: dict[str, str] | None = None) -> str:
    """Sends one message; returns its Message-ID. Without MAIL_SERVER the message goes to the log."""
    message = build_message(to, subject, body, html=html, headers=headers)
    with Session() as session:
        session.send(message)
    return message["Message-ID"]


def outbox() -> list[EmailMessage]:
    """Messages 'sent' to the log in this process (tests and the no-server setup)."""
    return current_app.extensions.setdefault("vinculo_outbox", [])


# --------------------------------------------------------------------------- pacing many messages

def setting(name: str, default: float) -> float:
    """A delivery setting (MAIL_RATE_PER_MINUTE, MAIL_RETRY_*) from the app's configuration (config.py)."""
    value = current_app.config.get(name)
    return float(value) if value not in (None, "") else default


class RateLimit:
    """At most `per_minute` sends in any 60 seconds (a sliding window): the provider's limit, for mailings,
    invitations and reminders alike."""

    def __init__(self, per_minute: float, clock: Callable[[], float], sleep: Callable[[float], None]) -> None:
        self.per_minute, self.clock, self.sleep = max(int(per_minute), 1), clock, sleep
        self.times: deque[float] = deque()

    def wait(self) -> None:
        now = self.clock()
        while self.times and self.times[0] <= now - 60:
            self.times.popleft()
        if len(self.times) >= self.per_minute:
            self.sleep(self.times[0] + 60 - now)
            self.times.popleft()
        self.times.append(self.clock())


def send_with_retries(session: Session, message: EmailMessage,
                      sleep: Callable[[float], None]) -> tuple[int, MailError | None]:
    """Sends `message`, retrying temporary refusals (4xx) MAIL_RETRY_ATTEMPTS times, MAIL_RETRY_BACKOFF seconds
    apart and doubled each time; returns (attempts, None) or (attempts, the last error)."""
    retries = int(setting("MAIL_RETRY_ATTEMPTS", 3))
    backoff = setting("MAIL_RETRY_BACKOFF", 5)
    attempts = 0
    while True:
        attempts += 1
        try:
            session.send(message)
            return attempts, None
        except MailError as exc:
            if not exc.temporary or attempts > retries:
                return attempts, exc
            sleep(backoff * 2 ** (attempts - 1))
