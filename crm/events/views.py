"""Staff pages: activities and attendance, requests (gestiones), observation programs."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.contacts.models import Person, PersonEmail
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import local_today
from crm.events import links, services
from crm.events.forms import (
    ActivityForm,
    AttendanceForm,
    AttendForm,
    NewParticipantForm,
    ParticipantForm,
    RequestForm,
)
from crm.events.models import (
    ACTIVITY_TYPES,
    MODALITIES,
    Activity,
    Attendance,
    ObservationProgram,
    Participant,
    PartnerRequest,
)
from crm.events.organizations import resolve_names
from crm.program.models import ActionLine, ProgramYear

bp = Blueprint("events", __name__)


def _line_choices(only: str = "") -> list[tuple[str, str]]:
    rows = db.session.execute(select(ActionLine.code, ActionLine.description, ProgramYear.year)
                              .join(ProgramYear, ProgramYear.id == ActionLine.program_year_id)
                              .order_by(ProgramYear.year.desc(), ActionLine.program_year_id, ActionLine.id)).all()
    seen, choices = set(), []
    for code, description, _year in rows:
        if code in seen or (only and not code.startswith(only)):
            continue
        seen.add(code)
        choices.append((code, f"{code} · {description[:80]}"))
    return choices


@bp.get("/actividades")
@permission_required("view_events")
def activities():
    year = request.args.get("anio", type=int) or local_today().year
    if not 1900 <= year <= 2200:  # date() and the database refuse absurd years
        year = local_today().year
    component = request.args.get("componente", "")
    kind = request.args.get("tipo", "")
    query = (select(Activity).join(ActionLine).where(Activity.date >= date(year, 1, 1), Activity.date <= date(year, 12, 31))
             .order_by(Activity.date.desc(), Activity.id.desc()))
    if component:
        query = query.where(ActionLine.code.startswith(component + "."))
    if kind in ACTIVITY_TYPES:
        query = query.where(Activity.type == kind)
    page = paginate(query, per_page=30)
    years = sorted({y for (y,) in db.session.execute(select(ProgramYear.year))} | {year}, reverse=True)
    return render_template("events/activities.html", page=page, year=year, years=years, component=component,
                           kind=kind, types=ACTIVITY_TYPES, modalities=MODALITIES)


@bp.route("/actividades/nueva", methods=["GET", "POST"])
@permission_required("manage_events")
def activity_new():
    form = ActivityForm()
    form.action_code.choices = _line_choices()
    if form.validate_on_submit():
        try:
            activity = services.create_activity(
                on=form.date.data, action_code=form.action_code.data, title=form.title.data, type=form.type.data,
                modality=form.modality.data, place=form.place.data or "", description=form.description.data or "",
                organization_ids=[org.id for org in resolve_names(form.organizations.data)], actor=current_user)
        except services.EventsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash("Actividad registrada.", "success")
            return redirect(url_for(".activity", activity_id=activity.id))
    return render_template("events/activity_form.html", form=form), (422 if request.method == "POST" else 200)


@bp.get("/actividades/<int:activity_id>")
@permission_required("view_events")
def activity(activity_id: int):
    item = db.session.scalar(select(Activity).where(Activity.id == activity_id)
                             .options(selectinload(Activity.attendances).selectinload(Attendance.person)))
    if item is None:
        abort(404)
    surveys = links.surveys_for_activity(item.id)
    return render_template("events/activity.html", activity=item, form=AttendanceForm(), types=ACTIVITY_TYPES,
                           modalities=MODALITIES, surveys=surveys)


@bp.post("/actividades/<int:activity_id>/asistencia")
@permission_required("manage_events")
def activity_attendance(activity_id: int):
    item = db.get_or_404(Activity, activity_id)
    form = AttendanceForm()
    if form.validate_on_submit():
        addresses = {a.lower() for a in re.split(r"[\s,;]+", form.emails.data or "") if a}
        found = db.session.scalars(select(Person).join(PersonEmail).where(PersonEmail.address_key.in_(addresses))).all()
        known = {e.address_key for p in found for e in p.emails}
        missing = sorted(addresses - known)
        added = services.add_attendance(item, list(found), actor=current_user)
        flash(f"Asistencia registrada: {added} persona(s).", "success")
        if missing:
            flash(f"No se encontraron estos correos: {', '.join(missing[:20])}.", "warning")
    else:
        flash("Escriba al menos un correo.", "danger")
    return redirect(url_for(".activity", activity_id=activity_id))


@bp.post("/actividades/<int:activity_id>/asistencia/<int:person_id>/quitar")
@permission_required("manage_events")
def activity_attendance_remove(activity_id: int, person_id: int):
    item = db.get_or_404(Activity, activity_id)
    if ConfirmForm().validate_on_submit():
        services.remove_attendance(item, person_id, actor=current_user)
        flash("Asistencia retirada.", "success")
    return redirect(url_for(".activity", activity_id=activity_id))


def _requests_page(form: RequestForm, status_code: int = 200):
    status = request.args.get("estado", "")
    query = select(PartnerRequest).order_by(PartnerRequest.received_on.desc(), PartnerRequest.id.desc())
    if status == "pendientes":
        query = query.where(PartnerRequest.attended_on.is_(None))
    elif status == "atendidas":
        query = query.where(PartnerRequest.attended_on.is_not(None))
    page = paginate(query, per_page=30)
    pending = db.session.scalar(select(func.count(PartnerRequest.id)).where(PartnerRequest.attended_on.is_(None)))
    return render_template("events/requests.html", page=page, form=form, attend_form=AttendForm(), status=status,
                           pending=pending, today=local_today()), status_code


def _request_form() -> RequestForm:
    form = RequestForm()
    form.action_code.choices = [("", "Sin línea de acción")] + _line_choices("AI1.")
    return form


@bp.get("/gestiones")
@permission_required("view_events")
def requests_list():
    return _requests_page(_request_form())


@bp.post("/gestiones")
@permission_required("manage_events")
def request_create():
    form = _request_form()
    if form.validate_on_submit():
        try:
            organizations = resolve_names(form.requester.data)
            if not organizations:  # only separators or invisible characters: no organization named
                raise services.EventsError("Escriba el nombre del organismo solicitante.")
            services.create_request(received_on=form.received_on.data, requester=organizations[0],
                                    subject=form.subject.data, action_code=form.action_code.data or "",
                                    attended_on=form.attended_on.data, actor=current_user)
        except services.EventsError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash("Gestión registrada.", "success")
            return redirect(url_for(".requests_list"))
    return _requests_page(form, 422)


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


@bp.get("/observacion")
@permission_required("view_events")
def programs():
    rows = db.session.execute(select(ObservationProgram, func.count(Participant.id))
                              .join(Participant, isouter=True).group_by(ObservationProgram.id)
                              .order_by(ObservationProgram.election_date.desc())).all()
    return render_template("events/programs.html", rows=rows)


@bp.get("/observacion/<code>")
@permission_required("view_contacts")
def program(code: str):
    item = db.session.scalar(select(ObservationProgram).where(ObservationProgram.code == code))
    if item is None:
        abort(404)
    participants = db.session.scalars(select(Participant).where(Participant.program_id == item.id)
                                      .options(selectinload(Participant.person)).order_by(Participant.role)).all()
    surveys = links.surveys_for_program(item.id)
    answered = links.respondents_for_program(item.id) if surveys else set()
    return render_template("events/program.html", program=item, participants=participants, surveys=surveys,
                           answered=answered, new_form=NewParticipantForm(),
                           accreditation_choices=ParticipantForm.accreditation_status.kwargs["choices"])


@bp.post("/observacion/participantes/<int:participant_id>")
@permission_required("manage_events")
def participant_update(participant_id: int):
    participant = db.get_or_404(Participant, participant_id)
    form = ParticipantForm()
    if form.validate_on_submit():
        services.update_participant(participant, accreditation_status=form.accreditation_status.data,
                                    folio=form.folio.data or "", training_completed=form.training_completed.data,
                                    actor=current_user)
        flash("Participación actualizada.", "success")
    return redirect(url_for(".program", code=participant.program.code))


@bp.post("/observacion/<code>/participantes")
@permission_required("manage_events")
def participant_add(code: str):
    item = db.session.scalar(select(ObservationProgram).where(ObservationProgram.code == code))
    if item is None:
        abort(404)
    form = NewParticipantForm()
    if form.validate_on_submit():
        person = db.session.scalar(select(Person).join(PersonEmail).where(
            PersonEmail.address_key == form.email.data.strip().lower()))
        if person is None:
            flash("Ninguna persona registrada tiene ese correo; regístrela primero en Contactos.", "danger")
        else:
            try:
                services.add_participant(item, person, role=form.role.data, actor=current_user)
                flash(f"{person.full_name} quedó registrada en el programa.", "success")
            except services.EventsError as exc:
                flash(str(exc), "danger")
    else:
        flash("Escriba el correo de la persona.", "danger")
    return redirect(url_for(".program", code=code))
