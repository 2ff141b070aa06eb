"""ARCO rights: requests with their legal deadline, access (JSON), block, anonymize, opposition."""

from __future__ import annotations

from datetime import date

from flask import current_app, has_app_context
from sqlalchemy import delete, select

from crm.contacts.dedupe import snapshot
from crm.contacts.models import (
    Affiliation,
    ArcoRequest,
    ChannelPreference,
    Membership,
    Note,
    Person,
    PersonEmail,
    PersonPhone,
    person_tag,
)
from crm.contacts.privacy.redaction import redact_person
from crm.contacts.references import erase_references, export_references
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.timeutil import business_days_after, local_today, utcnow

ARCO_KINDS = {"access": "Acceso", "rectification": "Rectificación", "cancellation": "Cancelación",
              "opposition": "Oposición"}
ARCO_STATUSES = {"open": "En trámite", "resolved": "Atendida", "rejected": "Improcedente"}


def deadline_days() -> int:
    if has_app_context():
        return int(current_app.config.get("CRM_ARCO_DEADLINE_BUSINESS_DAYS", 20))
    return 20


def register_request(person: Person | None, kind: str, received_on: date, details: str = "", *, actor) -> ArcoRequest:
    if kind not in ARCO_KINDS:
        raise ContactsError(f"Tipo de solicitud desconocido: {kind}.")
    if received_on > local_today():
        raise ContactsError("La fecha de recepción no puede ser futura.")
    request = ArcoRequest(person_id=person.id if person else None, kind=kind, received_on=received_on,
                          due_on=business_days_after(received_on, deadline_days()), details=details.strip()[:5000],
                          created_by_id=getattr(actor, "id", None))
    db.session.add(request)
    db.session.flush()
    audit.record(actor, "arco.register", request, {"kind": kind, "person_id": request.person_id})
    db.session.commit()
    return request


def resolve_request(request: ArcoRequest, status: str, *, actor, on: date | None = None) -> ArcoRequest:
    if status not in ("resolved", "rejected"):
        raise ContactsError("Estado de resolución no válido.")
    request.status, request.resolved_on = status, on or local_today()
    audit.record(actor, "arco.resolve", request, {"status": status})
    db.session.commit()
    return request


def requests_with_days_left() -> tuple[list[ArcoRequest], dict[int, int]]:
    """Every request (by status, then due date) and the business days left of each open one (request id ->)."""
    items = list(db.session.scalars(select(ArcoRequest).order_by(ArcoRequest.status, ArcoRequest.due_on)))
    return items, {r.id: business_days_left(r) for r in items if r.status == "open"}


def business_days_left(request: ArcoRequest, today: date | None = None) -> int:
    """Business days from today to the due date (negative when overdue)."""
    today = today or local_today()
    if today <= request.due_on:
        count, current = 0, today
        while current < request.due_on:
            current = business_days_after(current, 1)
            count += 1
        return count
    count, current = 0, request.due_on
    while current < today:
        current = business_days_after(current, 1)
        count -= 1
    return count


def access_export(person: Person, *, actor) -> dict:
    """The person's full data (ARCO access), audited as an export of personal data."""
    data = snapshot(person)
    data.update(export_references(person))
    data["arco_requests"] = [{"kind": r.kind, "received_on": r.received_on.isoformat(), "status": r.status}
                             for r in db.session.scalars(select(ArcoRequest).where(ArcoRequest.person_id == person.id))]
    audit.record(actor, "arco.access_export", person)
    db.session.commit()
    return data


def block(person: Person, *, actor) -> Person:
    """First step of cancellation: the record stays but is excluded from every use."""
    if person.is_anonymized:
        raise ContactsError("La persona ya fue anonimizada.")
    person.status = "blocked"
    audit.record(actor, "person.block", person)
    db.session.commit()
    return person


def anonymize(person: Person, *, actor) -> Person:
    """Cancellation: identity removed; survey answers kept for the aggregates, linked to no one; the audit
    log's entries that hold the person's data are redacted (crm.contacts.privacy.redaction), not removed.

    What other packages hold about the person is unlinked or cleared by its registered person reference
    (crm.contacts.references), in this transaction.
    """
    if person.is_anonymized:
        raise ContactsError("La persona ya fue anonimizada.")
    if person.status != "blocked":
        raise ContactsError("Primero bloquee el registro; la anonimización es el segundo paso de la cancelación.")
    person_id = person.id
    redact_person(person, actor=actor)  # merge snapshots in the audit log hold the person's data too
    erase_references(person_id)
    for model in (PersonEmail, PersonPhone, Affiliation, Note, ChannelPreference, Membership):
        db.session.execute(delete(model).where(model.person_id == person_id))
    db.session.execute(person_tag.delete().where(person_tag.c.person_id == person_id))
    db.session.expire(person)
    person.given_name, person.first_surname, person.second_surname = "Persona", "anonimizada", ""
    person.name_key = ""
    person.sex = None
    person.state = person.city = ""
    person.alcaldia = person.origin_alcaldia = person.nationality = None
    person.status = "anonymized"
    person.updated_at = utcnow()
    audit.record(actor, "person.anonymize", person)
    db.session.commit()
    return person


def set_opposition(person: Person, channel: str, opted_out: bool, *, actor) -> ChannelPreference:
    if channel not in ("email", "whatsapp", "phone"):
        raise ContactsError(f"Canal desconocido: {channel}.")
    pref = next((p for p in person.channel_preferences if p.channel == channel), None)
    if pref is None:
        pref = ChannelPreference(person=person, channel=channel)
        db.session.add(pref)
    pref.opted_out, pref.changed_at = opted_out, utcnow()
    audit.record(actor, "person.opposition", person, {"channel": channel, "opted_out": opted_out})
    db.session.commit()
    return pref


def can_contact(person: Person, channel: str) -> bool:
    """Every bulk action asks this: active record and no opposition on the channel."""
    return person.status == "active" and not person.opposes(channel)
