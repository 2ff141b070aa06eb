"""Invitations and reminders are delivered like mailings: one connection at the provider's pace
(MAIL_RATE_PER_MINUTE), temporary refusals (4xx) retried, and a temporary failure never taken for a bounce
(the invitation is tried again by the next run)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from crm.core.extensions import db
from surveys.models import Invitation
from tests.factories import make_survey
from tests.mailings.conftest import consented
from tests.mailings.test_survey_paths import age_invitations, run


@pytest.fixture
def survey(mail_app):
    return make_survey(state="open", titles={"es": "Satisfacción del taller", "en": "Workshop satisfaction"})


def statuses() -> dict[int, str]:
    db.session.expire_all()
    return {i.person_id: i.status for i in db.session.scalars(select(Invitation))}


def test_a_temporary_refusal_is_retried_and_the_invitation_sent(mail_app, smtp, survey):
    rosa = consented("Rosa", networks=("rvc",))
    smtp.temporary[rosa.primary_email.address] = 2  # 451 twice, then accepted
    assert run(mail_app, "invite", survey.code, "red:rvc")[1] == "sent 1, skipped 0"
    assert smtp.to() == [rosa.primary_email.address] and statuses() == {rosa.id: "sent"}


def test_an_invitation_refused_for_now_is_sent_by_the_next_run_not_marked_bounced(mail_app, smtp, survey):
    rosa, luis = consented("Rosa", networks=("rvc",)), consented("Luis", networks=("rvc",))
    mail_app.config["MAIL_RETRY_ATTEMPTS"] = 1
    smtp.temporary[rosa.primary_email.address] = 2  # more refusals than retries
    assert run(mail_app, "invite", survey.code, "red:rvc")[1] == "sent 1, skipped 1"  # not sent: counted apart
    assert statuses() == {rosa.id: "pending", luis.id: "sent"}
    assert run(mail_app, "invite", survey.code, "red:rvc")[1] == "sent 1, skipped 1"
    assert sorted(smtp.to()) == sorted([rosa.primary_email.address, luis.primary_email.address])


def test_a_reminder_refused_for_now_keeps_the_person_reminded_later(mail_app, smtp, survey):
    rosa = consented("Rosa", networks=("rvc",))
    run(mail_app, "invite", survey.code, "red:rvc")
    age_invitations(4)
    mail_app.config["MAIL_RETRY_ATTEMPTS"] = 0
    smtp.temporary[rosa.primary_email.address] = 1
    assert run(mail_app, "remind", survey.code)[1] == "sent 0, skipped 1"
    assert statuses() == {rosa.id: "sent"}  # not bounced: still waiting for an answer
    assert run(mail_app, "remind", survey.code)[1] == "sent 1, skipped 0"
    assert [m["Subject"].startswith("Recordatorio: ") for m in smtp.messages] == [False, True]


def test_a_permanent_refusal_marks_the_invitation_bounced(mail_app, smtp, survey):
    rosa = consented("Rosa", networks=("rvc",))
    smtp.permanent.add(rosa.primary_email.address)
    run(mail_app, "invite", survey.code, "red:rvc")
    assert statuses() == {rosa.id: "bounced"}


def test_invitations_keep_the_providers_pace(mail_app, smtp, survey, monkeypatch):
    for name in ("Ana", "Bea", "Ceci"):
        consented(name, networks=("rvc",))
    mail_app.config["MAIL_RATE_PER_MINUTE"] = 2
    now, waits = [1000.0], []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    monkeypatch.setattr(time, "sleep", sleep)
    assert run(mail_app, "invite", survey.code, "red:rvc")[1] == "sent 3, skipped 0"
    assert waits == [60.0] and len(smtp.messages) == 3
