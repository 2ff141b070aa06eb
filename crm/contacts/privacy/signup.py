"""Public sign-up to a network: consent with the notice version, e-mail confirmation, staff review."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from crm.contacts.catalogs import match_alcaldia
from crm.contacts.models import Consent, Membership, Network, Person, PersonEmail
from crm.contacts.people import normalize_phone
from crm.contacts.privacy.consent import current_notice
from crm.contacts.services import ContactsError
from crm.core import audit, mail
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import utcnow


@dataclass
class SignupData:
    given_name: str
    first_surname: str
    second_surname: str
    email: str
    phone: str
    country: str
    state: str
    city: str
    alcaldia: str
    language: str


def sign_up(network: Network, data: SignupData, *, confirm_url_for) -> Membership:
    """Creates (or finds by e-mail) the person and an applicant membership awaiting e-mail confirmation.

    An existing person's data is never overwritten from a public form; the answer is the same whether
    the address was known or not, so the page reveals nothing about who is registered.
    """
    email = clean(data.email)
    country = (data.country or "MX").upper()
    phone = normalize_phone(data.phone, country) if clean(data.phone) else None
    alcaldia = match_alcaldia(data.alcaldia) if clean(data.alcaldia) else None
    if clean(data.alcaldia) and alcaldia is None:
        raise ContactsError("La alcaldía no es una de las 16 alcaldías de la Ciudad de México.")
    owner_id = db.session.scalar(select(PersonEmail.person_id).where(PersonEmail.address_key == email.lower()))
    if owner_id is not None:
        person = db.session.get(Person, owner_id)
    else:
        person = Person(given_name=clean(data.given_name), first_surname=clean(data.first_surname),
                        second_surname=clean(data.second_surname), country=country, state=clean(data.state),
                        city=clean(data.city), language=data.language if data.language in ("es", "en") else "es")
        if network.code == "rvc":
            person.origin_alcaldia = alcaldia
        elif country == "MX":
            person.alcaldia = alcaldia
        person.name_key = fold(person.full_name)
        person.emails.append(PersonEmail(address=email, address_key=email.lower(), is_primary=True))
        if phone:
            from crm.contacts.models import PersonPhone

            person.phones.append(PersonPhone(e164=phone, is_primary=True))
        db.session.add(person)
        db.session.flush()
    if person.status != "active":
        raise ContactsError("No es posible completar el registro con estos datos. Escríbanos para ayudarle.")
    notice = current_notice()
    person.consents.append(Consent(notice_version=notice.version, channel="web", purpose=f"red:{network.code}"))
    membership = db.session.scalar(select(Membership).where(Membership.person_id == person.id,
                                                            Membership.network_id == network.id))
    if membership is None:
        membership = Membership(person_id=person.id, network_id=network.id, status="applicant", source="web")
        db.session.add(membership)
    if membership.status == "applicant":
        membership.confirm_token = secrets.token_urlsafe(32)
    db.session.flush()
    audit.record("formulario público", "membership.signup", person, {"network": network.code})
    db.session.commit()
    if membership.confirm_token:
        lang = person.language if person.language in ("es", "en") else "es"
        link = confirm_url_for(membership.confirm_token, lang)
        if lang == "en":
            subject = f"Confirm your registration in the {network.name}"
            body = (f"Hello {person.given_name},\n\nTo confirm your e-mail address and your application to the "
                    f"{network.name}, open this link:\n{link}\n\nIf you did not request it, ignore this message.\n\n"
                    "Instituto Electoral de la Ciudad de México")
        else:
            subject = f"Confirme su registro en la {network.name}"
            body = (f"Hola, {person.given_name}:\n\nPara confirmar su correo y su solicitud de ingreso a la "
                    f"{network.name}, abra este enlace:\n{link}\n\nSi usted no lo solicitó, ignore este mensaje.\n\n"
                    "Instituto Electoral de la Ciudad de México")
        mail.send(email, subject, body)
    return membership


def confirm(token: str) -> Membership | None:
    membership = db.session.scalar(select(Membership).where(Membership.confirm_token == token))
    if membership is None:
        return None
    membership.confirm_token = None
    membership.joined_at = utcnow()
    audit.record("formulario público", "membership.confirm_email", membership.person,
                 {"network": membership.network.code})
    db.session.commit()
    return membership


def pending_applicants(network: Network) -> list[Membership]:
    """Applicants who confirmed their address and await staff review."""
    return list(db.session.scalars(select(Membership).where(
        Membership.network_id == network.id, Membership.status == "applicant", Membership.confirm_token.is_(None))
        .order_by(Membership.joined_at)))


def review(membership: Membership, approve: bool, *, actor) -> Membership:
    if membership.status != "applicant":
        raise ContactsError("La solicitud ya fue revisada.")
    if membership.confirm_token is not None:
        raise ContactsError("La persona aún no confirma su correo.")
    membership.status = "active" if approve else "withdrawn"
    audit.record(actor, "membership.approve" if approve else "membership.reject", membership.person,
                 {"network": membership.network.code})
    db.session.commit()
    return membership
