"""Imports from the web: upload, preview with per-row problems, confirm. Same services as the CLI."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField

from crm.auth.permissions import permission_required
from crm.errors import DomainError, ImportProblems
from crm.extensions import db
from crm.tabular import TableError, csv_bytes, read_table

bp = Blueprint("imports", __name__, url_prefix="/importar")
TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,60}\.(csv|xlsx)$")


@dataclass
class Kind:
    title: str
    columns: str
    run: Callable  # (table, actor, dry_run, filename) -> summary (Spanish)
    back: str
    back_args: dict = field(default_factory=dict)


def _contacts(table, actor, dry_run, filename):
    from crm.contacts.importer import import_contacts

    result = import_contacts(table, actor=actor, dry_run=dry_run, filename=filename)
    return f"{result.created} personas nuevas y {result.updated} actualizadas"


def _activities(table, actor, dry_run, filename):
    from crm.events.services import import_activities

    result = import_activities(table, dry_run=dry_run, actor=actor, source=filename)
    return f"{result.created} actividades nuevas y {result.skipped} ya registradas (se omiten)"


def _requests(table, actor, dry_run, filename):
    from crm.events.services import import_requests

    result = import_requests(table, dry_run=dry_run, actor=actor, source=filename)
    return (f"{result.created} gestiones nuevas, {result.updated} actualizadas y {result.skipped} ya registradas "
            "(se omiten)")


KINDS = {
    "contactos": Kind("Importar personas", "nombre, primer_apellido, segundo_apellido, sexo, correo, telefono, "
                      "pais_residencia, estado, ciudad, alcaldia, red, organizacion, cargo, idioma, consentimiento",
                      _contacts, "contacts.people"),
    "actividades": Kind("Importar actividades realizadas", "fecha, accion, titulo, tipo, modalidad, organizaciones",
                        _activities, "events.activities"),
    "gestiones": Kind("Importar gestiones", "recibida, atendida, solicitante, asunto, accion", _requests,
                      "events.requests_list"),
}


class UploadForm(FlaskForm):
    file = FileField("Archivo CSV o XLSX", validators=[
        FileRequired("Elija un archivo."), FileAllowed(["csv", "xlsx"], "Use un archivo .csv o .xlsx.")])


class ConfirmImportForm(FlaskForm):
    token = HiddenField()


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _kind(kind: str) -> Kind:
    if kind in KINDS:
        return KINDS[kind]
    match = re.fullmatch(r"encuesta-(\d{1,12})", kind)
    if match:
        return _responses_kind(int(match.group(1)))
    abort(404)


def _responses_kind(survey_id: int) -> Kind:
    """Responses collected elsewhere (paper, another tool) for one survey."""
    from surveys.models import Survey
    from surveys.responses_io import import_responses

    survey = db.get_or_404(Survey, survey_id)
    columns = ", ".join(["submitted_at"] + [q.name for q in survey.answerable_questions if q.name])

    def run(table, actor, dry_run, filename):
        report = import_responses(survey, table, dry_run=dry_run, actor=actor, source=filename)
        return f"{report.imported} respuestas"

    return Kind(f"Importar respuestas: {survey.title}", columns, run, "surveys.detail", {"survey_id": survey.id})


def _stored(token: str) -> Path:
    if not TOKEN.match(token or ""):
        abort(400)
    path = _folder() / f"{current_user.id}-{token}"
    if not path.exists():
        abort(404)
    return path


@bp.route("/<kind>", methods=["GET", "POST"])
@permission_required("import_data")
def upload(kind: str):
    spec = _kind(kind)
    form = UploadForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        suffix = Path(upload_file.filename or "").suffix.lower()
        token = f"{secrets.token_urlsafe(24)}{suffix}"
        path = _folder() / f"{current_user.id}-{token}"
        upload_file.save(path)
        return redirect(url_for(".preview", kind=kind, token=token, nombre=upload_file.filename or ""))
    return render_template("imports/upload.html", form=form, spec=spec, kind=kind), (422 if form.errors else 200)


def _dry_run(spec: Kind, path: Path, filename: str):
    try:
        table = read_table(path)
    except TableError as exc:
        return None, [str(exc)], None
    try:
        summary = spec.run(table, current_user, True, filename)
    except ImportProblems as exc:
        db.session.rollback()
        return table, exc.problems, None
    except DomainError as exc:  # e.g. the data changed under the import: nothing was written
        db.session.rollback()
        return table, [str(exc)], None
    return table, [], summary


@bp.get("/<kind>/revisar/<token>")
@permission_required("import_data")
def preview(kind: str, token: str):
    spec = _kind(kind)
    path = _stored(token)
    filename = request.args.get("nombre", path.name)[:200]
    table, problems, summary = _dry_run(spec, path, filename)
    return render_template("imports/preview.html", spec=spec, kind=kind, token=token, filename=filename, table=table,
                           problems=problems, summary=summary, form=ConfirmImportForm(token=token))


@bp.get("/<kind>/revisar/<token>/problemas.csv")
@permission_required("import_data")
def problems_report(kind: str, token: str):
    spec = _kind(kind)
    path = _stored(token)
    _, problems, _ = _dry_run(spec, path, path.name)
    rows = []
    for line in problems:
        match = re.match(r"^row (\d+): ([^:]+): (.*)$", line)
        rows.append([int(match.group(1)), match.group(2), match.group(3)] if match else ["", "", line])
    return Response(csv_bytes(["fila", "columna", "problema"], rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="problemas-{kind}.csv"'})


@bp.post("/<kind>/confirmar")
@permission_required("import_data")
def confirm(kind: str):
    spec = _kind(kind)
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    path = _stored(form.token.data)
    try:
        table = read_table(path)
        summary = spec.run(table, current_user, False, request.form.get("nombre", path.name)[:200])
    except (TableError, DomainError):  # ImportProblems is a DomainError
        db.session.rollback()
        flash("El archivo tiene problemas y no se importó nada. Revise el detalle.", "danger")
        return redirect(url_for(".preview", kind=kind, token=form.token.data))
    path.unlink(missing_ok=True)
    flash(f"Importación terminada: {summary}.", "success")
    return redirect(url_for(spec.back, **spec.back_args))
