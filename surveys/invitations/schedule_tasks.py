"""The surveys' daily reminders on the task queue: a Huey periodic task that wakes at the top of every hour and
runs what is due (surveys.invitations.schedule_run.run_due).

Huey's crontab fires on the consumer's clock (UTC on a server), so the task does not pin the hour: like
crm.core.schedule's daily jobs it asks, each hour, whether each survey's local hour (CRM_TIMEZONE) has come
today, and catches up after a stopped consumer. The once-per-day claim is in the database (a row per survey),
not in the queue's storage, so it holds with two consumers on different machines. Imported by the invitations
views, which the app factory imports: a consumer (`huey_consumer wsgi.huey`) knows the task once the app is
built.
"""

from __future__ import annotations

from huey import crontab

from crm.core.tasks import app_context, huey
from surveys.invitations.schedule_run import run_due

TASK_NAME = "encuestas.recordatorios_diarios"


@huey.periodic_task(crontab(minute="0"), name=TASK_NAME)
def daily_reminders() -> None:
    with app_context():
        run_due()
