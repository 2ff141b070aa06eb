"""People from the staff pages: create, edit, notes, and the audited view of a record."""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from crm.contacts import phones
from crm.contacts.catalogs import match_alcaldia
from crm.contacts.models import Note, Person, PersonEmail, PersonPhone
from crm.contacts.services import DEFAULT_COUNTRY, ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import clean, fold


@dataclass
class PersonData:
    given_name: str
    first_surname: str
    second_surname: str = ""
    sex: str | None = None
    email: str = ""
    phone: str = ""
    country: str = "MX"
    state: str = ""
    city: str = ""
    alcaldia: str | None = None
    origin_alcaldia: str | None = None
    language: str = "es"


def normalize_phone(raw: str, country: str) -> str:
    """E.164 for a phone in any common writing (a number without + is read in `country`), or ContactsError."""
    e164 = phones.normalize_phone(raw, country or DEFAULT_COUNTRY)
    if e164 is None:
        raise ContactsError(f"«{raw}» no es un número de teléfono válido para su país.")
    return e164


def _check_email(address: str, person: Person | None) -> str:
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        raise ContactsError(f"«{address}» no es una dirección de correo válida.") from None
    owner = db.session.scalar(select(PersonEmail.person_id).where(PersonEmail.address_key == address.lower()))
    if owner is not None and (person is None or owner != person.id):
        raise ContactsError(f"El correo {address} ya pertenece a otra persona registrada.")
    return address


def _apply(person: Person, data: PersonData) -> dict:
    if person.is_anonymized:
        raise ContactsError("La persona fue anonimizada y no puede recibir cambios.")
    changes: dict = {}
    fields = {
        "given_name": clean(data.given_name), "first_surname": clean(data.first_surname),
        "second_surname": clean(data.second_surname), "sex": data.sex or None, "country": (data.country or "MX").upper(),
        "state": clean(data.state), "city": clean(data.city), "language": data.language or "es",
        "alcaldia": match_alcaldia(data.alcaldia) if data.alcaldia else None,
        "origin_alcaldia": match_alcaldia(data.origin_alcaldia) if data.origin_alcaldia else None,
    }
    if not fields["given_name"] or not fields["first_surname"]:
        raise ContactsError("El nombre y el primer apellido son obligatorios.")
    if fields["alcaldia"] and fields["country"] != "MX":
        raise ContactsError("La alcaldía solo aplica a personas que residen en México.")
    for name, value in fields.items():
        if getattr(person, name) != value:
            changes[name] = [getattr(person, name), value]
            setattr(person, name, value)
    person.name_key = fold(person.full_name)
    email = clean(data.email)
    if email:
        _check_email(email, person if person.id else None)
        current = person.primary_email
        if current is None or current.address_key != email.lower():
            for item in person.emails:
                item.is_primary = False
            existing = next((e for e in person.emails if e.address_key == email.lower()), None)
            if existing:
                existing.is_primary = True
            else:
                person.emails.append(PersonEmail(address=email, address_key=email.lower(), is_primary=True))
            changes["email"] = [current.address if current else None, email]
    phone = clean(data.phone)
    if phone:
        e164 = normalize_phone(phone, person.country)
        current_phone = person.primary_phone
        if current_phone is None or current_phone.e164 != e164:
            for item in person.phones:
                item.is_primary = False
            existing_phone = next((p for p in person.phones if p.e164 == e164), None)
            if existing_phone:
                existing_phone.is_primary = True
            else:
                person.phones.append(PersonPhone(e164=e164, is_primary=True))
            changes["phone"] = [current_phone.e164 if current_phone else None, e164]
    if not person.emails and not person.phones:
        raise ContactsError("Registre al menos un correo o un teléfono.")
    return changes


def create_person(data: PersonData, *, actor) -> Person:
    person = Person(given_name="", first_surname="")
    _apply(person, data)
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "person.create", person)
    db.session.commit()
    return person


def update_person(person: Person, data: PersonData, *, actor) -> Person:
    try:
        changes = _apply(person, data)
    except ContactsError:
        db.session.rollback()
        raise
    if changes:
        audit.record(actor, "person.update", person, {"fields": sorted(changes)})
    db.session.commit()
    return person


def add_note(person: Person, body: str, *, actor) -> Note:
    body = (body or "").strip()
    if not body:
        raise ContactsError("La nota está vacía.")
    if person.is_anonymized:
        raise ContactsError("La persona fue anonimizada y no puede recibir cambios.")
    note = Note(person=person, body=body[:5000], author_id=getattr(actor, "id", None))
    db.session.add(note)
    audit.record(actor, "person.note", person)
    db.session.commit()
    return note


def record_view(person: Person, *, actor) -> None:
    audit.record(actor, "person.view", person)
    db.session.commit()
