"""The daily reminder's form on the invitations page: saves, validates in Spanish, shows the next and the last
run, refuses a closed survey; only roles that manage surveys."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_tz
from surveys.invitations.schedule import ReminderSchedule, next_run, schedule_of
from surveys.invitations.schedule_run import run_due
from tests.reminder_schedule.conftest import AT, BEFORE, HOUR, naive, schedule

FORM = {"enabled": "y", "hour": "20", "every_days": "4"}


def page(client, survey):
    return client.get(f"/encuestas/{survey.id}/invitaciones")


def post(client, survey, data):
    return client.post(f"/encuestas/{survey.id}/recordatorio-diario", data=data)


def test_staff_switch_the_daily_reminder_on_and_see_the_next_run(client, login_as, survey):
    user = login_as("staff")
    html = page(client, survey).get_data(as_text=True)
    assert "Recordatorio diario automático" in html and "Desactivado" in html
    assert 'name="csrf_token"' in html or "csrf_token" in html
    saved = post(client, survey, FORM)
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#recordatorio-diario")
    row = db.session.get(ReminderSchedule, survey.id)
    assert (row.enabled, row.hour, row.every_days, row.updated_by_id) == (True, 20, 4, user.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.remind_schedule"))
    assert entry.details == {"enabled": True, "hour": 20, "every_days": 4} and entry.actor_id == user.id
    html = page(client, survey).get_data(as_text=True)
    assert "Activado: cada día a las 20:00 (hora de la Ciudad de México)" in html and "4 días" in html
    assert "Recordatorio diario activado" in html
    assert "(hora de la Ciudad de México)</dd>" in html  # a next run is shown
    assert post(client, survey, {"hour": "7", "every_days": "3"}).status_code == 302  # unchecked: off
    assert db.session.get(ReminderSchedule, survey.id).enabled is False


def test_out_of_range_or_not_a_number_is_refused_in_spanish(client, login_as, survey):
    login_as("staff")
    for data, message in (({**FORM, "hour": "24"}, "La hora debe ser un número entero de 0 a 23"),
                          ({**FORM, "hour": "-1"}, "La hora debe ser un número entero de 0 a 23"),
                          ({**FORM, "hour": "nueve"}, "La hora debe ser un número entero de 0 a 23"),
                          ({**FORM, "hour": ""}, "La hora debe ser un número entero de 0 a 23"),
                          ({**FORM, "every_days": "0"}, "Los días entre recordatorios deben ser un número entero"),
                          ({**FORM, "every_days": "tres"}, "Los días entre recordatorios deben ser un número entero")):
        answer = post(client, survey, data)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422, data
        assert message in html and "Revise lo siguiente" in html and "Not a valid" not in html
    assert db.session.get(ReminderSchedule, survey.id) is None


def test_a_closed_survey_cannot_be_scheduled_and_the_page_says_why(client, login_as, survey, smtp, invited):
    login_as("staff")
    schedule(survey, hour=HOUR)
    survey.closes_at = naive(AT) - timedelta(hours=1)
    db.session.commit()
    run_due(AT)
    html = page(client, survey).get_data(as_text=True)
    assert "la encuesta ya estaba cerrada, así que el recordatorio diario se desactivó" in html
    assert "Ninguno: la encuesta está cerrada" in html
    answer = post(client, survey, FORM)
    assert answer.status_code == 422
    assert "La encuesta está cerrada: no se pueden programar recordatorios." in answer.get_data(as_text=True)
    assert smtp.messages == []


def test_the_page_shows_the_last_run_with_its_counts(client, login_as, survey, smtp, invited):
    login_as("staff")
    schedule(survey)
    run_due(AT)
    html = page(client, survey).get_data(as_text=True)
    assert "1 recordatorio enviado; 3 personas omitidas." in html
    assert "10\u00a0mar\u00a02026,\u00a020:30: " in html  # when, in local time (UTC had already reached 11 March)
    assert "<li>Se opone a recibir correos electrónicos: 1</li>" in html  # the reasons, in Spanish
    assert "no_consent" not in html and "bouncing" not in html


def test_only_roles_that_manage_surveys(client, login_as, survey):
    login_as("viewer")
    assert page(client, survey).status_code == 403
    assert post(client, survey, FORM).status_code == 403
    assert db.session.get(ReminderSchedule, survey.id) is None


def test_next_run_in_local_time(survey):
    row = schedule_of(survey)
    assert next_run(row, survey, AT) is None  # off
    row.enabled, row.hour = True, HOUR
    assert next_run(row, survey, BEFORE) == naive(BEFORE).replace(minute=0) + timedelta(hours=1)  # 20:00 local
    assert next_run(row, survey, AT) == naive(AT).replace(minute=0) + timedelta(hours=1)  # due: next hourly check
    row.last_run_on = AT.astimezone(local_tz()).date()  # 10 March in Mexico City
    assert next_run(row, survey, AT) == naive(BEFORE).replace(minute=0) + timedelta(days=1, hours=1)  # tomorrow
    survey.closes_at = naive(AT) + timedelta(hours=3)
    assert next_run(row, survey, AT) is None  # it closes before
