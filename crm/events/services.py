"""Activities, attendance, requests and observation programs from the staff pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.contacts.models import Membership, Organization, Person
from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.events.models import ACTIVITY_TYPES, MODALITIES, Activity, Attendance, Participant, PartnerRequest
from crm.program.services import action_line_by_code


class EventsError(DomainError):
    pass


def _activity_values(*, on: date, action_code: str, title: str, type: str | None, modality: str | None,
                     place: str, description: str, exclude_id: int | None = None) -> dict:
    """The checked column values of an activity (new or edited); EventsError with a Spanish message."""
    title = clean(title)
    if not title:
        raise EventsError("El título es obligatorio.")
    if len(title) > 300:
        raise EventsError("El título es demasiado largo (máximo 300 caracteres).")
    line = action_line_by_code(on.year, action_code)
    if line is None:
        raise EventsError(f"La línea de acción {action_code} no existe en el programa {on.year}.")
    if type and type not in ACTIVITY_TYPES:
        raise EventsError("Tipo de actividad no válido.")
    if modality and modality not in MODALITIES:
        raise EventsError("Modalidad no válida.")
    query = select(Activity.id).where(Activity.date == on, Activity.action_line_id == line.id,
                                      Activity.title_key == fold(title))
    if exclude_id is not None:
        query = query.where(Activity.id != exclude_id)
    if db.session.scalar(query):
        raise EventsError("Ya está registrada una actividad con la misma fecha, línea de acción y título.")
    return {"date": on, "action_line_id": line.id, "title": title, "title_key": fold(title), "type": type or None,
            "modality": modality or None, "place": clean(place)[:300], "description": (description or "").strip()}


def _organizations(ids: list[int] | None) -> list[Organization]:
    if not ids:
        return []
    return list(db.session.scalars(select(Organization).where(Organization.id.in_(ids))))


def create_activity(*, on: date, action_code: str, title: str, type: str | None, modality: str | None,
                    place: str = "", description: str = "", organization_ids: list[int] | None = None,
                    actor) -> Activity:
    activity = Activity(**_activity_values(on=on, action_code=action_code, title=title, type=type,
                                           modality=modality, place=place, description=description))
    activity.organizations = _organizations(organization_ids)
    db.session.add(activity)
    db.session.flush()
    audit.record(actor, "activity.create", activity)
    db.session.commit()
    return activity


_ACTIVITY_AUDITED = ("date", "action_line_id", "title", "type", "modality", "place", "description")


def update_activity(activity: Activity, *, on: date, action_code: str, title: str, type: str | None,
                    modality: str | None, place: str = "", description: str = "",
                    organization_ids: list[int] | None = None, actor) -> dict:
    """Changes every field of a recorded activity; returns (and audits) what changed, {field: [before, after]}."""
    values = _activity_values(on=on, action_code=action_code, title=title, type=type, modality=modality,
                              place=place, description=description, exclude_id=activity.id)
    changes = {name: [_plain(getattr(activity, name)), _plain(values[name])] for name in _ACTIVITY_AUDITED
               if getattr(activity, name) != values[name]}
    for name, value in values.items():
        setattr(activity, name, value)
    organizations = _organizations(organization_ids)
    before = sorted(org.id for org in activity.organizations)
    after = sorted({org.id for org in organizations})
    if before != after:
        changes["organizations"] = [before, after]
        activity.organizations = sorted(organizations, key=lambda org: org.name)
    if changes:
        audit.record(actor, "activity.update", activity, {"changes": changes})
    db.session.commit()
    return changes


def _plain(value):
    """A value as the audit log keeps it (JSON): dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


@dataclass(frozen=True)
class AttendanceAdded:
    """What an addition did: people added, and people skipped (already recorded, anonymised, or unknown)."""

    added: int
    skipped: int


def add_attendance(activity: Activity, people: list[Person], *, actor) -> int:
    """Adds the people not yet recorded; returns how many were added."""
    return add_attendance_by_id(activity, [person.id for person in people], source="correos", actor=actor).added


def add_attendance_by_id(activity: Activity, person_ids: list[int], *, source: str, actor) -> AttendanceAdded:
    """Adds the given people as attendees, with the one rule attendance has: a person is recorded once, and an
    anonymised record is never added. `source` says where the list came from (`correos`, `buscador`,
    `red:CODE`, `encuesta:ID`) for the audit entry; an id that names no person is skipped."""
    wanted = list(dict.fromkeys(person_ids))
    present = set(db.session.scalars(select(Attendance.person_id).where(Attendance.activity_id == activity.id)))
    eligible: set[int] = set()
    for start in range(0, len(wanted), 500):
        eligible.update(db.session.scalars(select(Person.id).where(Person.id.in_(wanted[start:start + 500]),
                                                                   Person.status != "anonymized")))
    new = [person_id for person_id in wanted if person_id in eligible and person_id not in present]
    db.session.add_all(Attendance(activity_id=activity.id, person_id=person_id) for person_id in new)
    result = AttendanceAdded(added=len(new), skipped=len(wanted) - len(new))
    audit.record(actor, "activity.attendance", activity,
                 {"added": result.added, "skipped": result.skipped, "source": source[:80]})
    db.session.commit()
    return result


def network_members(network_id: int) -> list[int]:
    """The people with an active membership of a network, for adding them all as attendees."""
    return list(db.session.scalars(select(Membership.person_id).where(
        Membership.network_id == network_id, Membership.status == "active").order_by(Membership.person_id)))


def remove_attendance(activity: Activity, person_id: int, *, actor) -> None:
    row = db.session.scalar(select(Attendance).where(Attendance.activity_id == activity.id,
                                                     Attendance.person_id == person_id))
    if row is not None:
        db.session.delete(row)
        audit.record(actor, "activity.attendance_remove", activity, {"person_id": person_id})
        db.session.commit()


def check_attention(received_on: date, attended_on: date | None) -> None:
    """The rule every way of recording a request follows (staff pages, the import's rows)."""
    if attended_on is not None and attended_on < received_on:
        raise EventsError("La fecha de atención no puede ser anterior a la de recepción.")


def mark_request_attended(item: PartnerRequest, on: date, *, actor) -> PartnerRequest:
    check_attention(item.received_on, on)
    item.attended_on = on
    audit.record(actor, "request.attend", item, {"attended_on": on.isoformat()})
    db.session.commit()
    return item


def _request_line(received_on: date, action_code: str):
    if not action_code:
        return None
    line = action_line_by_code(received_on.year, action_code)
    if line is None or not line.code.startswith("AI1."):
        raise EventsError(f"{action_code} no es una línea de acción AI1 del programa {received_on.year}.")
    return line


def create_request(*, received_on: date, requester: Organization, subject: str, action_code: str = "",
                   attended_on: date | None = None, notes: str = "", actor) -> PartnerRequest:
    subject = clean(subject)
    if not subject:
        raise EventsError("El asunto es obligatorio.")
    check_attention(received_on, attended_on)
    line = _request_line(received_on, action_code)
    item = PartnerRequest(received_on=received_on, attended_on=attended_on, requester_id=requester.id,
                          subject=subject, subject_key=fold(subject), action_line_id=line.id if line else None,
                          notes=(notes or "").strip())
    db.session.add(item)
    db.session.flush()
    audit.record(actor, "request.create", item)
    db.session.commit()
    return item


_REQUEST_AUDITED = ("received_on", "attended_on", "requester_id", "subject", "action_line_id", "notes")


def update_request(item: PartnerRequest, *, received_on: date, requester: Organization, subject: str,
                   action_code: str = "", attended_on: date | None = None, notes: str = "", actor) -> dict:
    """Changes every field of a recorded request; returns (and audits) what changed, {field: [before, after]}."""
    subject = clean(subject)
    if not subject:
        raise EventsError("El asunto es obligatorio.")
    check_attention(received_on, attended_on)
    line = _request_line(received_on, action_code)
    values = {"received_on": received_on, "attended_on": attended_on, "requester_id": requester.id,
              "subject": subject, "action_line_id": line.id if line else None, "notes": (notes or "").strip()}
    changes = {name: [_plain(getattr(item, name)), _plain(values[name])] for name in _REQUEST_AUDITED
               if getattr(item, name) != values[name]}
    for name, value in values.items():
        setattr(item, name, value)
    item.subject_key = fold(subject)
    if changes:
        audit.record(actor, "request.update", item, {"changes": changes})
    db.session.commit()
    return changes


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
