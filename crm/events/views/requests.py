"""Staff pages of requests (gestiones): the filtered list with the pending ones marked, its download,
registering (a page of its own), editing and marking as attended."""

from __future__ import annotations

from dataclasses import replace

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from crm.auth.permissions import permission_required
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import local_today
from crm.events import reports, services
from crm.events.filters import STATUSES, EventFilter, filter_requests, organization_problem
from crm.events.forms import AttendForm, RequestForm
from crm.events.models import PartnerRequest
from crm.events.organizations import resolve_names
from crm.events.views.blueprint import bp, default_year, download, line_choices, list_years


def _filter() -> EventFilter:
    """A download without a year holds every year."""
    return EventFilter.from_args(request.args)


def _list_filter() -> EventFilter:
    """The page opens on the latest year with a program or data, with the requests still pending from earlier
    years (a pending request of last year stays in sight); `anio=todos` is every year."""
    if request.args.get("anio"):
        return EventFilter.from_args(request.args)
    return replace(EventFilter.from_args(request.args, default_year=default_year()), earlier_pending=True)


def _request_form(**kwargs) -> RequestForm:
    form = RequestForm(**kwargs)
    form.action_code.choices = [("", "Sin línea de acción")] + line_choices("AI1.")
    return form


@bp.get("/gestiones")
@permission_required("view_events")
def requests_list():
    f = _list_filter()
    query = filter_requests(select(PartnerRequest), f).order_by(
        PartnerRequest.attended_on.is_not(None), PartnerRequest.received_on.desc(), PartnerRequest.id.desc())
    page = paginate(query, per_page=30)
    pending = db.session.scalar(select(func.count(PartnerRequest.id)).where(PartnerRequest.attended_on.is_(None)))
    return render_template("events/requests.html", page=page, f=f, attend_form=AttendForm(), statuses=STATUSES,
                           pending=pending, today=local_today(), years=list_years(f.year),
                           lines=line_choices("AI1."), problem=organization_problem(f))


@bp.get("/gestiones/exportar.<fmt>")
@permission_required("export_data")
def requests_export(fmt: str):
    if fmt not in reports.FORMATS:
        abort(404)
    f = _filter()
    return download(reports.REQUESTS_KIND, f, fmt, reports.count_requests(f), url_for(".requests_list", **f.as_args()))


@bp.get("/gestiones/nueva")
@permission_required("manage_events")
def request_new():
    return render_template("events/request_form.html", form=_request_form(), item=None)


def _save(form: RequestForm, item: PartnerRequest | None) -> bool:
    try:
        organizations = resolve_names(form.requester.data)
        if not organizations:  # only separators or invisible characters: no organization named
            raise services.EventsError("Escriba el nombre del organismo solicitante.")
        values = dict(received_on=form.received_on.data, requester=organizations[0], subject=form.subject.data,
                      action_code=form.action_code.data or "", attended_on=form.attended_on.data,
                      notes=form.notes.data or "", actor=current_user)
        if item is None:
            services.create_request(**values)
        else:
            services.update_request(item, **values)
    except services.EventsError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return False
    return True


@bp.post("/gestiones")
@permission_required("manage_events")
def request_create():
    form = _request_form()
    if form.validate_on_submit() and _save(form, None):
        flash("Gestión registrada.", "success")
        return redirect(url_for(".requests_list"))
    return render_template("events/request_form.html", form=form, item=None), 422


@bp.route("/gestiones/<int:request_id>/editar", methods=["GET", "POST"])
@permission_required("manage_events")
def request_edit(request_id: int):
    item = db.get_or_404(PartnerRequest, request_id)
    form = _request_form(data={
        "received_on": item.received_on, "requester": item.requester.display_name, "subject": item.subject,
        "action_code": item.action_line.code if item.action_line else "", "attended_on": item.attended_on,
        "notes": item.notes})
    form.submit.label.text = "Guardar cambios"
    if form.validate_on_submit() and _save(form, item):
        flash("Cambios guardados.", "success")
        return redirect(url_for(".requests_list"))
    return render_template("events/request_form.html", form=form, item=item), \
        (422 if request.method == "POST" else 200)


@bp.post("/gestiones/<int:request_id>/atender")
@permission_required("manage_events")
def request_attend(request_id: int):
    item = db.get_or_404(PartnerRequest, request_id)
    form = AttendForm()
    if form.validate_on_submit():
        try:
            services.mark_request_attended(item, form.attended_on.data, actor=current_user)
            flash("Gestión marcada como atendida.", "success")
        except services.EventsError as exc:
            flash(str(exc), "danger")
    else:
        flash("Escriba una fecha de atención válida (AAAA-MM-DD).", "danger")
    return redirect(url_for(".requests_list"))
