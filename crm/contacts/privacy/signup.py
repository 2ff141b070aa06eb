"""Public sign-up to a network: consent with the notice version, e-mail confirmation, staff review."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from crm.contacts.catalogs import match_alcaldia
from crm.contacts.models import Consent, Membership, Network, Person, PersonEmail, PersonPhone
from crm.contacts.people import normalize_phone
from crm.contacts.privacy.consent import current_notice
from crm.contacts.services import ContactsError
from crm.core import audit, mail
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import utcnow

PUBLIC_FORM = "formulario público"  # the audit actor of what the public sign-up does
CONFIRM_MAX_AGE = 7 * 24 * 3600  # seconds an existing person's confirmation link stays valid
_SALT = "signup-existing-person"  # separates these signatures from the app's others


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


@dataclass
class Confirmation:
    """What the confirmation page shows: the network, and the channels the person opposes (a sign-up never
    lifts an opposition; the page tells them how to)."""

    network: Network
    opposed: list[str]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def sign_up(network: Network, data: SignupData, *, confirm_url_for) -> None:
    """A sign-up, answered the same way whoever the address belongs to (the page reveals nothing).

    - An unknown address: a new person with the consent and an applicant membership that waits for the
      e-mail confirmation (staff review only confirmed applicants).
    - An address of an active person: nothing is written; the e-mail carries a signed, expiring token of what
      was asked, and only opening it adds the consent and the application (`confirm`). An existing person's
      data is never overwritten from a public form, and an opposition is never undone.
    - An address of a blocked person (ARCO): nothing is written and no mail is sent.
    """
    email = clean(data.email)
    country = (data.country or "MX").upper()
    phone = normalize_phone(data.phone, country) if clean(data.phone) else None
    alcaldia = match_alcaldia(data.alcaldia) if clean(data.alcaldia) else None
    if clean(data.alcaldia) and alcaldia is None:
        raise ContactsError("La alcaldía no es una de las 16 alcaldías de la Ciudad de México.")
    owner_id = db.session.scalar(select(PersonEmail.person_id).where(PersonEmail.address_key == email.lower()))
    if owner_id is None:
        person, token = _new_applicant(network, data, email, country, phone, alcaldia)
    else:
        person = db.session.get(Person, owner_id)
        if person.status != "active":
            audit.record(PUBLIC_FORM, "membership.signup_ignored", person, {"network": network.code,
                                                                          "status": person.status})
            db.session.commit()
            return
        email = next(e.address for e in person.emails if e.address_key == email.lower())  # as it is on record
        token = _serializer().dumps({"p": person.id, "n": network.code})
        audit.record(PUBLIC_FORM, "membership.signup_requested", person, {"network": network.code})
        db.session.commit()
    lang = person.language if person.language in ("es", "en") else "es"
    _send_confirmation(email, person.given_name, network, confirm_url_for(token, lang), lang)


def _new_applicant(network: Network, data: SignupData, email: str, country: str, phone: str | None,
                   alcaldia: str | None) -> tuple[Person, str]:
    notice = current_notice()  # the first call on an empty database stores it (and commits)
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
        person.phones.append(PersonPhone(e164=phone, is_primary=True))
    db.session.add(person)
    db.session.flush()
    person.consents.append(Consent(notice_version=notice.version, channel="web", purpose=f"red:{network.code}"))
    membership = Membership(person_id=person.id, network_id=network.id, status="applicant", source="web",
                            confirm_token=secrets.token_urlsafe(32))
    db.session.add(membership)
    db.session.flush()
    audit.record(PUBLIC_FORM, "membership.signup", person, {"network": network.code})
    db.session.commit()
    return person, membership.confirm_token


def _send_confirmation(email: str, given_name: str, network: Network, link: str, lang: str) -> None:
    if lang == "en":
        subject = f"Confirm your registration in the {network.name}"
        body = (f"Hello {given_name},\n\nTo confirm your e-mail address and your application to the "
                f"{network.name}, open this link:\n{link}\n\nIf you did not request it, ignore this message.\n\n"
                "Instituto Electoral de la Ciudad de México")
    else:
        subject = f"Confirme su registro en la {network.name}"
        body = (f"Hola, {given_name}:\n\nPara confirmar su correo y su solicitud de ingreso a la "
                f"{network.name}, abra este enlace:\n{link}\n\nSi usted no lo solicitó, ignore este mensaje.\n\n"
                "Instituto Electoral de la Ciudad de México")
    mail.send(email, subject, body)


def _opposed(person: Person) -> list[str]:
    return sorted(p.channel for p in person.channel_preferences if p.opted_out)


def confirm(token: str) -> Confirmation | None:
    """Opens a confirmation link: a new applicant's stored token, or an existing person's signed one."""
    membership = db.session.scalar(select(Membership).where(Membership.confirm_token == token))
    if membership is not None:
        if membership.person.status != "active":  # blocked since the sign-up
            return None
        membership.confirm_token = None
        membership.joined_at = utcnow()
        audit.record(PUBLIC_FORM, "membership.confirm_email", membership.person, {"network": membership.network.code})
        db.session.commit()
        return Confirmation(membership.network, _opposed(membership.person))
    try:
        asked = _serializer().loads(token, max_age=CONFIRM_MAX_AGE)
        person, network = db.session.get(Person, int(asked["p"])), _network(str(asked["n"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if person is None or network is None or person.status != "active":
        return None
    if _apply_existing(person, network):
        audit.record(PUBLIC_FORM, "membership.confirm_email", person, {"network": network.code})
    db.session.commit()
    return Confirmation(network, _opposed(person))


def _network(code: str) -> Network | None:
    return db.session.scalar(select(Network).where(Network.code == code))


def _apply_existing(person: Person, network: Network) -> bool:
    """What an existing person's confirmed sign-up asked: the consent to the notice in force for this
    network's purpose, and an application unless they already belong to it. Oppositions stay as they are."""
    changed = False
    notice, purpose = current_notice(), f"red:{network.code}"
    if not any(c.notice_version == notice.version and c.purpose == purpose for c in person.consents):
        person.consents.append(Consent(notice_version=notice.version, channel="web", purpose=purpose))
        changed = True
    membership = db.session.scalar(select(Membership).where(Membership.person_id == person.id,
                                                            Membership.network_id == network.id))
    if membership is None:
        db.session.add(Membership(person_id=person.id, network_id=network.id, status="applicant", source="web"))
        changed = True
    elif membership.status == "applicant" and membership.confirm_token is not None:
        membership.confirm_token, membership.joined_at = None, utcnow()
        changed = True
    elif membership.status in ("withdrawn", "inactive"):  # someone who had left applies again: staff review it
        membership.status, membership.confirm_token, membership.joined_at = "applicant", None, utcnow()
        changed = True
    return changed


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
