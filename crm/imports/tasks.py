"""The tasks of an import job: validate (a dry run), then, once confirmed, write; and the hourly clean-up.

Both steps are idempotent: each starts only from the phase that enqueued it; writing is claimed once
with a file created exclusively (a second confirmation or a retried task does nothing), and the write
itself is one transaction (nothing is written when it fails).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime

from flask import current_app
from huey import crontab

from crm.auth.models import User
from crm.core import audit
from crm.core.errors import DomainError, ImportProblems, Problem
from crm.core.extensions import db
from crm.core.tabular import TableError, read_table
from crm.core.tasks import app_context, huey
from crm.imports.jobs import MAX_AGE, Job, Phase, Step, purge_uploads, upload_folder
from crm.imports.kinds import Kind, gone_reason, resolve_kind

SAVE_EVERY = 0.5  # seconds between two progress records
SAMPLE_ROWS = 10
FAILED_UNEXPECTEDLY = ("Ocurrió un error inesperado en el servidor y no se guardó nada. Intente de nuevo; "
                       "si el problema continúa, avise a la persona que administra el sistema.")
ACCOUNT_GONE = "La cuenta que subió el archivo ya no existe; no se guardó nada."


def start(owner_id: int, kind: str, token: str, filename: str, address: str | None = None) -> Job:
    """Record a new job for a saved upload and enqueue its validation (`address`: the uploader's, for the
    audit log of what the tasks do on their behalf)."""
    job = Job(owner_id, token)
    job.save({"kind": kind, "owner": owner_id, "filename": filename, "address": address,
              "phase": Phase.QUEUED, "step": Step.REVIEW,
              "done": 0, "total": None, "rows": None, "created": datetime.now(UTC).isoformat(timespec="seconds")})
    validate_import(owner_id, token)
    return job


def confirm(job: Job, state: dict, address: str | None = None) -> bool:
    """Enqueue the write of a validated job, once; False when it was already confirmed (or is not ready)."""
    if state.get("phase") != Phase.REVIEWED or not job.claim(job.confirmed):
        return False
    state.update(phase=Phase.QUEUED, step=Step.WRITE, done=0, total=state.get("to_write"),
                 address=address or state.get("address"))
    job.save(state)
    write_import(job.owner_id, job.token)
    return True


class _Progress:
    """The kinds' Progress: recorded at most every SAVE_EVERY seconds, so that 100,000 rows cost a few
    dozen small writes."""

    def __init__(self, job: Job, state: dict) -> None:
        self.job, self.state, self.last = job, state, time.monotonic()

    def __call__(self, count: int) -> None:
        self.state["done"] = (self.state.get("done") or 0) + count
        self._save()

    def set(self, done: int, total: int) -> None:
        """(done, total) callbacks, for steps that learn their total as they start."""
        first = self.state.get("total") != total
        self.state.update(done=done, total=total)
        self._save(force=first)

    def _save(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self.last >= SAVE_EVERY:
            self.last = now
            self.job.save(self.state)


def _phase(job: Job, state: dict, phase: Phase, **values) -> None:
    state.update(phase=phase, **values)
    job.save(state)


def _problems(problems: list[Problem]) -> list[dict]:
    """As the state file keeps them: {row, column, message}."""
    return [asdict(problem) for problem in problems]


def _run_step(owner_id: int, token: str, step: Step, body: Callable[[Job, dict, Kind, User], None]) -> None:
    """One task's step of a job, in an application context: only from the phase that queued it (a retried
    or duplicated task does nothing), the writing step claimed once, audited with the asking request's
    address; an unexpected error rolls back and shows that it failed."""
    with app_context():
        job = Job(owner_id, token)
        state = job.load()
        if not state or state.get("phase") != Phase.QUEUED or state.get("step") != step:
            return  # already done (a retried task) or purged
        if step == Step.WRITE and not job.claim(job.writing):
            return  # this job's write already ran or is running
        try:
            spec, actor = resolve_kind(state["kind"]), db.session.get(User, job.owner_id)
            if spec is None or actor is None:
                reason = gone_reason(state["kind"]) if spec is None else ACCOUNT_GONE
                _phase(job, state, Phase.FAILED, message=reason)
                return
            with audit.client_address(state.get("address")):
                body(job, state, spec, actor)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("import job %s-%s: %s failed", owner_id, token, step)
            _phase(job, state, Phase.FAILED, message=FAILED_UNEXPECTEDLY)


@huey.task(name="importar.revisar")
def validate_import(owner_id: int, token: str) -> None:
    """Dry run: read the file, validate every row, record the preview or the problems."""
    _run_step(owner_id, token, Step.REVIEW, _validate)


def _validate(job: Job, state: dict, spec: Kind, actor: User) -> None:
    _phase(job, state, Phase.READING)
    if not job.upload.exists():
        _phase(job, state, Phase.FAILED, message="El archivo subido ya no está en el servidor (los archivos "
                                                 "sin confirmar se eliminan después de un día). Súbalo de nuevo.")
        return
    try:
        table = read_table(job.upload)
    except TableError as exc:
        _phase(job, state, Phase.INVALID, problems=_problems([Problem(None, None, str(exc))]))
        return
    header = list(table.header)
    _phase(job, state, Phase.VALIDATING, done=0, total=len(table.rows) if spec.counts_rows else None,
           rows=len(table.rows), header=header,
           sample=[[number, [cells.get(h, "") for h in header]] for number, cells in table.rows[:SAMPLE_ROWS]])
    try:
        outcome = spec.run(table, actor, True, state["filename"], _Progress(job, state) if spec.counts_rows else None)
    except ImportProblems as exc:
        db.session.rollback()
        _phase(job, state, Phase.INVALID, problems=_problems(exc.problems))
        return
    except DomainError as exc:  # e.g. the data changed under the import: nothing was written
        db.session.rollback()
        _phase(job, state, Phase.INVALID, problems=_problems([Problem(None, None, str(exc))]))
        return
    _phase(job, state, Phase.REVIEWED, summary=outcome.summary, to_write=outcome.to_write)


@huey.task(name="importar.escribir")
def write_import(owner_id: int, token: str) -> None:
    """The confirmed import: all rows in one transaction, or nothing."""
    _run_step(owner_id, token, Step.WRITE, _write)


def _write(job: Job, state: dict, spec: Kind, actor: User) -> None:
    _phase(job, state, Phase.WRITING, done=0, total=state.get("to_write"))
    try:
        table = read_table(job.upload)
    except TableError:
        _phase(job, state, Phase.FAILED, message="No se pudo leer de nuevo el archivo subido y no se guardó "
                                                 "nada. Súbalo otra vez.")
        return
    try:
        outcome = spec.run(table, actor, False, state["filename"], _Progress(job, state))
    except ImportProblems as exc:
        db.session.rollback()
        _phase(job, state, Phase.INVALID, problems=_problems(exc.problems))
        return
    except DomainError as exc:
        db.session.rollback()
        _phase(job, state, Phase.FAILED, message=f"No se guardó nada: {exc}.")
        return
    job.upload.unlink(missing_ok=True)
    _phase(job, state, Phase.DONE, summary=outcome.summary, done=state.get("total") or state.get("done", 0))


@huey.periodic_task(crontab(minute="17"), name="importar.limpiar")
def purge_uploads_hourly() -> None:
    with app_context():
        purged = purge_uploads(upload_folder())
        if purged:
            current_app.logger.info("import uploads purged: %s job(s) older than %s", purged, MAX_AGE)
