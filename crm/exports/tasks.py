"""The task that writes an export job's file, and the hourly clean-up.

The task is idempotent: it starts only from the queued phase (a retried or repeated task does nothing),
writes to a partial file renamed when complete, and records progress at most every SAVE_EVERY seconds.
"""

from __future__ import annotations

import os
import time

from flask import current_app
from huey import crontab

from crm.auth.models import User
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.tabular import TableError
from crm.core.tasks import app_context, huey
from crm.exports.jobs import MAX_AGE, ExportJob, Phase, export_folder, purge_exports
from crm.exports.kinds import export_kind

SAVE_EVERY = 0.5  # seconds between two progress records
FAILED_UNEXPECTEDLY = ("Ocurrió un error inesperado en el servidor y no se generó el archivo. Intente de nuevo; "
                       "si el problema continúa, avise a la persona que administra el sistema.")
ACCOUNT_GONE = "La cuenta que pidió la exportación ya no existe; no se generó el archivo."
UNKNOWN_KIND = "Este tipo de exportación ya no existe; no se generó el archivo."


class _Progress:
    def __init__(self, job: ExportJob, state: dict) -> None:
        self.job, self.state, self.last = job, state, time.monotonic()

    def __call__(self, count: int) -> None:
        self.state["done"] = (self.state.get("done") or 0) + count
        now = time.monotonic()
        if now - self.last >= SAVE_EVERY:
            self.last = now
            self.job.save(self.state)


def _finish(job: ExportJob, state: dict, phase: Phase, **values) -> None:
    state.update(phase=phase, **values)
    job.save(state)


@huey.task(name="exportar.escribir")
def write_export(token: str) -> None:
    """Write the job's file through its kind, then mark it done (or failed, with one clear line)."""
    with app_context():
        job = ExportJob(token, export_folder())
        state = job.load()
        if not state or state.get("phase") != Phase.QUEUED:
            return  # already done (a retried task) or purged
        _finish(job, state, Phase.WRITING)
        spec, actor = export_kind(state["kind"]), db.session.get(User, state["owner"])
        if spec is None or actor is None:
            _finish(job, state, Phase.FAILED, message=UNKNOWN_KIND if spec is None else ACCOUNT_GONE)
            return
        fmt = state["format"]
        partial = job.partial(fmt)
        try:
            with audit.client_address(state.get("address")):
                rows = spec.write(state["params"], fmt, partial, actor, _Progress(job, state))
            os.replace(partial, job.file(fmt))
        except (DomainError, TableError) as exc:
            db.session.rollback()
            partial.unlink(missing_ok=True)
            _finish(job, state, Phase.FAILED, message=str(exc))
            return
        except Exception:
            db.session.rollback()
            partial.unlink(missing_ok=True)
            current_app.logger.exception("export job %s (%s) failed", token, state.get("kind"))
            _finish(job, state, Phase.FAILED, message=FAILED_UNEXPECTEDLY)
            return
        _finish(job, state, Phase.DONE, done=rows, total=rows, rows=rows)


@huey.periodic_task(crontab(minute="47"), name="exportar.limpiar")
def purge_exports_hourly() -> None:
    with app_context():
        purged = purge_exports(export_folder())
        if purged:
            current_app.logger.info("export files purged: %s job(s) older than %s", purged, MAX_AGE)
