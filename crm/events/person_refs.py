"""What events hold about a person, for contacts (crm.contacts.references): attendance at activities and
participation in observation programs. Registered by the composition root (crm.app.wiring)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from crm.contacts.models import Person
from crm.contacts.references import PageSection, Participation, PersonReference
from crm.core.display import label, short_date
from crm.core.extensions import db
from crm.events.models import Attendance, Participant

# --- attendance ----------------------------------------------------------------------------------


def _merge_attendance(survivor_id: int, other_id: int) -> None:
    """The other's attendance moves to the survivor; an activity both attended stays once (the survivor's)."""
    taken = set(db.session.scalars(select(Attendance.activity_id).where(Attendance.person_id == survivor_id)))
    for row in db.session.scalars(select(Attendance).where(Attendance.person_id == other_id)).all():
        if row.activity_id in taken:
            db.session.delete(row)
        else:
            row.person_id = survivor_id


def _keep_attendance(person_id: int) -> None:
    """Anonymisation keeps the attendance: it counts for the indicators and now points at no identity."""


def _export_attendance(person: Person) -> dict:
    return {"attendance": [{"activity": a.activity.title, "date": a.activity.date.isoformat()}
                           for a in db.session.scalars(select(Attendance).where(Attendance.person_id == person.id))]}


def _attendance_page(person: Person) -> Participation:
    attendance = db.session.scalars(select(Attendance).where(Attendance.person_id == person.id)
                                    .options(selectinload(Attendance.activity))).all()
    section = PageSection("Asistencia a actividades",
                          [f"{short_date(a.activity.date)} · {a.activity.title}" for a in attendance],
                          "Sin asistencias registradas.")
    timeline = [(a.recorded_at, f"Asistió a «{a.activity.title}» ({short_date(a.activity.date)})") for a in attendance]
    return Participation([section], timeline)


ATTENDANCE = PersonReference("attendance", merge=_merge_attendance, erase=_keep_attendance,
                             export=_export_attendance, participation=_attendance_page)


# --- observation programs ------------------------------------------------------------------------


def _merge_participations(survivor_id: int, other_id: int) -> None:
    """One participation per program: the survivor's keeps the best of both (folio, training, accreditation)."""
    mine = {p.program_id: p for p in db.session.scalars(select(Participant).where(Participant.person_id == survivor_id))}
    for row in db.session.scalars(select(Participant).where(Participant.person_id == other_id)).all():
        kept = mine.get(row.program_id)
        if kept is None:
            row.person_id = survivor_id
            continue
        kept.folio = kept.folio or row.folio
        kept.training_completed = kept.training_completed or row.training_completed
        if kept.accreditation_status in ("requested", "in_review") and row.accreditation_status == "accredited":
            kept.accreditation_status, kept.folio = "accredited", row.folio or kept.folio
        db.session.delete(row)


def _erase_folios(person_id: int) -> None:
    """Anonymisation keeps the participation (it counts) but clears the folio, which identifies the person."""
    db.session.execute(update(Participant).where(Participant.person_id == person_id).values(folio=""))


def _export_participations(person: Person) -> dict:
    return {"observation_programs": [
        {"program": p.program.name, "role": p.role, "accreditation_status": p.accreditation_status, "folio": p.folio,
         "training_completed": p.training_completed}
        for p in db.session.scalars(select(Participant).where(Participant.person_id == person.id))]}


def _participation_line(p: Participant) -> str:
    role = "persona observadora" if p.role == "observer" else "persona visitante extranjera"
    line = f"{p.program.name}: {role}, acreditación: {label(p.accreditation_status, 'acreditacion').lower()}"
    if p.folio:
        line += f" (folio {p.folio})"
    if p.training_completed:
        line += ", capacitación concluida"
    return line


def _participations_page(person: Person) -> Participation:
    participations = db.session.scalars(select(Participant).where(Participant.person_id == person.id)).all()
    return Participation([PageSection("Programas de observación", [_participation_line(p) for p in participations],
                                      "Sin participación.")])


OBSERVATION_PROGRAMS = PersonReference("observation_programs", merge=_merge_participations, erase=_erase_folios,
                                       export=_export_participations, participation=_participations_page)
