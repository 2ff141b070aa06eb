"""A real SMTP server (aiosmtpd) on 127.0.0.1 started by the tests, and people with and without consent."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest

from crm.contacts.models import ChannelPreference, Consent
from crm.core.extensions import db
from tests.conftest import missing_dependency
from tests.factories import make_person


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Sink:
    """What the server received, and how it should answer: `temporary[address] = n` refuses the first n
    attempts with 451, `permanent` addresses get 550; `on_message(count)` runs inside DATA."""

    messages: list = field(default_factory=list)
    temporary: dict = field(default_factory=dict)
    permanent: set = field(default_factory=set)
    attempts: dict = field(default_factory=dict)
    on_message: object = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.attempts[address] = self.attempts.get(address, 0) + 1
            if address in self.permanent:
                return "550 5.1.1 Buzón inexistente"
            if self.temporary.get(address, 0) > 0:
                self.temporary[address] -= 1
                return "451 4.3.0 Intente más tarde"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
            count = len(self.messages)
        if self.on_message is not None:
            self.on_message(count)
        return "250 Message accepted for delivery"

    def to(self) -> list[str]:
        return [str(m["To"]) for m in self.messages]


@pytest.fixture
def smtp():
    try:
        from aiosmtpd.controller import Controller
    except ImportError:
        missing_dependency("aiosmtpd is not installed (pip install aiosmtpd)")
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture
def mail_app(app, smtp):
    """The test app sending through the test's SMTP server, without waiting between retries."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_RETRY_BACKOFF=0,
                      CRM_BASE_URL="https://vinculo.example.org")
    return app


def consented(given_name: str = "Rosa", **kwargs):
    person = make_person(given_name, **kwargs)
    db.session.add(Consent(person_id=person.id, channel="import", purpose="redes"))
    db.session.commit()
    return person


def oppose(person, channel: str = "email") -> None:
    db.session.add(ChannelPreference(person_id=person.id, channel=channel, opted_out=True))
    db.session.commit()
