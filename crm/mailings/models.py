"""A mailing, one row per recipient with its delivery state, and each person's unsubscribe token."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.core.extensions import db
from crm.core.timeutil import utcnow


def _in(column: str, values: list[str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


MAILING_STATES = ["queued", "sending", "done", "failed"]
# pending -> sending (committed before the message goes to the server) -> sent | failed; sent -> bounced;
# pending -> skipped when, by the time of sending, the person may no longer be e-mailed (opposed meanwhile).
# A recipient left "sending" by a crash is never sent again: the server may have accepted the message.
RECIPIENT_STATES = ["pending", "sending", "sent", "failed", "bounced", "skipped"]


class Mailing(db.Model):
    __tablename__ = "mailing"
    __table_args__ = (CheckConstraint(_in("status", MAILING_STATES), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    segment: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(250))
    body: Mapped[str] = mapped_column(Text)
    subject_en: Mapped[str] = mapped_column(String(250), default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    action_line_id: Mapped[int | None] = mapped_column(ForeignKey("action_line.id", ondelete="SET NULL"),
                                                       index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    error: Mapped[str] = mapped_column(Text, default="")
    skipped: Mapped[dict] = mapped_column(JSON, default=dict)  # reason -> count, when it was composed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    sent_on: Mapped[date | None] = mapped_column(Date, index=True)  # local day of its first delivery

    recipients: Mapped[list[MailingRecipient]] = relationship(back_populates="mailing",
                                                              order_by="MailingRecipient.id")
    action_line = relationship("ActionLine")


class MailingRecipient(db.Model):
    __tablename__ = "mailing_recipient"
    __table_args__ = (
        UniqueConstraint("mailing_id", "person_id"),
        CheckConstraint(_in("state", RECIPIENT_STATES), name="state_known"),
        Index("ix_mailing_recipient_state", "mailing_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailing.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    address_key: Mapped[str] = mapped_column(String(254), index=True)
    language: Mapped[str] = mapped_column(String(2), default="es")
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    reply: Mapped[str] = mapped_column(Text, default="")  # the server's reply to a failure, or the bounce
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    mailing: Mapped[Mailing] = relationship(back_populates="recipients")
    person = relationship("Person")


class UnsubscribeToken(db.Model):
    """A random token per person for the one-click unsubscribe link: no personal data in the URL."""

    __tablename__ = "unsubscribe_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person = relationship("Person")
