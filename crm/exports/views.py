"""The page of a background export: progress while its task runs, then the download.

The page works without JavaScript: while the task runs it answers with a `Refresh` header unless the
person turned automatic refresh off (a link on the page; WCAG 2.2.1), as the imports' page does. Only the
person who asked for the export, and administrators, may see it or download the file (anyone else gets
404); every download is audited.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, abort, render_template, request, send_file
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.auth.roles import Role
from crm.exports import service
from crm.exports.jobs import RUNNING, ExportJob, Phase
from crm.exports.kinds import export_kind

bp = Blueprint("exports", __name__, url_prefix="/exportaciones")
REFRESH_SECONDS = 2
LONG_WAIT = 60  # seconds in the queue before the page suggests the consumer may not be running
INTERRUPTED_AFTER = 15 * 60  # seconds without progress news before a running job counts as interrupted
INTERRUPTED = "El proceso se interrumpió en el servidor (por ejemplo, porque se reinició). Pida la exportación de nuevo."
MIMETYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _job(token: str) -> tuple[ExportJob, dict]:
    """The job, if the logged-in person asked for it or administers the system; 404 otherwise."""
    job = ExportJob.find(token)
    state = job.load() if job else None
    if state is None or (state.get("owner") != current_user.id and current_user.role != Role.ADMIN):
        abort(404)
    return job, state


def _seconds_since(moment: str | None) -> float:
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(moment)).total_seconds()
    except (TypeError, ValueError):
        return 0.0


@bp.get("/<token>")
@permission_required("export_data")
def status(token: str):
    job, state = _job(token)
    quiet = _seconds_since(state.get("updated"))
    running = state["phase"] in RUNNING
    if state["phase"] == Phase.WRITING and quiet > INTERRUPTED_AFTER:
        state = dict(state, phase=Phase.FAILED, message=INTERRUPTED)
        running = False
    ready = state["phase"] == Phase.DONE and job.file(state["format"]).exists()
    auto = request.args.get("auto") != "0"
    spec = export_kind(state.get("kind", ""))
    page = render_template("exports/status.html", token=token, state=state, title=spec.title if spec else "Exportación",
                           running=running, ready=ready, auto=auto, refresh_seconds=REFRESH_SECONDS, Phase=Phase,
                           long_wait=state["phase"] == Phase.QUEUED and quiet > LONG_WAIT, number=_number)
    response = Response(page)
    if running and auto:
        response.headers["Refresh"] = str(REFRESH_SECONDS)
    return response


@bp.get("/<token>/descargar")
@permission_required("export_data")
def download(token: str):
    job, state = _job(token)
    path = job.file(state["format"]) if state.get("format") in MIMETYPES else None
    if state["phase"] != Phase.DONE or path is None or not path.exists():
        abort(404)
    service.record_download(state, actor=current_user)
    return send_file(path, mimetype=MIMETYPES[state["format"]], as_attachment=True,
                     download_name=state.get("filename") or path.name, max_age=0)


def _number(value) -> str:
    """12345 -> "12,345" (thousands separated by commas, as written in Mexico)."""
    return f"{int(value or 0):,}"
