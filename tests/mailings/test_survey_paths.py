"""`surveys invite SURVEY SEGMENT` and `surveys remind SURVEY`: the same rule, the same headers, no repeats."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from crm.contacts.privacy.consent import mark_bouncing
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import Invitation
from tests.factories import make_person, make_survey
from tests.mailings.conftest import consented, free_port, oppose


@pytest.fixture
def survey(mail_app):
    return make_survey(state="open", titles={"es": "Satisfacción del taller", "en": "Workshop satisfaction"})


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["surveys", *args])
    return result, result.output.strip().splitlines()[-1] if result.output.strip() else ""


def age_invitations(days: int, column: str = "sent_at") -> None:
    db.session.execute(update(Invitation).values({column: utcnow() - timedelta(days=days)}))
    db.session.commit()


def test_invite_by_segment_follows_the_rule_and_carries_the_unsubscribe_headers(mail_app, smtp, survey):
    ok = consented("Rosa", networks=("rvc",))
    english = consented("John", networks=("rvc",), language="en")
    oppose(consented("Olga", networks=("rvc",)))
    make_person("Sinconsentimiento", networks=("rvc",))
    bouncing = consented("Rebeca", networks=("rvc",))
    mark_bouncing(bouncing.primary_email.address, "5.1.1")
    db.session.commit()
    result, last = run(mail_app, "invite", survey.code, "red:rvc")
    assert result.exit_code == 0, result.output
    assert last == "sent 2, skipped 3"
    assert sorted(smtp.to()) == sorted([ok.primary_email.address, english.primary_email.address])
    by_to = {str(m["To"]): m for m in smtp.messages}
    assert by_to[english.primary_email.address]["Subject"] == "Invitation: Workshop satisfaction"
    for message in smtp.messages:
        assert message["List-Unsubscribe"].startswith("<https://vinculo.example.org/correo/baja/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message["List-Unsubscribe"].strip("<>") in message.get_body(("plain",)).get_content()
    # run again: everybody already has a link or may not be e-mailed
    assert run(mail_app, "invite", survey.code, "red:rvc")[1] == "sent 0, skipped 5"
    assert len(smtp.messages) == 2


def test_invite_problems_exit_1_and_send_nothing(mail_app, smtp, survey):
    consented("Rosa", networks=("rvc",))
    result, _ = run(mail_app, "invite", survey.code, "red:desconocida")
    assert result.exit_code == 1 and "red desconocida" in result.output
    mail_app.config["MAIL_PORT"] = free_port()
    result, _ = run(mail_app, "invite", survey.code, "red:rvc")
    assert result.exit_code == 1 and "no se pudo conectar con el servidor de correo" in result.output
    assert smtp.messages == [] and db.session.scalar(select(Invitation)) is None


def test_reminders_respect_the_rule_and_are_never_repeated_within_n_days(mail_app, smtp, survey):
    rosa = consented("Rosa", networks=("rvc",))
    later_opposed = consented("Olga", networks=("rvc",))
    run(mail_app, "invite", survey.code, "red:rvc")
    unconsented = make_person("Sinconsentimiento", networks=("rvc",))  # invited through another channel
    db.session.add(Invitation(survey_id=survey.id, person_id=unconsented.id, token="t" * 43, status="sent",
                              channel="whatsapp", sent_at=utcnow()))
    db.session.commit()
    oppose(later_opposed)
    smtp.messages.clear()
    # invited today: no reminder before 3 days
    assert run(mail_app, "remind", survey.code)[1] == "sent 0, skipped 3"
    age_invitations(4)
    result, last = run(mail_app, "remind", survey.code)
    assert result.exit_code == 0 and last == "sent 1, skipped 2"
    assert smtp.to() == [rosa.primary_email.address]
    assert smtp.messages[0]["Subject"].startswith("Recordatorio: ")
    assert smtp.messages[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # right away, and a day later with --after-days 2: nothing new
    assert run(mail_app, "remind", survey.code)[1] == "sent 0, skipped 3"
    age_invitations(1, "reminded_at")
    assert run(mail_app, "remind", survey.code, "--after-days", "2")[1] == "sent 0, skipped 3"
    assert run(mail_app, "remind", survey.code, "--after-days", "1")[1] == "sent 1, skipped 2"
    assert smtp.to() == [rosa.primary_email.address] * 2


def test_no_reminder_once_the_survey_is_closed(mail_app, smtp, survey):
    consented("Rosa", networks=("rvc",))
    run(mail_app, "invite", survey.code, "red:rvc")
    age_invitations(5)
    survey.state = "closed"
    db.session.commit()
    smtp.messages.clear()
    result, _ = run(mail_app, "remind", survey.code)
    assert result.exit_code == 1 and "no está abierta" in result.output
    assert smtp.messages == []
