"""A person's mailings under ARCO: anonymisation clears the addresses, the access export lists them; merges."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts import dedupe
from crm.contacts.privacy import rights
from crm.contacts.privacy.consent import EmailBounce, mark_bouncing
from crm.core.extensions import db
from crm.mailings import delivery
from crm.mailings.models import MailingRecipient, UnsubscribeToken
from tests.mailings.conftest import consented


def test_anonymising_a_person_clears_their_address_from_deliveries_and_bounces(mail_app, smtp):
    rosa = consented("Rosa", networks=("rvc",))
    address = rosa.primary_email.address
    mailing = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="Boletín", body="Hola"))
    delivery.deliver(mailing.id)
    exported = rights.access_export(rosa, actor="prueba")
    assert exported["mailings"] == [{"subject": "Boletín", "address": address, "state": "sent",
                                     "sent_at": exported["mailings"][0]["sent_at"]}]
    mark_bouncing(address, "5.1.1", "550 no existe")
    db.session.commit()
    rights.block(rosa, actor="prueba")
    rights.anonymize(rosa, actor="prueba")
    row = db.session.scalar(select(MailingRecipient))
    assert row.state == "sent" and row.address == "" and row.person_id is None  # still counted, no identity
    assert db.session.scalar(select(EmailBounce)) is None
    assert db.session.scalar(select(UnsubscribeToken)) is None


def test_merging_two_records_moves_the_deliveries(mail_app, smtp):
    first = consented("Rosa", networks=("rvc",))
    second = consented("Rosa", networks=("observacion",))
    one = delivery.create_mailing(delivery.Draft(segment="red:rvc", subject="A", body="Hola"))
    two = delivery.create_mailing(delivery.Draft(segment="todos", subject="B", body="Hola"))
    for mailing in (one, two):
        delivery.deliver(mailing.id)
    dedupe.merge(first, second, actor="prueba")
    rows = db.session.execute(select(MailingRecipient.mailing_id, MailingRecipient.person_id)
                              .order_by(MailingRecipient.id)).all()
    # mailing one: only the first; mailing two: both (the second's row kept, unlinked)
    assert sorted(rows, key=lambda r: (r[0], r[1] or 0)) == [(one.id, first.id), (two.id, None), (two.id, first.id)]
    assert db.session.scalars(select(UnsubscribeToken.person_id)).all() == [first.id]
