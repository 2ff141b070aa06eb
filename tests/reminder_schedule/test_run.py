"""The daily reminder run: at the local hour and not before, once per local day, never twice to a person within
N days, never after the survey closes, never to whoever may not be e-mailed; asserted on what the real SMTP server
received."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_tz
from surveys.invitations import schedule_run, schedule_tasks
from surveys.invitations.schedule import ReminderSchedule
from surveys.invitations.schedule_run import claim, run_due
from surveys.models import Invitation, Survey
from tests.reminder_schedule.conftest import (
    AT,
    BEFORE,
    LATER_SAME_DAY,
    NEXT_DAY,
    consented,
    invite,
    naive,
    schedule,
)


def row(survey) -> ReminderSchedule:
    db.session.expire_all()
    return db.session.get(ReminderSchedule, survey.id)


def test_at_the_local_hour_it_reminds_only_who_may_be_emailed_and_before_it_nothing(mail_app, smtp, survey,
                                                                                      invited):
    schedule(survey)
    assert run_due(BEFORE) == []  # 19:30 in Mexico City (01:30 UTC of the next day): not yet
    assert smtp.messages == [] and row(survey).last_run_on is None
    runs = run_due(AT)  # 20:30 in Mexico City, 10 March (already 11 March in UTC)
    assert [r.survey_id for r in runs] == [survey.id]
    assert smtp.to() == [invited.rosa.primary_email.address]  # not the opposed, unconsented or bouncing people
    message = smtp.messages[0]
    assert message["Subject"] == "Recordatorio: Satisfacción del taller"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    saved = row(survey)
    assert saved.last_run_on.isoformat() == "2026-03-10"  # the local day, not UTC's 11 March
    assert saved.last_result["sent"] == 1
    assert saved.last_result["skipped"] == {"opposes_email": 1, "no_consent": 1, "bouncing": 1}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.remind_scheduled"))
    assert entry.details["sent"] == 1 and entry.actor_label == "recordatorio diario"
    assert entry.target_id == str(survey.id)
    reminded = db.session.scalar(select(Invitation).where(Invitation.person_id == invited.rosa.id))
    assert reminded.reminded_at == naive(AT)


def test_a_second_run_the_same_local_day_sends_nothing(mail_app, smtp, survey, invited):
    schedule(survey)
    assert len(run_due(AT)) == 1
    newcomer = consented("Nora", networks=("rvc",))  # due too, but the day is used
    invite(survey, newcomer, AT - timedelta(days=10))
    assert run_due(AT) == [] and run_due(LATER_SAME_DAY) == []
    assert smtp.to() == [invited.rosa.primary_email.address]
    # the next local day: Nora gets hers; Rosa, reminded a day ago, does not (every 3 days)
    assert len(run_due(NEXT_DAY)) == 1
    assert smtp.to() == [invited.rosa.primary_email.address, newcomer.primary_email.address]
    assert row(survey).last_result["skipped"]["recently_reminded"] == 1


def test_nobody_is_reminded_within_n_days_of_the_invitation_or_the_last_reminder(mail_app, smtp, survey):
    rosa, pedro, lucia = (consented(name, networks=("rvc",)) for name in ("Rosa", "Pedro", "Lucía"))
    invite(survey, rosa, AT - timedelta(days=4))  # 4 days ago: due with every 3 days
    invite(survey, pedro, AT - timedelta(days=2))  # 2 days ago: not yet
    invite(survey, lucia, AT - timedelta(days=9), reminded_at=AT - timedelta(days=1))  # reminded yesterday
    schedule(survey, every_days=3)
    run_due(AT)
    assert smtp.to() == [rosa.primary_email.address]
    assert row(survey).last_result["skipped"] == {"recently_reminded": 2}
    # each person exactly when N = 3 days have passed since their invitation or last reminder
    expected = {1: pedro, 2: lucia, 3: rosa, 4: pedro, 5: lucia}  # one a day: nobody twice within 3 days
    for day, person in expected.items():
        smtp.messages.clear()
        run_due(AT + timedelta(days=day))
        assert smtp.to() == ([person.primary_email.address] if person else []), day


@pytest.mark.parametrize("how", ["state", "closing_date"])
def test_a_closed_survey_sends_nothing_and_the_schedule_says_so(mail_app, smtp, survey, invited, how):
    schedule(survey)
    if how == "state":
        db.session.execute(update(Survey).where(Survey.id == survey.id).values(state="closed"))
    else:  # still "open", but its closing date has passed
        db.session.execute(update(Survey).where(Survey.id == survey.id).values(closes_at=naive(AT) - timedelta(hours=1)))
    db.session.commit()
    runs = run_due(AT)
    assert [r.result for r in runs] == [{"closed": True}]
    assert smtp.messages == []
    saved = row(survey)
    assert saved.enabled is False and saved.last_result == {"closed": True}
    assert run_due(NEXT_DAY) == [] and smtp.messages == []


def test_a_draft_or_disabled_schedule_sends_nothing(mail_app, smtp, survey, invited):
    schedule(survey, enabled=False)
    assert run_due(AT) == []
    db.session.execute(update(ReminderSchedule).values(enabled=True))
    db.session.execute(update(Survey).where(Survey.id == survey.id).values(state="draft"))
    db.session.commit()
    assert run_due(AT) == [] and smtp.messages == [] and row(survey).last_run_on is None


def test_a_mail_server_down_sends_nothing_and_gives_the_day_back(mail_app, smtp, survey, invited):
    from tests.mailings.conftest import free_port

    schedule(survey)
    port = mail_app.config["MAIL_PORT"]
    mail_app.config["MAIL_PORT"] = free_port()
    runs = run_due(AT)
    assert "no se pudo conectar con el servidor de correo" in runs[0].result["error"]
    saved = row(survey)
    assert saved.last_run_on is None  # the next hourly check tries again
    invitation = db.session.scalar(select(Invitation).where(Invitation.person_id == invited.rosa.id))
    assert invitation.reminded_at is None and invitation.status == "sent"
    mail_app.config["MAIL_PORT"] = port
    assert len(run_due(AT + timedelta(hours=1))) == 1
    assert smtp.to() == [invited.rosa.primary_email.address]


def test_the_day_is_claimed_once(mail_app, survey):
    schedule(survey)
    local = AT.astimezone(local_tz())
    assert claim(survey.id, local) == (True, None)
    assert claim(survey.id, local)[0] is False


def test_two_concurrent_runs_send_once(mail_app, smtp, survey, invited, monkeypatch):
    """Two consumers that both found the survey due race for its day: both reach the claim together (a barrier
    in front of it), one wins, the other sends nothing."""
    schedule(survey)
    barrier = threading.Barrier(2)
    real_claim = schedule_run.claim

    def claim_together(survey_id, local):
        barrier.wait(timeout=10)  # both have read the schedule as due
        return real_claim(survey_id, local)

    monkeypatch.setattr(schedule_run, "claim", claim_together)
    results, errors = [], []

    def consumer():
        try:
            with mail_app.app_context():
                results.append(run_due(AT))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=consumer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(len(r) for r in results) == [0, 1]
    assert smtp.to() == [invited.rosa.primary_email.address]
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "surveys.remind_scheduled")) == 1


def test_the_database_holds_the_ranges(mail_app, survey):
    for values in ({"hour": 24}, {"hour": -1}, {"every_days": 0}):
        db.session.add(ReminderSchedule(survey_id=survey.id, last_result={}, **{"hour": 9, "every_days": 3, **values}))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_hourly_task_is_on_the_queue_and_runs_what_is_due(mail_app, smtp, survey, invited):
    from crm.core.tasks import huey

    task = schedule_tasks.daily_reminders
    assert any(name.endswith(schedule_tasks.TASK_NAME) for name in huey._registry._registry)
    periodic = task.task_class()  # fires at the top of every hour of the consumer's (UTC) clock
    assert periodic.validate_datetime(datetime(2026, 3, 11, 2, 0))
    assert not periodic.validate_datetime(datetime(2026, 3, 11, 2, 30))
    schedule(survey, hour=0)  # due at any local time of the day
    task.call_local()
    assert smtp.to() == [invited.rosa.primary_email.address]
    assert datetime.now(UTC) - row(survey).last_run_at.replace(tzinfo=UTC) < timedelta(minutes=10)


def test_one_survey_failing_does_not_stop_the_others(mail_app, smtp, survey, invited, monkeypatch):
    from tests.factories import make_survey

    other = make_survey(state="open")  # runs after `survey` (by id)
    invite(other, invited.rosa, AT - timedelta(days=5))
    schedule(survey)
    schedule(other)
    real = schedule_run.send_reminders

    def failing_for_the_first(target, **kwargs):
        if target.id == survey.id:
            raise RuntimeError("fallo de prueba")
        return real(target, **kwargs)

    monkeypatch.setattr(schedule_run, "send_reminders", failing_for_the_first)
    runs = run_due(AT)
    assert [r.survey_id for r in runs] == [other.id]
    assert smtp.to() == [invited.rosa.primary_email.address]
    assert row(survey).last_run_on is not None  # its day is used: no retry every hour
