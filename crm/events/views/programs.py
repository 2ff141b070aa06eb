"""Staff pages of observation programs and their participants."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts.models import Person, PersonEmail
from crm.core.extensions import db
from crm.events import links, services
from crm.events.forms import NewParticipantForm, ParticipantForm
from crm.events.models import ObservationProgram, Participant
from crm.events.views.blueprint import bp


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
