"""Mailings on the task queue: delivery in the background, and the resumption of one a dead worker left."""

from __future__ import annotations

from datetime import timedelta

from huey import crontab
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.tasks import app_context, huey
from crm.core.timeutil import utcnow
from crm.mailings import delivery
from crm.mailings.models import Mailing, MailingRecipient

STALLED_AFTER = timedelta(minutes=15)


@huey.task(name="difusion.enviar")
def deliver_mailing(mailing_id: int) -> None:
    with app_context():
        try:
            delivery.deliver(mailing_id, actor="tarea de envío")
        except delivery.MailingError:
            db.session.rollback()  # the mailing is marked failed with its message


@huey.periodic_task(crontab(minute="*/15"), name="difusion.reanudar")
def resume_stalled() -> None:
    """A mailing still `sending` with no recipient touched for a while lost its worker (kill -9): resume it.
    Its recipients left `sending` are not sent again."""
    with app_context():
        touched = (select(MailingRecipient.mailing_id, func.max(MailingRecipient.updated_at).label("last"))
                   .group_by(MailingRecipient.mailing_id).subquery())
        stalled = db.session.scalars(select(Mailing.id).join(touched, touched.c.mailing_id == Mailing.id)
                                     .where(Mailing.status == "sending", touched.c.last < utcnow() - STALLED_AFTER))
        for mailing_id in list(stalled):
            deliver_mailing(mailing_id)
