"""Activities, attendance, requests and observation programs from the staff pages."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from crm.contacts.models import Organization, Person
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.events.models import ACTIVITY_TYPES, MODALITIES, Activity, Attendance, Participant, PartnerRequest
from crm.program.services import action_line_by_code


class EventsError(DomainError):
    pass


def create_activity(*, on: date, action_code: str, title: str, type: str | None, modality: str | None,
                    place: str = "", description: str = "", organization_ids: list[int] | None = None,
                    actor) -> Activity:
    title = clean(title)
    if not title:
        raise EventsError("El título es obligatorio.")
    line = action_line_by_code(on.year, action_code)
    if line is None:
        raise EventsError(f"La línea de acción {action_code} no existe en el programa {on.year}.")
    if type and type not in ACTIVITY_TYPES:
        raise EventsError("Tipo de actividad no válido.")
    if modality and modality not in MODALITIES:
        raise EventsError("Modalidad no válida.")
    duplicate = db.session.scalar(select(Activity.id).where(Activity.date == on, Activity.action_line_id == line.id,
                                                            Activity.title_key == fold(title)))
    if duplicate:
        raise EventsError("Ya está registrada una actividad con la misma fecha, línea de acción y título.")
    activity = Activity(date=on, action_line_id=line.id, title=title, title_key=fold(title), type=type or None,
                        modality=modality or None, place=clean(place), description=(description or "").strip())
    if organization_ids:
        activity.organizations = list(db.session.scalars(select(Organization).where(
            Organization.id.in_(organization_ids))))
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "activity.create", activity)
    db.session.commit()
    return activity


def add_attendance(activity: Activity, people: list[Person], *, actor) -> int:
    """Adds the people not yet recorded; returns how many were added."""
    present = set(db.session.scalars(select(Attendance.person_id).where(Attendance.activity_id == activity.id)))
    added = 0
    for person in people:
        if person.id not in present and person.status != "anonymized":
            db.session.add(Attendance(activity_id=activity.id, person_id=person.id))
            present.add(person.id)
            added += 1
    audit.record(actor, "activity.attendance", activity, {"added": added})
    db.session.commit()
    return added


def remove_attendance(activity: Activity, person_id: int, *, actor) -> None:
    row = db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                     Attendance.person_id == person_id))
    if row is not None:
        db.session.delete(row)
        audit.record(actor, "activity.attendance_remove", activity, {"person_id": person_id})
        db.session.commit()


def mark_request_attended(item: PartnerRequest, on: date, *, actor) -> PartnerRequest:
    if on < item.received_on:
        raise EventsError("La fecha de atención no puede ser anterior a la de recepción.")
    item.attended_on = on
    audit.record(actor, "request.attend", item, {"attended_on": on.isoformat()})
    db.session.commit()
    return item


def create_request(*, received_on: date, requester: Organization, subject: str, action_code: str = "",
                   attended_on: date | None = None, actor) -> PartnerRequest:
    subject = clean(subject)
    if not subject:
        raise EventsError("El asunto es obligatorio.")
    if attended_on and attended_on < received_on:
        raise EventsError("La fecha de atención no puede ser anterior a la de recepción.")
    line = None
    if action_code:
        line = action_line_by_code(received_on.year, action_code)
        if line is None or not line.code.startswith("AI1."):
            raise EventsError(f"{action_code} no es una línea de acción AI1 del programa {received_on.year}.")
    item = PartnerRequest(received_on=received_on, attended_on=attended_on, requester_id=requester.id,
                          subject=subject, subject_key=fold(subject), action_line_id=line.id if line else None)
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "request.create", item)
    db.session.commit()
    return item


def update_participant(participant: Participant, *, accreditation_status: str, folio: str, training_completed: bool,
                       actor) -> Participant:
    if accreditation_status not in ("requested", "in_review", "accredited", "rejected", "cancelled"):
        raise EventsError("Estado de acreditación no válido.")
    participant.accreditation_status = accreditation_status
    participant.folio = clean(folio)[:60]
    participant.training_completed = training_completed
    audit.record(actor, "program.participant_update", participant)
    db.session.commit()
    return participant


def add_participant(program, person: Person, *, role: str, actor) -> Participant:
    """Registers a person in an observation program as observer or foreign visitor (once per program)."""
    if role not in ("observer", "visitor"):
        raise EventsError("Elija si participa como persona observadora o visitante extranjera.")
    if person.status != "active":
        raise EventsError("La persona está bloqueada o anonimizada.")
    exists = db.session.scalar(select(Participant.id).where(Participant.program_id == program.id,
                                                            Participant.person_id == person.id))
    if exists:
        raise EventsError(f"{person.full_name} ya participa en este programa.")
    participant = Participant(program_id=program.id, person_id=person.id, role=role)
    db.session.add(participant)
    db.session.flush()
    audit.record(actor, "program.participant_add", participant, {"program": program.code, "person_id": person.id})
    db.session.commit()
    return participant
