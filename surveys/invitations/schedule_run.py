"""Running the surveys' daily reminders: which are due at a given moment, the atomic claim of a survey's local
day, and the run itself through `send_reminders` (the service of `surveys remind --after-days N`). The rules are
in surveys.invitations.schedule; the Huey task that calls `run_due` every hour is in schedule_tasks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import or_, select, update

from crm.core import audit, mail
from crm.core.extensions import db
from crm.core.schedule import is_due
from crm.core.timeutil import local_tz
from surveys.invitations.schedule import ReminderSchedule, survey_closed
from surveys.invitations.sending import send_reminders
from surveys.models import Survey

ACTOR = "recordatorio diario"
log = logging.getLogger(__name__)


@dataclass
class Run:
    survey_id: int
    result: dict


def _moments(now: datetime | None) -> tuple[datetime, datetime]:
    """(local aware, naive UTC) for `now` (aware; default: the current time)."""
    aware = (now or datetime.now(UTC)).astimezone(UTC)
    return aware.astimezone(local_tz()), aware.replace(tzinfo=None)


def run_due(now: datetime | None = None) -> list[Run]:
    """Runs every enabled schedule whose local hour has come today and that has not run today. `now` must be
    aware (tests inject it); returns the runs this call made (not those another consumer claimed)."""
    local, now_utc = _moments(now)
    rows = db.session.execute(
        select(ReminderSchedule.survey_id, ReminderSchedule.hour, ReminderSchedule.last_run_on)
        .join(Survey, Survey.id == ReminderSchedule.survey_id)
        .where(ReminderSchedule.enabled.is_(True), Survey.state != "draft")
        .order_by(ReminderSchedule.survey_id)).all()
    db.session.commit()  # end the read: each claim is its own short transaction
    runs = []
    for survey_id, hour, last_run_on in rows:
        if not is_due(local, hour, last_run_on):
            continue
        try:
            result = run_one(survey_id, local, now_utc)
        except Exception:  # one survey's failure must not stop the others; its day stays used (no retry storm)
            db.session.rollback()
            log.exception("falló el recordatorio diario de la encuesta %s", survey_id)
            continue
        if result is not None:
            runs.append(Run(survey_id, result))
    return runs


def claim(survey_id: int, local: datetime) -> tuple[bool, date | None]:
    """Claims the local day of `local` for the survey's schedule: (won, the previous `last_run_on`). One UPDATE
    whose WHERE re-checks everything (on, hour come, not run today), its row count saying who won: a concurrent
    claimer finds the row already updated (PostgreSQL re-evaluates the row after the winner commits; SQLite
    serializes writers)."""
    today = local.date()
    previous = db.session.scalar(select(ReminderSchedule.last_run_on).where(ReminderSchedule.survey_id == survey_id))
    won = db.session.execute(
        update(ReminderSchedule)
        .where(ReminderSchedule.survey_id == survey_id, ReminderSchedule.enabled.is_(True),
               ReminderSchedule.hour <= local.hour,
               or_(ReminderSchedule.last_run_on.is_(None), ReminderSchedule.last_run_on < today))
        .values(last_run_on=today)
        .execution_options(synchronize_session=False)).rowcount == 1
    db.session.commit()
    return won, previous


def _mail_problem() -> str | None:
    try:
        with mail.Session():
            return None
    except mail.MailError as exc:
        return str(exc)


def run_one(survey_id: int, local: datetime, now_utc: datetime) -> dict | None:
    """Claims today's run of one survey and does it; None when another run had claimed it."""
    won, previous = claim(survey_id, local)
    if not won:
        return None
    survey = db.session.get(Survey, survey_id)
    schedule = db.session.get(ReminderSchedule, survey_id)
    every_days = schedule.every_days
    if survey_closed(survey, now_utc):
        result: dict = {"closed": True}
        schedule.enabled = False  # never after the survey closes; the page says why
    elif problem := _mail_problem():
        result = {"error": problem[:300]}
        schedule.last_run_on = previous  # give the day back: the next hourly check tries again
        log.warning("recordatorio diario de la encuesta %s: %s", survey_id, problem)
    else:
        outcome = send_reminders(survey, actor=ACTOR, now=now_utc, interval=timedelta(days=every_days))
        result = {"sent": outcome.sent, "skipped": dict(outcome.skipped), "failed": outcome.bounced,
                  "every_days": every_days}
        schedule = db.session.get(ReminderSchedule, survey_id)
    schedule.last_run_at = now_utc
    schedule.last_result = result
    audit.record(ACTOR, "surveys.remind_scheduled", ("Survey", survey_id), result)
    db.session.commit()
    return result
