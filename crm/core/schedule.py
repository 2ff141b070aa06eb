"""Daily jobs at a local hour: "run this every day at local hour H, at most once per local day".

Huey's `periodic_task(crontab(...))` fires on the consumer's clock (UTC on a server), and a job that should
run "at 3 a.m. in Mexico City" must not depend on that, nor be lost when the consumer was stopped at 3:00.
So a daily job is a periodic task that wakes every few minutes and asks `run_if_due`:

- the hour comes from a configuration key read at every check (an int 0-23; empty or None disables the job);
- local time is CRM_TIMEZONE (America/Mexico_City by default, crm.core.timeutil);
- the job is due once the local hour is >= H and it has not run on this local day (a consumer that was down at
  H catches up when it comes back the same day; one started after H runs the same day);
- the local day is *claimed* in Huey's key-value storage (`put_if_empty`, atomic in every storage) before the
  job runs: with two consumers, or a check that overlaps the previous one, only one runs it. A job that fails
  is not retried until the next day (it records its own failure: audit log, logs).

Usage (in a package's tasks module, imported by the app factory so the consumer knows the task):

    from crm.core.schedule import daily_task

    @daily_task("respaldos.diario", "CRM_BACKUP_HOUR")
    def nightly_backup() -> None:   # runs inside an application context
        ...

`last_run_day(name)` tells when a job last ran (admin pages); `run_if_due(name, hour, job, now=...)` is the
testable core. Keep this API stable: several packages use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from flask import current_app
from huey import crontab

from crm.core.errors import ConfigurationError
from crm.core.tasks import app_context, huey
from crm.core.timeutil import local_tz

CHECK_MINUTES = 5  # how often a daily job's periodic task wakes up to look at the local clock
_KEY = "crm.schedule.{name}.{what}"


def parse_hour(value: object) -> int | None:
    """A configured local hour: None/"" -> None (the job is disabled); "3" or 3 -> 3; else ConfigurationError."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        hour = int(str(value).strip())
    except ValueError:
        raise ConfigurationError(f"la hora programada debe ser un número de 0 a 23: {value!r}") from None
    if not 0 <= hour <= 23:
        raise ConfigurationError(f"la hora programada debe estar entre 0 y 23: {value!r}")
    return hour


def configured_hour(setting: str) -> int | None:
    """The local hour named by the configuration key `setting` of the current app (None: disabled)."""
    return parse_hour(current_app.config.get(setting))


def local_now() -> datetime:
    """Now, as an aware datetime in CRM_TIMEZONE."""
    return datetime.now(local_tz())


def is_due(now: datetime, hour: int | None, last_day: date | None) -> bool:
    """Pure rule: a job at local `hour` is due at local time `now` when it has not run on now's day."""
    return hour is not None and now.hour >= hour and last_day != now.date()


def last_run_day(name: str) -> date | None:
    """The local day on which the daily job `name` last started (None: never, as far as this queue knows)."""
    value = huey.get(_KEY.format(name=name, what="last"), peek=True)
    return value if isinstance(value, date) else None


def run_if_due(name: str, hour: int | None, job: Callable[[], object], now: datetime | None = None) -> bool:
    """Run `job()` if the daily job `name` is due at local time `now` (default: the current local time).

    True when this call ran it. The day is claimed atomically first, so concurrent callers run it once; a job
    that raises has still used its day (the exception propagates to the caller, i.e. Huey's log)."""
    now = now or local_now()
    if not is_due(now, hour, last_run_day(name)):
        return False
    today = now.date()
    if not huey.put_if_empty(_KEY.format(name=name, what=today.isoformat()), True):
        return False  # another consumer claimed this day
    previous = last_run_day(name)
    huey.put(_KEY.format(name=name, what="last"), today)
    if previous is not None:  # keep one claim key per job, not one per day forever
        huey.delete(_KEY.format(name=name, what=previous.isoformat()))
    job()
    return True


def daily_task(name: str, hour_setting: str, *, check_minutes: int = CHECK_MINUTES
               ) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Decorator: run the function once per local day at the local hour in config key `hour_setting`.

    Registers a Huey periodic task `name` that wakes every `check_minutes` minutes (in the consumer) and calls
    the function inside an application context when it is due. The decorated function is returned unchanged
    (call it directly to run the job now); the periodic task is available as `function.periodic`."""
    if not 1 <= check_minutes <= 30 or 60 % check_minutes:
        raise ValueError("check_minutes must divide 60 (1-30)")

    def decorator(function: Callable[[], object]) -> Callable[[], object]:
        @huey.periodic_task(crontab(minute=f"*/{check_minutes}"), name=name)
        def _check() -> None:
            with app_context():
                run_if_due(name, configured_hour(hour_setting), function)

        function.periodic = _check  # type: ignore[attr-defined]
        return function

    return decorator
