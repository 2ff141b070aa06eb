"""The real SMTP server (aiosmtpd on 127.0.0.1) of tests/mailings, reused here, and a survey whose invited people
cover every case of the one rule of who may be e-mailed."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from crm.contacts.privacy.consent import mark_bouncing
from crm.core.extensions import db
from surveys import services
from surveys.invitations.schedule import ReminderSchedule
from surveys.models import Invitation
from tests.factories import make_person, make_survey
from tests.mailings.conftest import consented, mail_app, oppose, smtp  # noqa: F401  (fixtures, shared)

# Mexico City is UTC-6: 02:30 UTC on 11 March is 20:30 on 10 March there (another day than UTC's)
HOUR = 20
BEFORE = datetime(2026, 3, 11, 1, 30, tzinfo=UTC)  # 19:30 local, 10 March
AT = datetime(2026, 3, 11, 2, 30, tzinfo=UTC)  # 20:30 local, 10 March
LATER_SAME_DAY = datetime(2026, 3, 11, 5, 45, tzinfo=UTC)  # 23:45 local, 10 March
NEXT_DAY = datetime(2026, 3, 12, 2, 5, tzinfo=UTC)  # 20:05 local, 11 March


def naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


def invite(survey, person, sent_at: datetime, reminded_at: datetime | None = None) -> Invitation:
    invitation = Invitation(survey_id=survey.id, person_id=person.id, token=services.new_token(), status="sent",
                            channel="email", source="red:rvc", sent_at=naive(sent_at),
                            reminded_at=naive(reminded_at) if reminded_at else None)
    db.session.add(invitation)
    db.session.commit()
    return invitation


def schedule(survey, *, enabled: bool = True, hour: int = HOUR, every_days: int = 3) -> ReminderSchedule:
    row = ReminderSchedule(survey_id=survey.id, enabled=enabled, hour=hour, every_days=every_days, last_result={})
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def survey(mail_app):  # noqa: F811
    return make_survey(state="open", titles={"es": "Satisfacción del taller", "en": "Workshop satisfaction"})


@pytest.fixture
def invited(survey):
    """Everyone invited by e-mail six days before AT; only `rosa` may still be e-mailed."""
    sent = datetime(2026, 3, 5, 2, 30, tzinfo=UTC)
    people = SimpleNamespace(rosa=consented("Rosa", networks=("rvc",)),
                             olga=consented("Olga", networks=("rvc",)),  # opposes e-mail
                             sin=make_person("Sinconsentimiento", networks=("rvc",)),  # no recorded consent
                             rebeca=consented("Rebeca", networks=("rvc",)))  # her address bounces
    for person in vars(people).values():
        invite(survey, person, sent)
    oppose(people.olga)
    mark_bouncing(people.rebeca.primary_email.address, "5.1.1")
    db.session.commit()
    return people
