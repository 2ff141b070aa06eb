"""A survey's daily reminder: staff switch it on, choose a local hour (CRM_TIMEZONE) and every how many days a
person may be reminded; the task queue (surveys.invitations.schedule_tasks) runs it through the same service as
`surveys remind --after-days N` (surveys.invitations.sending.send_reminders).

Rules
- One row per survey (`survey_reminder_schedule`), created when staff first save the form; the database holds
  the ranges (hour 0..23, every_days >= 1).
- A run is due once the local hour has come on a local day it has not run (crm.core.schedule.is_due): a consumer
  that was down at that hour catches up later the same day.
- `last_run_on` is the local day a run *claimed*: one UPDATE ... WHERE last_run_on < today (its row count says
  who won), so two consumers, or a task that runs twice, send once per survey and day.
- A survey that is closed, or whose closing date has passed, is never reminded: the run that finds it so
  switches the schedule off and says why (`last_result["closed"]`).
- `last_result` is what the last run did: {"sent", "skipped" (reason -> count), "failed"}, or {"closed": true},
  or {"error": text} (mail server unreachable: the day is given back, the next hourly check tries again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from crm.core import audit
from crm.core.extensions import db
from crm.core.timeutil import local_tz, to_utc_naive, utcnow
from surveys.invitations.lists import REASONS
from surveys.models import Survey

DEFAULT_HOUR = 9
DEFAULT_EVERY_DAYS = 3
MAX_EVERY_DAYS = 60

audit.ACTION_LABELS.setdefault("surveys.remind_schedule", "Recordatorio diario configurado")
audit.ACTION_LABELS.setdefault("surveys.remind_scheduled", "Recordatorio diario ejecutado")


class ReminderSchedule(db.Model):
    __tablename__ = "survey_reminder_schedule"
    __table_args__ = (
        CheckConstraint("hour >= 0 AND hour <= 23", name="hour_range"),
        CheckConstraint("every_days >= 1", name="every_days_positive"),
    )

    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=False)
    hour: Mapped[int] = mapped_column(default=DEFAULT_HOUR)  # local hour (CRM_TIMEZONE)
    every_days: Mapped[int] = mapped_column(default=DEFAULT_EVERY_DAYS)
    last_run_on: Mapped[date | None] = mapped_column(Date)  # the local day the last run claimed
    last_run_at: Mapped[datetime | None]  # naive UTC
    last_result: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


def survey_closed(survey: Survey, now: datetime) -> bool:
    """Closed, or past its closing date (`now`: naive UTC)."""
    return survey.state == "closed" or (survey.closes_at is not None and survey.closes_at <= now)


def schedule_of(survey: Survey) -> ReminderSchedule:
    """The survey's schedule, or an unsaved one with the defaults (off, 9:00, every 3 days)."""
    found = db.session.get(ReminderSchedule, survey.id)
    return found or ReminderSchedule(survey_id=survey.id, enabled=False, hour=DEFAULT_HOUR,
                                     every_days=DEFAULT_EVERY_DAYS, last_result={})


class ScheduleError(ValueError):
    """A setting that cannot be saved; the message is for staff (Spanish)."""


def save_schedule(survey: Survey, *, enabled: bool, hour: int, every_days: int, actor=None) -> ReminderSchedule:
    """Stores the survey's daily-reminder settings (audited). A closed survey cannot have it switched on."""
    if not 0 <= hour <= 23:
        raise ScheduleError("La hora debe estar entre 0 y 23.")
    if not 1 <= every_days <= MAX_EVERY_DAYS:
        raise ScheduleError(f"El número de días debe estar entre 1 y {MAX_EVERY_DAYS}.")
    if enabled and survey_closed(survey, utcnow()):
        raise ScheduleError("La encuesta está cerrada: no se pueden programar recordatorios.")
    schedule = db.session.get(ReminderSchedule, survey.id)
    if schedule is None:
        schedule = ReminderSchedule(survey_id=survey.id, last_result={})
        db.session.add(schedule)
    schedule.enabled, schedule.hour, schedule.every_days = enabled, hour, every_days
    schedule.updated_at = utcnow()
    schedule.updated_by_id = getattr(actor, "id", None)
    audit.record(actor, "surveys.remind_schedule", ("Survey", survey.id),
                 {"enabled": enabled, "hour": hour, "every_days": every_days})
    db.session.commit()
    return schedule


def next_run(schedule: ReminderSchedule, survey: Survey, now: datetime | None = None) -> datetime | None:
    """When the next run will send (naive UTC, for the pages' `fecha_hora`), or None: off, closed, a draft (it
    waits for the survey to open), or the survey closes first. `now`: aware, or naive UTC (default: now)."""
    now_utc = _naive_utc(now)
    if not schedule.enabled or survey.state != "open" or survey_closed(survey, now_utc):
        return None
    local = now_utc.replace(tzinfo=UTC).astimezone(local_tz())
    today = local.date()
    if schedule.last_run_on is not None and schedule.last_run_on >= today:
        at = to_utc_naive(datetime.combine(today + timedelta(days=1), time(schedule.hour)))
    elif local.hour < schedule.hour:
        at = to_utc_naive(datetime.combine(today, time(schedule.hour)))
    else:  # due now: the next hourly check
        at = (now_utc + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    if survey.closes_at is not None and survey.closes_at <= at:
        return None
    return at


def _naive_utc(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now


@dataclass
class ResultView:
    """The last run's result as the page writes it."""

    when: datetime | None
    text: str
    reasons: list[tuple[str, int]]


def describe_result(schedule: ReminderSchedule) -> ResultView | None:
    result = schedule.last_result or {}
    if schedule.last_run_at is None and not result:
        return None
    if result.get("closed"):
        return ResultView(schedule.last_run_at, "No se envió nada: la encuesta ya estaba cerrada, así que el "
                                                "recordatorio diario se desactivó.", [])
    if result.get("error"):
        return ResultView(schedule.last_run_at, "No se envió nada: no se pudo conectar con el servidor de correo "
                                                f"({result['error']}). Se reintentará en la próxima hora.", [])
    sent, failed = int(result.get("sent", 0)), int(result.get("failed", 0))
    skipped = {str(k): int(v) for k, v in (result.get("skipped") or {}).items()}
    text = (f"{sent} {'recordatorio enviado' if sent == 1 else 'recordatorios enviados'}; "
            f"{sum(skipped.values())} {'persona omitida' if sum(skipped.values()) == 1 else 'personas omitidas'}")
    if failed:
        text += f"; {failed} {'correo no se pudo enviar' if failed == 1 else 'correos no se pudieron enviar'}"
    reasons = sorted(((_sentence(REASONS.get(key, key)), count) for key, count in skipped.items() if count),
                     key=lambda r: -r[1])
    return ResultView(schedule.last_run_at, text + ".", reasons)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
