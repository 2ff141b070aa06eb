"""Imports from the web: upload, then a status page that shows the progress of the validation (a task),
the preview with per-row problems, the confirmation, the progress of the write (another task) and the
result. Same services as the CLI; the jobs are in crm/imports/jobs.py, their tasks in crm/imports/tasks.py.

The status page works without JavaScript: while a task runs it answers with a `Refresh: 2` header
unless the person turned automatic refresh off (a check box on the upload form, a link on the page), so
whoever uses a screen reader can avoid a page that reloads by itself (WCAG 2.2.1).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField

from crm.auth.permissions import permission_required
from crm.core.tabular import csv_bytes
from crm.imports import tasks
from crm.imports.jobs import RUNNING, Job, Phase, Step, new_token, problems_of, purge_uploads, upload_folder
from crm.imports.kinds import Kind, resolve_kind
from crm.imports.templates import template_filename, template_xlsx

bp = Blueprint("imports", __name__, url_prefix="/importar")
REFRESH_SECONDS = 2
LONG_WAIT = 60  # seconds in the queue before the page suggests the consumer may not be running
INTERRUPTED_AFTER = 15 * 60  # seconds without progress news before a running job counts as interrupted
INTERRUPTED = ("El proceso se interrumpió en el servidor (por ejemplo, porque se reinició) y no se guardó "
               "nada. Suba el archivo de nuevo.")


class UploadForm(FlaskForm):
    file = FileField("Archivo CSV o XLSX", validators=[
        FileRequired("Elija un archivo."), FileAllowed(["csv", "xlsx"], "Use un archivo .csv o .xlsx.")])
    auto = BooleanField(
        f"Actualizar la página de avance cada {REFRESH_SECONDS} segundos", default=True,
        description="Desmarque esta casilla si usa un lector de pantalla o prefiere actualizar la página "
                    "usted con el enlace «Actualizar».")


class ConfirmImportForm(FlaskForm):
    token = HiddenField()


def _kind(kind: str) -> Kind:
    spec = resolve_kind(kind)
    if spec is None:
        abort(404)
    return spec


def _job(kind: str, token: str) -> tuple[Job, dict]:
    """The logged-in person's job of this kind; 404 for anyone else's, a malformed token or a purged job."""
    job = Job.find(current_user.id, token)
    state = job.load() if job else None
    if state is None or state.get("kind") != kind:
        abort(404)
    return job, state


def _auto() -> bool:
    return request.values.get("auto") != "0"


@bp.route("/<kind>", methods=["GET", "POST"])
@permission_required("import_data")
def upload(kind: str):
    spec = _kind(kind)
    form = UploadForm()
    if form.validate_on_submit():
        folder = upload_folder()
        purge_uploads(folder)
        upload_file = form.file.data
        filename = (upload_file.filename or "archivo")[:200].encode("utf-8", "replace").decode("utf-8")
        token = new_token(filename)
        upload_file.save(folder / f"{current_user.id}-{token}")
        tasks.start(current_user.id, kind, token, filename, address=request.remote_addr)
        return redirect(url_for(".preview", kind=kind, token=token, auto=None if form.auto.data else "0"))
    return render_template("imports/upload.html", form=form, spec=spec, kind=kind), (422 if form.errors else 200)


@bp.get("/<kind>/plantilla.xlsx")
@permission_required("import_data")
def template(kind: str):
    """The kind's template: the header row the importer reads, an example row, and a sheet describing each
    column."""
    spec = _kind(kind)
    if not spec.fields:
        abort(404)
    filename = re.sub(r"[^A-Za-z0-9_.-]+", "-", template_filename(spec, kind))
    return Response(template_xlsx(spec), headers={"Content-Disposition": f'attachment; filename="{filename}"'},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/<kind>/revisar/<token>")
@permission_required("import_data")
def preview(kind: str, token: str):
    """The job's page: progress while a task runs, then the preview or the problems, then the result."""
    spec = _kind(kind)
    _, state = _job(kind, token)
    quiet = _seconds_since(state.get("updated"))
    running = state["phase"] in RUNNING
    if running and state["phase"] != Phase.QUEUED and quiet > INTERRUPTED_AFTER:
        # no news from the task for that long: its consumer stopped mid-way and its transaction was rolled back
        state = dict(state, phase=Phase.FAILED, message=INTERRUPTED)
        running = False
    auto = _auto()
    page = render_template("imports/status.html", spec=spec, kind=kind, token=token, state=state,
                           running=running, auto=auto, refresh_seconds=REFRESH_SECONDS,
                           long_wait=state["phase"] == Phase.QUEUED and quiet > LONG_WAIT,
                           form=ConfirmImportForm(token=token), problems=problems_of(state), number=_number, Phase=Phase, Step=Step)
    response = Response(page)
    if running and auto:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/<kind>/revisar/<token>/problemas.csv")
@permission_required("import_data")
def problems_report(kind: str, token: str):
    _kind(kind)
    _, state = _job(kind, token)
    rows = [["" if problem.row is None else problem.row, problem.column or "", problem.message]
            for problem in problems_of(state)]
    return Response(csv_bytes(["fila", "columna", "problema"], rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="problemas-{kind}.csv"'})


@bp.post("/<kind>/confirmar")
@permission_required("import_data")
def confirm(kind: str):
    _kind(kind)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    token = form.token.data or ""
    job, state = _job(kind, token)
    tasks.confirm(job, state, address=request.remote_addr)  # a second confirmation finds it confirmed: no-op
    return redirect(url_for(".preview", kind=kind, token=token, auto=None if _auto() else "0"))


def _seconds_since(moment: str | None) -> float:
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds()
    except (TypeError, ValueError):
        return 0.0


def _number(value) -> str:
    """12345 -> "12,345" (thousands separated by commas, as written in Mexico)."""
    return f"{int(value or 0):,}"
