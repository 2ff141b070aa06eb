"""What mailings hold about a person, for contacts (crm.contacts.references): the deliveries (with the address
they went to), the unsubscribe token, and bounces of the person's addresses. Registered by crm.app.wiring."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import selectinload

from crm.contacts.models import Person, PersonEmail
from crm.contacts.privacy.consent import EmailBounce
from crm.contacts.references import PageSection, Participation, PersonReference
from crm.core.display import short_date
from crm.core.extensions import db
from crm.mailings.models import MailingRecipient, UnsubscribeToken


def _merge(survivor_id: int, other_id: int) -> None:
    """The other's deliveries move to the survivor (a mailing both received keeps the other's row unlinked);
    the survivor keeps its unsubscribe token (the other's is dropped, or moved when the survivor has none)."""
    taken = set(db.session.scalars(select(MailingRecipient.mailing_id).where(MailingRecipient.person_id == survivor_id)))
    for row in db.session.scalars(select(MailingRecipient).where(MailingRecipient.person_id == other_id)).all():
        row.person_id = None if row.mailing_id in taken else survivor_id
    mine = db.session.scalar(select(UnsubscribeToken).where(UnsubscribeToken.person_id == survivor_id))
    theirs = db.session.scalar(select(UnsubscribeToken).where(UnsubscribeToken.person_id == other_id))
    if theirs is not None:
        if mine is None:
            theirs.person_id = survivor_id
        else:
            db.session.delete(theirs)
    db.session.flush()


def _erase(person_id: int) -> None:
    """Anonymisation: the deliveries stay counted but lose the address and the link to the person; the token
    and the bounces of the person's addresses are deleted."""
    keys = list(db.session.scalars(select(PersonEmail.address_key).where(PersonEmail.person_id == person_id)))
    db.session.execute(update(MailingRecipient).where(MailingRecipient.person_id == person_id)
                       .values(person_id=None, address="", address_key="", reply="")
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(UnsubscribeToken).where(UnsubscribeToken.person_id == person_id))
    if keys:
        db.session.execute(delete(EmailBounce).where(EmailBounce.address_key.in_(keys)))


def _rows(person: Person) -> list[MailingRecipient]:
    return list(db.session.scalars(select(MailingRecipient).where(MailingRecipient.person_id == person.id)
                                   .options(selectinload(MailingRecipient.mailing)).order_by(MailingRecipient.id)))


def _export(person: Person) -> dict:
    return {"mailings": [{"subject": r.mailing.subject, "address": r.address, "state": r.state,
                          "sent_at": r.sent_at.isoformat() if r.sent_at else None} for r in _rows(person)]}


def _page(person: Person) -> Participation:
    rows = [r for r in _rows(person) if r.sent_at is not None]
    section = PageSection("Correos de difusión recibidos",
                          [f"{short_date(r.sent_at)} · {r.mailing.subject}" for r in rows],
                          "No ha recibido correos de difusión.")
    return Participation([section], [(r.sent_at, f"Recibió el correo «{r.mailing.subject}»") for r in rows])


MAILINGS = PersonReference("mailings", merge=_merge, erase=_erase, export=_export, participation=_page)
