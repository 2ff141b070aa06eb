"""Import jobs from the web: the uploaded file, its state, and the tasks that validate and write it.

A job is named by its owner and a random token: `instance/uploads/<user id>-<token>` is the upload and
`<user id>-<token>.estado.json` beside it is its state, written by the tasks and read by the status page
(no database table). The state says the phase ("en cola", "leyendo", "validando", "revisado",
"con errores", "escribiendo", "terminado", "falló"), the step ("revision" or "escritura"), rows done and
total, and the outcome (summary, per-row problems, or a message).

Both tasks are idempotent: each starts only from the phase that enqueued it; writing is claimed once
with a file created exclusively (a second confirmation or a retried task does nothing), and the write
itself is one transaction (nothing is written when it fails). Uploads not confirmed are purged after a
day, at each new upload and hourly by the consumer.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from huey import crontab

from crm.core import audit
from crm.core.errors import DomainError, ImportProblems
from crm.core.extensions import db
from crm.core.tabular import TableError, read_table
from crm.core.tasks import app_context, huey

TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}\.(csv|xlsx)$")
_JOB_FILE = re.compile(r"^(\d{1,12}-[A-Za-z0-9_-]{20,60}\.(?:csv|xlsx))(\..+)?$")
MAX_AGE = timedelta(days=1)
SAVE_EVERY = 0.5  # seconds between two progress records
SAMPLE_ROWS = 10

RUNNING = ("en cola", "leyendo", "validando", "escribiendo")
FAILED_UNEXPECTEDLY = ("Ocurrió un error inesperado en el servidor y no se guardó nada. Intente de nuevo; "
                       "si el problema continúa, avise a la persona que administra el sistema.")


@dataclass
class Outcome:
    summary: str  # Spanish, e.g. "2 personas nuevas y 0 actualizadas"
    to_write: int | None  # what the write step counts in its progress (None: it reports none)


@dataclass
class Kind:
    title: str
    columns: str
    run: Callable  # (table, actor, dry_run, filename, progress) -> Outcome
    back: str
    back_label: str
    back_args: dict = field(default_factory=dict)
    counts_rows: bool = False  # the validation reports its progress row by row


def _contacts(table, actor, dry_run, filename, progress):
    from crm.contacts.imports.pipeline import import_contacts

    # Validation counts rows checked; writing counts the database rows written (write_progress).
    if dry_run:
        options = {"progress": progress}
    else:
        options = {"write_progress": progress.set if progress is not None else None}
    result = import_contacts(table, actor=actor, dry_run=dry_run, filename=filename, **options)
    return Outcome(f"{result.created} personas nuevas y {result.updated} actualizadas", None)


def _activities(table, actor, dry_run, filename, progress):
    from crm.events.services import import_activities

    result = import_activities(table, dry_run=dry_run, actor=actor, source=filename,
                               progress=None if dry_run else progress)
    return Outcome(f"{result.created} actividades nuevas y {result.skipped} ya registradas (se omiten)",
                   result.created)


def _requests(table, actor, dry_run, filename, progress):
    from crm.events.services import import_requests

    result = import_requests(table, dry_run=dry_run, actor=actor, source=filename,
                             progress=None if dry_run else progress)
    return Outcome(f"{result.created} gestiones nuevas, {result.updated} actualizadas y {result.skipped} ya "
                   "registradas (se omiten)", result.created + result.updated)


KINDS = {
    "contactos": Kind("Importar personas", "nombre, primer_apellido, segundo_apellido, sexo, correo, telefono, "
                      "pais_residencia, estado, ciudad, alcaldia, red, organizacion, cargo, idioma, consentimiento",
                      _contacts, "contacts.people", "Ver la lista de personas", counts_rows=True),
    "actividades": Kind("Importar actividades realizadas", "fecha, accion, titulo, tipo, modalidad, organizaciones",
                        _activities, "events.activities", "Ver las actividades realizadas"),
    "gestiones": Kind("Importar gestiones", "recibida, atendida, solicitante, asunto, accion", _requests,
                      "events.requests_list", "Ver las gestiones"),
}


def resolve_kind(kind: str) -> Kind | None:
    if kind in KINDS:
        return KINDS[kind]
    match = re.fullmatch(r"encuesta-(\d{1,12})", kind or "")
    if match:
        return _responses_kind(int(match.group(1)))
    return None


def _responses_kind(survey_id: int) -> Kind | None:
    """Responses collected elsewhere (paper, another tool) for one survey; progress by phase only."""
    from surveys.models import Survey
    from surveys.responses.imports import import_responses

    survey = db.session.get(Survey, survey_id)
    if survey is None:
        return None
    columns = ", ".join(["submitted_at"] + [q.name for q in survey.answerable_questions if q.name])

    def run(table, actor, dry_run, filename, progress):
        report = import_responses(survey, table, dry_run=dry_run, actor=actor, source=filename)
        return Outcome(f"{report.imported} respuestas", None)

    return Kind(f"Importar respuestas: {survey.title}", columns, run, "surveys.detail", "Volver a la encuesta",
                {"survey_id": survey.id})


# --- the job's files -----------------------------------------------------------------------------


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def new_token(filename: str) -> str:
    return f"{secrets.token_urlsafe(24)}{Path(filename or '').suffix.lower()}"


class Job:
    def __init__(self, owner_id: int, token: str) -> None:
        self.owner_id, self.token = owner_id, token
        self.upload = upload_folder() / f"{owner_id}-{token}"
        self.state_file = self.upload.with_name(self.upload.name + ".estado.json")
        self.confirmed = self.upload.with_name(self.upload.name + ".confirmado")
        self.writing = self.upload.with_name(self.upload.name + ".escribiendo")

    @classmethod
    def find(cls, owner_id: int, token: str) -> Job | None:
        """The owner's job with this token, or None (a malformed token, another user's job, purged)."""
        if not TOKEN.match(token or ""):
            return None
        job = cls(owner_id, token)
        return job if job.state_file.exists() else None

    def load(self) -> dict | None:
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None

    def save(self, state: dict) -> None:
        state["updated"] = datetime.now(UTC).isoformat(timespec="seconds")
        temporary = self.state_file.with_name(f"{self.state_file.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(state, ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, self.state_file)  # readers see the old state or the new one, never half

    def claim(self, marker: Path) -> bool:
        """Create the marker file if it does not exist yet: True for exactly one caller."""
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        return True


def start(owner_id: int, kind: str, token: str, filename: str, address: str | None = None) -> Job:
    """Record a new job for a saved upload and enqueue its validation (`address`: the uploader's, for the
    audit log of what the tasks do on their behalf)."""
    job = Job(owner_id, token)
    job.save({"kind": kind, "owner": owner_id, "filename": filename, "address": address,
              "phase": "en cola", "step": "revision",
              "done": 0, "total": None, "rows": None, "created": datetime.now(UTC).isoformat(timespec="seconds")})
    validate_import(owner_id, token)
    return job


def confirm(job: Job, state: dict, address: str | None = None) -> bool:
    """Enqueue the write of a validated job, once; False when it was already confirmed (or is not ready)."""
    if state.get("phase") != "revisado" or not job.claim(job.confirmed):
        return False
    state.update(phase="en cola", step="escritura", done=0, total=state.get("to_write"),
                 address=address or state.get("address"))
    job.save(state)
    write_import(job.owner_id, job.token)
    return True


# --- progress ------------------------------------------------------------------------------------


class _Progress:
    """progress(n) callback for the importers: n more rows (records) done; or progress.set(done, total).
    Recorded at most every SAVE_EVERY seconds, so that 100,000 rows cost a few dozen small writes."""

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


def _phase(job: Job, state: dict, phase: str, **values) -> None:
    state.update(phase=phase, **values)
    job.save(state)


# --- the tasks -----------------------------------------------------------------------------------


def _run_step(owner_id: int, token: str, step: str, body: Callable[[Job, dict, Kind, object], None]) -> None:
    """One task's step of a job, in an application context: only from the phase that queued it (a retried
    or duplicated task does nothing), the writing step claimed once, audited with the asking request's
    address; an unexpected error rolls back and shows "falló"."""
    with app_context():
        job = Job(owner_id, token)
        state = job.load()
        if not state or state.get("phase") != "en cola" or state.get("step") != step:
            return  # already done (a retried task) or purged
        if step == "escritura" and not job.claim(job.writing):
            return  # this job's write already ran or is running
        try:
            from crm.auth.models import User

            spec, actor = resolve_kind(state["kind"]), db.session.get(User, job.owner_id)
            if spec is None or actor is None:
                _phase(job, state, "falló", message=_gone(spec, actor))
                return
            with audit.client_address(state.get("address")):
                body(job, state, spec, actor)
        except Exception:
            db.session.rollback()
            current_app.logger.exception("import job %s-%s: %s failed", owner_id, token, step)
            _phase(job, state, "falló", message=FAILED_UNEXPECTEDLY)


@huey.task(name="importar.revisar")
def validate_import(owner_id: int, token: str) -> None:
    """Dry run: read the file, validate every row, record the preview or the problems."""
    _run_step(owner_id, token, "revision", _validate)


def _validate(job: Job, state: dict, spec: Kind, actor) -> None:
    _phase(job, state, "leyendo")
    if not job.upload.exists():
        _phase(job, state, "falló", message="El archivo subido ya no está en el servidor (los archivos sin "
                                            "confirmar se eliminan después de un día). Súbalo de nuevo.")
        return
    try:
        table = read_table(job.upload)
    except TableError as exc:
        _phase(job, state, "con errores", problems=[str(exc)])
        return
    header = list(table.header)
    _phase(job, state, "validando", done=0, total=len(table.rows) if spec.counts_rows else None,
           rows=len(table.rows), header=header,
           sample=[[number, [cells.get(h, "") for h in header]] for number, cells in table.rows[:SAMPLE_ROWS]])
    try:
        outcome = spec.run(table, actor, True, state["filename"], _Progress(job, state) if spec.counts_rows else None)
    except ImportProblems as exc:
        db.session.rollback()
        _phase(job, state, "con errores", problems=exc.problems)
        return
    except DomainError as exc:  # e.g. the data changed under the import: nothing was written
        db.session.rollback()
        _phase(job, state, "con errores", problems=[str(exc)])
        return
    _phase(job, state, "revisado", summary=outcome.summary, to_write=outcome.to_write)


@huey.task(name="importar.escribir")
def write_import(owner_id: int, token: str) -> None:
    """The confirmed import: all rows in one transaction, or nothing."""
    _run_step(owner_id, token, "escritura", _write)


def _write(job: Job, state: dict, spec: Kind, actor) -> None:
    _phase(job, state, "escribiendo", done=0, total=state.get("to_write"))
    try:
        table = read_table(job.upload)
    except TableError:
        _phase(job, state, "falló", message="No se pudo leer de nuevo el archivo subido y no se guardó nada. "
                                            "Súbalo otra vez.")
        return
    try:
        outcome = spec.run(table, actor, False, state["filename"], _Progress(job, state))
    except ImportProblems as exc:
        db.session.rollback()
        _phase(job, state, "con errores", problems=exc.problems)
        return
    except DomainError as exc:
        db.session.rollback()
        _phase(job, state, "falló", message=f"No se guardó nada: {exc}.")
        return
    job.upload.unlink(missing_ok=True)
    _phase(job, state, "terminado", summary=outcome.summary, done=state.get("total") or state.get("done", 0))


def _gone(spec: Kind | None, actor) -> str:
    if spec is None:
        return "La encuesta a la que se importaban las respuestas ya no existe; no se guardó nada."
    return "La cuenta que subió el archivo ya no existe; no se guardó nada."


# --- clean-up ------------------------------------------------------------------------------------


def purge_uploads(folder: Path, max_age: timedelta = MAX_AGE, now: float | None = None) -> int:
    """Delete the jobs (upload, state, markers) untouched for max_age; returns how many were deleted.
    A job's age is that of its newest file, so a job still recording progress is kept."""
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    jobs: dict[str, list[tuple[Path, float]]] = {}
    for entry in os.scandir(folder):
        if not entry.is_file(follow_symlinks=False):
            continue
        match = _JOB_FILE.match(entry.name)
        try:
            modified = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        jobs.setdefault(match.group(1) if match else entry.name, []).append((Path(entry.path), modified))
    purged = 0
    for files in jobs.values():
        if max(modified for _, modified in files) < cutoff:
            for path, _ in files:
                path.unlink(missing_ok=True)
            purged += 1
    return purged


@huey.periodic_task(crontab(minute="17"), name="importar.limpiar")
def purge_uploads_hourly() -> None:
    with app_context():
        purged = purge_uploads(upload_folder())
        if purged:
            current_app.logger.info("import uploads purged: %s job(s) older than %s", purged, MAX_AGE)
