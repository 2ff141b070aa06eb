"""A mailing interrupted by kill -9 resumes without sending anyone a second copy."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from crm.core.extensions import db
from crm.mailings import delivery
from crm.mailings.models import Mailing, MailingRecipient
from tests.mailings.conftest import consented

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import sys
from config import TestConfig
from crm.app import create_app
from crm.mailings.delivery import deliver
url, port, mailing_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                 MAIL_RETRY_BACKOFF=0)
with app.app_context():
    deliver(mailing_id)
"""


def test_kill_9_while_sending_then_resume_sends_no_duplicate(mail_app, smtp, database_url):
    addresses = {consented(f"Persona{index}", networks=("rvc",)).primary_email.address for index in range(6)}
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="Boletín", body="Hola {nombre}"))
    mailing_id = mailing.id
    db.session.remove()
    child = subprocess.Popen([sys.executable, "-c", CHILD, database_url, str(smtp.port), str(mailing_id)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def kill_on_third(count):  # inside DATA: the server has the third message, the sender never hears back
        if count == 3:
            os.kill(child.pid, signal.SIGKILL)

    smtp.on_message = kill_on_third
    _, stderr = child.communicate(timeout=120)
    assert child.returncode == -signal.SIGKILL, stderr.decode()[-2000:]
    assert len(smtp.messages) == 3

    states = Counter(db.session.scalars(select(MailingRecipient.state)
                                        .where(MailingRecipient.mailing_id == mailing_id)))
    assert states == {"sent": 2, "sending": 1, "pending": 3}
    smtp.on_message = None
    result = mail_app.test_cli_runner().invoke(args=["mailings", "resume", str(mailing_id)])
    assert result.exit_code == 0, result.output
    assert "1 destinatario(s) quedaron sin confirmar" in result.output
    assert result.output.strip().splitlines()[-1] == "sent 5, skipped 0"
    received = Counter(smtp.to())
    assert set(received) == addresses
    assert max(received.values()) == 1  # nobody got a second copy
    assert db.session.get(Mailing, mailing_id).status == "done"
    # resuming a finished mailing sends nothing more
    mail_app.test_cli_runner().invoke(args=["mailings", "resume", str(mailing_id)])
    assert len(smtp.messages) == 6


def test_the_periodic_check_resumes_a_mailing_whose_worker_died(mail_app, smtp):
    from datetime import timedelta

    from sqlalchemy import update

    from crm.core.timeutil import utcnow
    from crm.mailings.tasks import resume_stalled

    for index in range(3):
        consented(f"Persona{index}", networks=("rvc",))
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    first = mailing.recipients[0].id
    # as a killed worker leaves it: the mailing "sending", one recipient claimed, the rest pending, 20 min ago
    db.session.execute(update(Mailing).values(status="sending"))
    db.session.execute(update(MailingRecipient).values(updated_at=utcnow() - timedelta(minutes=20)))
    db.session.execute(update(MailingRecipient).where(MailingRecipient.id == first).values(state="sending"))
    db.session.commit()
    resume_stalled.call_local()
    assert len(smtp.messages) == 2
    db.session.expire_all()
    assert db.session.get(Mailing, mailing.id).status == "done"
    assert db.session.get(MailingRecipient, first).state == "sending"
