"""Activities and attendance, partner requests (gestiones), observation programs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import _in
from crm.core.extensions import db
from crm.core.timeutil import utcnow

ACTIVITY_TYPES = {
    "reunion": "Reunión", "taller": "Taller", "curso": "Curso", "foro": "Foro", "conversatorio": "Conversatorio",
    "seminario": "Seminario", "difusion": "Difusión", "mision_observacion": "Misión de observación",
    "jornada": "Jornada", "otro": "Otro",
}
MODALITIES = {"presencial": "Presencial", "virtual": "Virtual", "hibrida": "Híbrida"}

activity_organization = db.Table(
    "activity_organization",
    db.Column("activity_id", ForeignKey("activity.id", ondelete="CASCADE"), primary_key=True),
    db.Column("organization_id", ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True),
)


class Activity(db.Model):
    __tablename__ = "activity"
    __table_args__ = (
        CheckConstraint(_in("type", list(ACTIVITY_TYPES)) + " OR type IS NULL", name="type_known"),
        CheckConstraint(_in("modality", list(MODALITIES)) + " OR modality IS NULL", name="modality_known"),
        Index("ix_activity_dedupe", "date", "action_line_id", "title_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[date] = mapped_column(Date, index=True)  # local date
    action_line_id: Mapped[int] = mapped_column(ForeignKey("action_line.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    title_key: Mapped[str] = mapped_column(String(300))
    type: Mapped[str | None] = mapped_column(String(30))
    modality: Mapped[str | None] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    action_line = relationship("ActionLine", lazy="joined")
    organizations = relationship("Organization", secondary=activity_organization, order_by="Organization.name")
    attendances: Mapped[list[Attendance]] = relationship(back_populates="activity", cascade="all, delete-orphan")
    evidence: Mapped[list[ActivityEvidence]] = relationship(back_populates="activity", cascade="all, delete-orphan",
                                                            order_by="ActivityEvidence.id")


EVIDENCE_KINDS = {"link": "Enlace", "file": "Archivo"}


class ActivityEvidence(db.Model):
    """A means of verification of an activity (the matrix's "informes de las actividades realizadas"): a link
    (http or https) or a file (PDF or image) kept outside the database under a document key."""

    __tablename__ = "activity_evidence"
    __table_args__ = (
        CheckConstraint(_in("kind", list(EVIDENCE_KINDS)), name="kind_known"),
        CheckConstraint("(kind = 'link' AND url IS NOT NULL AND document_key IS NULL) OR "
                        "(kind = 'file' AND document_key IS NOT NULL AND url IS NULL)", name="link_or_file"),
        CheckConstraint("url IS NULL OR url LIKE 'http://%' OR url LIKE 'https://%'", name="url_http"),
        CheckConstraint("size_bytes IS NULL OR size_bytes >= 0", name="size_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))
    document_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    media_type: Mapped[str | None] = mapped_column(String(100))
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="evidence")
    added_by = relationship("User")


class Attendance(db.Model):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("activity_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped[Activity] = relationship(back_populates="attendances")
    person = relationship("Person")


class PartnerRequest(db.Model):
    """A request (gestión) received from INE, a local electoral body or an internal area."""

    __tablename__ = "partner_request"
    __table_args__ = (
        CheckConstraint("attended_on IS NULL OR attended_on >= received_on", name="attended_after_received"),
        Index("ix_partner_request_dedupe", "received_on", "requester_id", "subject_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    attended_on: Mapped[date | None] = mapped_column(Date)
    requester_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    subject: Mapped[str] = mapped_column(String(500))
    subject_key: Mapped[str] = mapped_column(String(500))
    action_line_id: Mapped[int | None] = mapped_column(ForeignKey("action_line.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    requester = relationship("Organization", lazy="joined")
    action_line = relationship("ActionLine", lazy="joined")

    @property
    def status(self) -> str:
        return "attended" if self.attended_on else "pending"


class ObservationProgram(db.Model):
    """The observation and foreign-visitor program of one election day."""

    __tablename__ = "observation_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    election_date: Mapped[date | None] = mapped_column(Date)
    component_code: Mapped[str | None] = mapped_column(String(20))  # AI5, AI6
    year: Mapped[int | None]

    participants: Mapped[list[Participant]] = relationship(back_populates="program", cascade="all, delete-orphan")


class Participant(db.Model):
    __tablename__ = "program_participant"
    __table_args__ = (
        UniqueConstraint("program_id", "person_id"),
        CheckConstraint(_in("role", ["observer", "visitor"]), name="role_known"),
        CheckConstraint(_in("accreditation_status", ["requested", "in_review", "accredited", "rejected", "cancelled"]),
                        name="accreditation_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("observation_program.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="observer")
    accreditation_status: Mapped[str] = mapped_column(String(20), default="requested")
    folio: Mapped[str] = mapped_column(String(60), default="")
    training_completed: Mapped[bool] = mapped_column(default=False)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))

    program: Mapped[ObservationProgram] = relationship(back_populates="participants")
    person = relationship("Person")
    organization = relationship("Organization")
