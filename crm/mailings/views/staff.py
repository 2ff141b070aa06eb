"""Staff pages (Difusión): compose with counts and preview, background sending, delivery reports, bounces."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.contacts.privacy.consent import Reach
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.mailings import bounces, delivery, reports
from crm.mailings.forms import BounceUploadForm, ComposeForm, segment_choices
from crm.mailings.models import Mailing
from crm.mailings.segments import parse_segment, segment_label, segment_reach
from crm.mailings.tasks import deliver_mailing
from crm.mailings.views.blueprint import bp


@bp.get("/difusion")
@permission_required("view_mailings")
def index():
    return render_template("mailings/index.html", mailings=reports.latest_mailings(), segment_label=segment_label,
                           labels=reports.MAILING_LABELS, can_send=current_user.can("send_mailings"))


def _draft(form: ComposeForm) -> delivery.Draft:
    return delivery.Draft(segment=form.segment.data or "", subject=form.subject.data or "", body=form.body.data or "",
                          subject_en=form.subject_en.data or "", body_en=form.body_en.data or "",
                          action=form.action.data or "")


@bp.route("/difusion/nuevo", methods=["GET", "POST"])
@permission_required("send_mailings")
def compose():
    form = ComposeForm()
    form.segment.choices = segment_choices()
    form.action.choices = [("", "Ninguna"), *reports.action_line_choices()]
    form.preview_person.choices = [("", "La primera persona destinataria")]
    if request.method == "GET" and request.args.get("segmento") in dict(form.segment.choices):
        form.segment.data = request.args["segmento"]  # from a saved filter of the people list
    reach: Reach | None = None
    sample = None
    if request.method == "POST":
        try:
            reach = segment_reach(parse_segment(form.segment.data or ""))
        except DomainError as exc:
            form.form_errors.append(str(exc))
        if reach is not None:
            form.preview_person.choices += [(str(p.id), p.full_name) for p, _ in reach.recipients[:300]]
    if form.validate_on_submit() and reach is not None:
        draft = _draft(form)
        if form.send.data:
            try:
                mailing = delivery.create_mailing(draft, actor=current_user)
            except DomainError as exc:
                form.form_errors.append(str(exc))
            else:
                deliver_mailing(mailing.id)
                flash("El envío quedó en marcha; esta página muestra su avance.", "success")
                return redirect(url_for("mailings.report", mailing_id=mailing.id))
        elif problems := delivery.check_draft(draft):
            form.form_errors.extend(problems)
        elif reach.recipients:
            chosen = next((p for p, _ in reach.recipients if str(p.id) == form.preview_person.data),
                          reach.recipients[0][0])
            sample = reports.preview(draft, chosen)
    return render_template("mailings/compose.html", form=form, reach=reach, sample=sample)


@bp.get("/difusion/<int:mailing_id>")
@permission_required("view_mailings")
def report(mailing_id: int):
    mailing = db.session.get(Mailing, mailing_id) or abort(404)
    counts = reports.counts_by_mailing([mailing.id])[mailing.id]
    rows = None
    if current_user.can("view_contacts"):  # the addresses are personal data: only for who may see contacts
        rows = reports.deliveries(mailing.id)
        audit.record(current_user, "mailings.report_view", mailing, {"rows": len(rows)})
        db.session.commit()
    running = mailing.status in ("queued", "sending")
    response = render_template("mailings/report.html", mailing=mailing, counts=counts, rows=rows, running=running,
                               segment_label=segment_label,
                               labels=reports.STATE_LABELS, mailing_labels=reports.MAILING_LABELS,
                               reasons=Reach(skipped=mailing.skipped or {}).reasons())
    return (response, 200, {"Refresh": "5"}) if running and request.args.get("auto") != "0" else response


@bp.get("/difusion/rebotes")
@permission_required("send_mailings")
def bounced():
    return render_template("mailings/bounces.html", form=BounceUploadForm(), rows=reports.bouncing_addresses())


@bp.post("/difusion/rebotes")
@permission_required("send_mailings")
def upload_bounces():
    form = BounceUploadForm()
    if not form.validate_on_submit():
        return render_template("mailings/bounces.html", form=form, rows=reports.bouncing_addresses()), 400
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "avisos"
        form.file.data.save(str(path))
        try:
            count = bounces.import_file(path, actor=current_user)
        except DomainError as exc:
            form.file.errors = [str(exc)]
            return render_template("mailings/bounces.html", form=form, rows=reports.bouncing_addresses()), 400
    flash(f"Se leyeron los avisos: {count} dirección(es) marcadas como rebotadas.", "success")
    return redirect(url_for("mailings.bounced"))
