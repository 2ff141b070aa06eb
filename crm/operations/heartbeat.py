"""The task consumer's heartbeat: a periodic task writes the time into the queue's own key-value storage
(the SQLite tasks file or Redis, which the web processes already reach), and `/salud` reads it. A consumer
that stopped, or never started, shows as `stale` once the last beat is older than
`CRM_HEARTBEAT_STALE_SECONDS`.

The consumer also beats when it starts, so a fresh worker is `ok` at once rather than at the next minute.
"""

from __future__ import annotations

import logging
import time

from huey import crontab

from crm.core.tasks import huey

KEY = "vinculo:latido"
log = logging.getLogger(__name__)


def beat(now: float | None = None) -> None:
    huey.put(KEY, now if now is not None else time.time())


def last_beat() -> float | None:
    """When the consumer last beat (epoch seconds), or None if never or if the storage cannot be read."""
    try:
        value = huey.get(KEY, peek=True)
    except Exception:  # noqa: BLE001 — an unreachable queue reads as "no beat": the check says stale
        log.warning("no se pudo leer el latido del consumidor de tareas", exc_info=True)
        return None
    return float(value) if isinstance(value, (int, float)) else None


def state(stale_after: float, *, immediate: bool = False, now: float | None = None) -> str:
    """"ok" when the consumer beat within `stale_after` seconds, else "stale". In immediate mode (tests,
    CRM_TASKS_IMMEDIATE) tasks run inside each request: no consumer is needed, so it is always "ok"."""
    if immediate:
        return "ok"
    last = last_beat()
    current = now if now is not None else time.time()
    return "ok" if last is not None and current - last <= stale_after else "stale"


@huey.periodic_task(crontab(minute="*"), name="operaciones.latido")
def heartbeat_task() -> None:
    beat()


@huey.on_startup(name="operaciones.latido_inicio")
def _beat_at_start() -> None:
    try:
        beat()
    except Exception:  # noqa: BLE001 — never keep a worker thread from starting
        log.warning("no se pudo registrar el latido inicial", exc_info=True)
