"""An activity's means of verification: adding a link or a file, removing one, downloading a file (audited)."""

from __future__ import annotations

from flask import abort, flash, redirect, send_file, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.core.extensions import db
from crm.events import evidence
from crm.events.forms import EvidenceFileForm, EvidenceLinkForm
from crm.events.models import Activity, ActivityEvidence
from crm.events.services import EventsError
from crm.events.views.activities import activity_page
from crm.events.views.blueprint import bp


def _evidence(activity_id: int, evidence_id: int) -> ActivityEvidence:
    item = db.session.get(ActivityEvidence, evidence_id)
    if item is None or item.activity_id != activity_id:
        abort(404)
    return item


@bp.post("/actividades/<int:activity_id>/evidencias/enlace")
@permission_required("manage_events")
def evidence_link(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = EvidenceLinkForm()
    if form.validate_on_submit():
        try:
            evidence.add_link(item, title=form.link_title.data, url=form.url.data, actor=current_user)
        except EventsError as exc:
            db.session.rollback()
            target = form.url if isinstance(exc, evidence.LinkError) else form.link_title
            target.errors = [*target.errors, str(exc)]
        else:
            flash("Enlace agregado a los medios de verificación.", "success")
            return redirect(url_for(".activity", activity_id=activity_id) + "#evidencias")
    return activity_page(item, link_form=form, status=422)


@bp.post("/actividades/<int:activity_id>/evidencias/archivo")
@permission_required("manage_events")
def evidence_file(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = EvidenceFileForm()
    if form.validate_on_submit():
        try:
            evidence.add_file(item, title=form.file_title.data, stream=form.file.data.stream, actor=current_user)
        except EventsError as exc:
            db.session.rollback()
            target = form.file if isinstance(exc, evidence.FileProblem) else form.file_title
            target.errors = [*target.errors, str(exc)]
        else:
            flash("Archivo agregado a los medios de verificación.", "success")
            return redirect(url_for(".activity", activity_id=activity_id) + "#evidencias")
    return activity_page(item, file_form=form, status=422)


@bp.post("/actividades/<int:activity_id>/evidencias/<int:evidence_id>/quitar")
@permission_required("manage_events")
def evidence_remove(activity_id: int, evidence_id: int):
    item = _evidence(activity_id, evidence_id)
    if ConfirmForm().validate_on_submit():
        evidence.remove(item, actor=current_user)
        flash("Medio de verificación retirado.", "success")
    return redirect(url_for(".activity", activity_id=activity_id) + "#evidencias")


@bp.get("/actividades/<int:activity_id>/evidencias/<int:evidence_id>/archivo")
@permission_required("view_contacts")
def evidence_download(activity_id: int, evidence_id: int):
    """A file evidence, to those who may see personal data (attendance lists and photographs carry it); audited."""
    item = _evidence(activity_id, evidence_id)
    try:
        stream, mimetype, name = evidence.open_file(item, actor=current_user)
    except EventsError:
        abort(404)
    response = send_file(stream, mimetype=mimetype, as_attachment=True, download_name=name, max_age=0,
                         conditional=False, etag=False)
    response.headers["Cache-Control"] = "private, no-store"  # send_file's "no-cache" still lets it be stored
    return response
