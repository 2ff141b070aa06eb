"""Staff pages for invitations, on the `surveys` blueprint: choose whom to invite (with a preview of the
counts), send by e-mail or download personal links, remind, and see each invitation's status."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from crm.auth.permissions import permission_required
from crm.contacts.catalogs import ALCALDIAS, MEMBERSHIP_STATUSES, NETWORKS
from crm.contacts.countries import country_choices
from crm.contacts.forms import ConfirmForm
from crm.contacts.models import Person
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import utcnow
from crm.events.models import Activity, ObservationProgram
from surveys.blueprints import surveys_bp
from surveys.invitations import (
    labels,
    schedule_tasks,  # noqa: F401  (the daily reminders' task, for the consumer)
)
from surveys.invitations.forms import InviteForm
from surveys.invitations.lists import (
    ACCREDITATION,
    PROGRAM_ROLES,
    REASONS,
    SOURCES,
    STATUSES,
    InvitationError,
    Outcome,
    Selection,
    preview,
    select_people,
    status_counts,
)
from surveys.invitations.schedule import (
    ScheduleError,
    describe_result,
    next_run,
    save_schedule,
    schedule_of,
    survey_closed,
)
from surveys.invitations.schedule_form import ReminderScheduleForm
from surveys.invitations.sending import links_file, send_email_invitations, send_reminders
from surveys.models import Invitation, Survey
from surveys.responses.summaries import response_rates

# ?orden= of the invitations list -> its column (a leading "-": descending; empty values always last)
SORTS = {"persona": Person.name_key, "origen": Invitation.source, "medio": Invitation.channel,
         "estado": Invitation.status, "enviada": Invitation.sent_at, "recordatorio": Invitation.reminded_at,
         "abierta": Invitation.opened_at, "respondida": Invitation.answered_at}


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def _default_selection(survey: Survey) -> Selection:
    if survey.observation_program_id:
        return Selection(source="programa", program_id=survey.observation_program_id)
    if survey.activity_id:
        return Selection(source="actividad", activity_id=survey.activity_id)
    return Selection(source="red", network="rvc", membership_status="active")


def _sending_problem(survey: Survey) -> str | None:
    if survey.state == "draft":
        return ("La encuesta está en borrador: ábrala antes de enviar invitaciones por correo (quien abra el enlace "
                "vería que aún no recibe respuestas). Puede descargar los enlaces desde ahora.")
    if survey.state == "closed":
        return "La encuesta está cerrada: ya no recibe respuestas, así que no se envían invitaciones."
    return None


@surveys_bp.get("/<int:survey_id>/invitar")
@permission_required("manage_surveys")
def invite(survey_id: int):
    survey = _survey(survey_id)
    chosen = "origen" in request.args
    selection = Selection.from_args(request.args) if chosen else _default_selection(survey)
    summary = description = problem = None
    if chosen:
        try:
            people, _, description = select_people(selection)
        except InvitationError as exc:
            problem = str(exc)
        else:
            summary = preview(survey, people)
    activities = db.session.execute(select(Activity.id, Activity.date, Activity.title)
                                    .order_by(Activity.date.desc(), Activity.id.desc()).limit(300)).all()
    programs = db.session.execute(select(ObservationProgram.id, ObservationProgram.name)
                                  .order_by(ObservationProgram.election_date.desc())).all()
    return render_template(
        "surveys/invitations/invite.html", survey=survey, selection=selection, chosen=chosen, summary=summary,
        description=description, problem=problem, form=InviteForm(formdata=None), sources=SOURCES,
        networks=NETWORKS, membership_statuses=MEMBERSHIP_STATUSES, countries=country_choices(),
        alcaldias=ALCALDIAS, activities=activities, programs=programs, roles=PROGRAM_ROLES,
        accreditation=ACCREDITATION, sending_problem=_sending_problem(survey),
        reasons=REASONS), (422 if problem else 200)


def _flash_outcome(outcome: Outcome, what: str) -> None:
    text = f"{what}: {outcome.sent} enviada{'' if outcome.sent == 1 else 's'}"
    if outcome.created:
        text += f" ({outcome.created} {'invitación nueva' if outcome.created == 1 else 'invitaciones nuevas'})"
    text += "."
    flash(text, "success" if outcome.sent or not outcome.bounced else "warning")
    if outcome.skipped_total:
        reasons = "; ".join(f"{count}: {reason}" for reason, count in outcome.reasons())
        flash(f"Se omitió a {outcome.skipped_total} persona{'' if outcome.skipped_total == 1 else 's'} ({reasons}).",
              "info")
    if outcome.bounced:
        flash(f"{outcome.bounced} correo{'' if outcome.bounced == 1 else 's'} no se pudo{'' if outcome.bounced == 1 else 'ieron'} "
              "enviar; la invitación quedó como rebotada y se reintentará en el próximo envío.", "warning")


@surveys_bp.post("/<int:survey_id>/invitar")
@permission_required("manage_surveys")
def invite_run(survey_id: int):
    survey = _survey(survey_id)
    form = InviteForm()
    if not form.validate_on_submit():
        flash("El formulario caducó o el mensaje es demasiado largo; revíselo y envíelo de nuevo.", "danger")
        return redirect(url_for(".invite", survey_id=survey.id))
    selection = Selection.from_args(request.form)
    back = url_for(".invite", survey_id=survey.id, **selection.as_args())
    try:
        people, source, _ = select_people(selection)
    except InvitationError as exc:
        flash(str(exc), "danger")
        return redirect(back)
    if form.links.data:
        body, outcome = links_file(survey, people, source=source, actor=current_user)
        return Response(body, mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{survey.code}-enlaces.csv"'})
    problem = _sending_problem(survey)
    if problem:
        flash(problem, "danger")
        return redirect(back)
    outcome = send_email_invitations(survey, people, source=source, actor=current_user,
                                                 note=form.note.data or "")
    _flash_outcome(outcome, "Invitaciones por correo")
    return redirect(url_for(".invitation_status", survey_id=survey_id))


@surveys_bp.post("/<int:survey_id>/recordatorio")
@permission_required("manage_surveys")
def invite_remind(survey_id: int):
    survey = _survey(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    problem = _sending_problem(survey)
    if problem:
        flash(problem.replace("invitaciones", "recordatorios"), "danger")
        return redirect(url_for(".invitation_status", survey_id=survey.id))
    outcome = send_reminders(survey, actor=current_user)
    _flash_outcome(outcome, "Recordatorios")
    return redirect(url_for(".invitation_status", survey_id=survey_id))


def _status_page(survey: Survey, schedule_form: ReminderScheduleForm | None = None, code: int = 200):
    status = request.args.get("estado", "")
    sort = request.args.get("orden", "")
    sort = sort if sort.lstrip("-") in SORTS and sort.count("-") <= 1 else ""
    query = (select(Invitation).where(Invitation.survey_id == survey.id).outerjoin(Person, Person.id == Invitation.person_id)
             .options(selectinload(Invitation.person).selectinload(Person.emails)))
    if sort:
        column = SORTS[sort.lstrip("-")]
        query = query.order_by(case((column.is_(None), 1), else_=0), column.desc() if sort.startswith("-") else column)
    query = query.order_by(Invitation.created_at.desc(), Invitation.id.desc())
    if status in STATUSES:
        query = query.where(Invitation.status == status)
    page = paginate(query, per_page=50)
    counts = status_counts(survey)
    rates = response_rates(survey)
    schedule = schedule_of(survey)
    if schedule_form is None:
        schedule_form = ReminderScheduleForm(formdata=None, obj=schedule)
    return render_template("surveys/invitations/status.html", survey=survey, page=page, counts=counts,
                           statuses=STATUSES, status=status, sort=sort, rates=rates,
                           sources=labels.source_labels([r["source"] for r in rates]
                                                        + [inv.source for inv in page.items]),
                           confirm=ConfirmForm(), sending_problem=_sending_problem(survey),
                           schedule=schedule, schedule_form=schedule_form,
                           schedule_closed=survey_closed(survey, utcnow()),
                           next_run=next_run(schedule, survey), last_run=describe_result(schedule)), code


@surveys_bp.get("/<int:survey_id>/invitaciones")
@permission_required("manage_surveys")
def invitation_status(survey_id: int):
    return _status_page(_survey(survey_id))


@surveys_bp.post("/<int:survey_id>/recordatorio-diario")
@permission_required("manage_surveys")
def reminder_schedule(survey_id: int):
    survey = _survey(survey_id)
    form = ReminderScheduleForm()
    if not form.validate_on_submit():
        return _status_page(survey, form, 422)
    try:
        schedule = save_schedule(survey, enabled=form.enabled.data, hour=form.hour.data,
                                 every_days=form.every_days.data, actor=current_user)
    except ScheduleError as exc:
        form.enabled.errors = [str(exc)]
        return _status_page(survey, form, 422)
    if schedule.enabled:
        flash(f"Recordatorio diario activado: cada día a las {schedule.hour}:00 (hora de la Ciudad de México), "
              f"sin repetir a una persona antes de {schedule.every_days} "
              f"{'día' if schedule.every_days == 1 else 'días'}.", "success")
    else:
        flash("Recordatorio diario desactivado.", "success")
    return redirect(url_for(".invitation_status", survey_id=survey.id) + "#recordatorio-diario")
