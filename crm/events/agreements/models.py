"""Agreements (convenios) with partner organizations: their state, every dated and attributed transition, the
two milestones that count as realized activities under an action line (the opinion on pertinence and the
signing), the validity end and the signed document (a key of crm.core.documents)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import _in
from crm.core.display import DETAIL_VALUES, register_labels
from crm.core.extensions import db
from crm.core.timeutil import utcnow

# code -> label (the label, folded, is what the agreements file writes)
AGREEMENT_TYPES = {
    "convenio_general": "Convenio general", "convenio_especifico": "Convenio específico",
    "programa_trabajo": "Programa de trabajo", "carta_intencion": "Carta de intención",
    "acuerdo_colaboracion": "Acuerdo de colaboración", "otro": "Otro",
}
STATES = {
    "en_negociacion": "En negociación", "en_dictamen": "En dictamen", "dictaminado": "Dictaminado",
    "firmado": "Firmado", "concluido": "Concluido", "cancelado": "Cancelado",
}
register_labels(DETAIL_VALUES, STATES)  # a transition's audit entry names them
register_labels("estado_convenio", STATES)
# the states an agreement may move to from each state (cancelado: from any state not final)
NEXT_STATES = {
    "en_negociacion": ("en_dictamen", "cancelado"), "en_dictamen": ("dictaminado", "cancelado"),
    "dictaminado": ("firmado", "cancelado"), "firmado": ("concluido", "cancelado"),
    "concluido": (), "cancelado": (),
}
SIGNED_STATES = ("firmado", "concluido")  # states that need a signing date
MAX_FOLIO = 80
MAX_TITLE = 300
MAX_AREA = 200

agreement_organization = db.Table(
    "agreement_organization",
    db.Column("agreement_id", ForeignKey("agreement.id", ondelete="CASCADE"), primary_key=True),
    db.Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Agreement(db.Model):
    __tablename__ = "agreement"
    __table_args__ = (
        CheckConstraint(_in("state", list(STATES)), name="state_known"),
        CheckConstraint(_in("type", list(AGREEMENT_TYPES)) + " OR type IS NULL", name="type_known"),
        CheckConstraint("state NOT IN ('firmado', 'concluido') OR signed_on IS NOT NULL", name="signed_when_signed"),
        CheckConstraint("valid_until IS NULL OR signed_on IS NULL OR valid_until >= signed_on",
                        name="valid_after_signing"),
        CheckConstraint("opinion_line_id IS NULL OR opinion_on IS NOT NULL", name="opinion_line_dated"),
        CheckConstraint("signing_line_id IS NULL OR signed_on IS NOT NULL", name="signing_line_dated"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    folio: Mapped[str] = mapped_column(String(MAX_FOLIO))
    folio_key: Mapped[str] = mapped_column(String(MAX_FOLIO), unique=True)  # folded: unique ignoring case
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    type: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20), default="en_negociacion", index=True)
    responsible_area: Mapped[str] = mapped_column(String(MAX_AREA), default="")
    opinion_on: Mapped[date | None] = mapped_column(Date, index=True)  # dictamen
    opinion_line_id: Mapped[int | None] = mapped_column(ForeignKey("action_line.id"), index=True)
    signed_on: Mapped[date | None] = mapped_column(Date, index=True)  # firma
    signing_line_id: Mapped[int | None] = mapped_column(ForeignKey("action_line.id"), index=True)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)  # vigencia_fin
    notes: Mapped[str] = mapped_column(Text, default="")
    document_key: Mapped[str | None] = mapped_column(String(64))  # crm.core.documents key of the signed PDF
    document_name: Mapped[str] = mapped_column(String(200), default="")  # as uploaded, shown only
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    counterparts = relationship("Organization", secondary=agreement_organization, order_by="Organization.name")
    opinion_line = relationship("ActionLine", foreign_keys=[opinion_line_id], lazy="joined")
    signing_line = relationship("ActionLine", foreign_keys=[signing_line_id], lazy="joined")
    transitions: Mapped[list[AgreementTransition]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan",
        order_by="AgreementTransition.id")

    @property
    def state_label(self) -> str:
        return STATES[self.state]

    @property
    def type_label(self) -> str:
        return AGREEMENT_TYPES.get(self.type or "", "")


class AgreementTransition(db.Model):
    """One change of an agreement's state: from what (None when it was recorded), to what, on which date, by
    whom and when it was written down."""

    __tablename__ = "agreement_transition"
    __table_args__ = (
        CheckConstraint(_in("from_state", list(STATES)) + " OR from_state IS NULL", name="from_known"),
        CheckConstraint(_in("to_state", list(STATES)), name="to_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreement.id", ondelete="CASCADE"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    on_date: Mapped[date] = mapped_column(Date)  # the local date the change took effect
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))  # the account's address, or "línea de comandos"
    at: Mapped[datetime] = mapped_column(default=utcnow)  # when it was recorded (UTC)

    agreement: Mapped[Agreement] = relationship(back_populates="transitions")

    @property
    def to_label(self) -> str:
        return STATES[self.to_state]

    @property
    def from_label(self) -> str:
        return STATES[self.from_state] if self.from_state else ""
