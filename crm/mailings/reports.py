"""What the staff pages show: the mailings with their counts, one mailing's deliveries, the bouncing addresses,
and a preview of a message as one person would receive it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from crm.contacts.models import Person, PersonEmail
from crm.contacts.privacy.consent import EmailBounce
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.mailings import unsubscribe
from crm.mailings.compose import Parts, parts
from crm.mailings.models import Mailing, MailingRecipient
from crm.program.models import ActionLine, ProgramYear

STATE_LABELS = {"pending": "Pendiente", "sending": "Sin confirmar (envío interrumpido; no se reenvía)",
                "sent": "Enviado", "failed": "Falló", "bounced": "Rebotó", "skipped": "Omitido al enviar"}
MAILING_LABELS = {"queued": "En espera", "sending": "Enviando", "done": "Terminado", "failed": "Detenido por un error"}


def counts_by_mailing(ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = {i: {} for i in ids}
    rows = db.session.execute(select(MailingRecipient.mailing_id, MailingRecipient.state, func.count())
                              .where(MailingRecipient.mailing_id.in_(ids))
                              .group_by(MailingRecipient.mailing_id, MailingRecipient.state))
    for mailing_id, state, count in rows:
        counts[mailing_id][state] = int(count)
    return counts


def latest_mailings(limit: int = 100) -> list[tuple[Mailing, dict[str, int]]]:
    mailings = list(db.session.scalars(select(Mailing).order_by(Mailing.created_at.desc(), Mailing.id.desc())
                                       .limit(limit)))
    counts = counts_by_mailing([m.id for m in mailings])
    return [(m, counts[m.id]) for m in mailings]


def deliveries(mailing_id: int, limit: int = 1000) -> list[MailingRecipient]:
    return list(db.session.scalars(select(MailingRecipient).where(MailingRecipient.mailing_id == mailing_id)
                                   .order_by(MailingRecipient.id).limit(limit)))


@dataclass
class BouncingAddress:
    address: str
    status: str
    diagnostic: str
    bounced_at: object
    person: Person | None


def bouncing_addresses() -> list[BouncingAddress]:
    """Every bouncing address with the person it belongs to (if any): what staff should fix."""
    rows = db.session.execute(select(EmailBounce, Person).outerjoin(PersonEmail, PersonEmail.address_key == EmailBounce.address_key)
                              .outerjoin(Person, Person.id == PersonEmail.person_id)
                              .order_by(EmailBounce.bounced_at.desc()))
    return [BouncingAddress(b.address_key, b.status, b.diagnostic, b.bounced_at, p) for b, p in rows]


def action_line_choices() -> list[tuple[str, str]]:
    year = local_today().year
    lines = db.session.execute(select(ActionLine.code, ActionLine.description)
                               .join(ProgramYear, ProgramYear.id == ActionLine.program_year_id)
                               .where(ProgramYear.year == year).order_by(ActionLine.code))
    return [(code, f"{code}: {description}"[:120]) for code, description in lines]


@dataclass
class Preview:
    to: str
    message: Parts


def preview(draft, person: Person) -> Preview:
    """The message `person` would receive (subject, plain text, HTML), with a sample link; nothing stored."""
    address = person.primary_email.address if person.primary_email else ""
    return Preview(address, parts(draft, person, unsubscribe.link("ENLACE-PERSONAL")))
