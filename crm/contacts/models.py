"""People, organizations, networks and memberships, tags, notes, consent, ARCO."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.core.extensions import db
from crm.core.timeutil import to_local, utcnow


def _in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


# The institute's categories (CONTRACTS.md, "Organizations file"); `sin_clasificar`: created in passing from
# another file or form until someone classifies it. Labels: crm.contacts.catalogs.ORG_TYPES.
ORGANIZATION_TYPES = ("gubernamental", "academica", "electoral", "internacional", "sociedad_civil", "privada",
                      "medios", "area_interna", "sin_clasificar")
ORGANIZATION_SCOPES = ("local", "nacional", "internacional")


class Organization(db.Model):
    __tablename__ = "organization"
    __table_args__ = (
        CheckConstraint(_in("type", ORGANIZATION_TYPES), name="type_known"),
        CheckConstraint(_in("scope", ORGANIZATION_SCOPES) + " OR scope IS NULL", name="scope_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    name_key: Mapped[str] = mapped_column(String(300), unique=True)  # folded name, for matching
    acronym: Mapped[str | None] = mapped_column(String(40))
    acronym_key: Mapped[str | None] = mapped_column(String(40), index=True)
    type: Mapped[str] = mapped_column(String(20), default="sin_clasificar", index=True)
    scope: Mapped[str | None] = mapped_column(String(20))  # None: not known yet
    country: Mapped[str] = mapped_column(String(2), default="MX")
    website: Mapped[str] = mapped_column(String(300), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    archived: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    affiliations: Mapped[list[Affiliation]] = relationship(back_populates="organization")
    relations: Mapped[list[OrganizationRelation]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="OrganizationRelation.began_on")

    @property
    def display_name(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name

    @property
    def current_relation(self) -> OrganizationRelation | None:
        """The latest period of the relation (its `alta` and `baja`); the earlier ones are its history."""
        return self.relations[-1] if self.relations else None


class OrganizationRelation(db.Model):
    """A period of the institute's relation with an organization: `alta` (began_on) and `baja` (ended_on, None
    while it lasts). An organization is related on a day when one of its periods covers it."""

    __tablename__ = "organization_relation"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on > began_on", name="ends_after_it_begins"),
        UniqueConstraint("organization_id", "began_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"), index=True)
    began_on: Mapped[date] = mapped_column(Date, index=True)
    ended_on: Mapped[date | None] = mapped_column(Date)

    organization: Mapped[Organization] = relationship(back_populates="relations")


@event.listens_for(Organization, "after_insert")
def _relation_from_creation(mapper, connection, target: Organization) -> None:
    """An organization created without a relation period (a form, the demo) is related from the day it was
    created (local date); the bulk path (crm.contacts.organizations.names) writes its periods itself."""
    if target.__dict__.get("relations"):
        return
    began = to_local(target.created_at).date() if target.created_at else None
    connection.execute(OrganizationRelation.__table__.insert().values(organization_id=target.id, began_on=began))


class Person(db.Model):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(_in("sex", ["mujer", "hombre", "no_binario", "prefiero_no_decir"]) + " OR sex IS NULL",
                        name="sex_known"),
        CheckConstraint(_in("status", ["active", "blocked", "anonymized"]), name="status_known"),
        CheckConstraint("length(country) = 2", name="country_alpha2"),
        Index("ix_person_name_key", "name_key"),
        Index("ix_person_country", "country"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    given_name: Mapped[str] = mapped_column(String(150))
    first_surname: Mapped[str] = mapped_column(String(150))
    second_surname: Mapped[str] = mapped_column(String(150), default="")
    # folded "given first second" for accent- and case-insensitive search
    name_key: Mapped[str] = mapped_column(String(460), default="")
    sex: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="MX")
    state: Mapped[str] = mapped_column(String(150), default="")
    city: Mapped[str] = mapped_column(String(150), default="")
    alcaldia: Mapped[str | None] = mapped_column(String(40))
    origin_alcaldia: Mapped[str | None] = mapped_column(String(40))
    nationality: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str] = mapped_column(String(8), default="es")
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    emails: Mapped[list[PersonEmail]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonEmail.id"
    )
    phones: Mapped[list[PersonPhone]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="PersonPhone.id"
    )
    memberships: Mapped[list[Membership]] = relationship(back_populates="person", cascade="all, delete-orphan")
    affiliations: Mapped[list[Affiliation]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Affiliation.id"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Consent.accepted_at"
    )
    notes: Mapped[list[Note]] = relationship(back_populates="person", cascade="all, delete-orphan",
                                             order_by="Note.created_at.desc()")
    tags: Mapped[list[Tag]] = relationship(secondary="person_tag", order_by="Tag.name")
    channel_preferences: Mapped[list[ChannelPreference]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.given_name, self.first_surname, self.second_surname) if p)

    @property
    def primary_email(self) -> PersonEmail | None:
        return next((e for e in self.emails if e.is_primary), self.emails[0] if self.emails else None)

    @property
    def primary_phone(self) -> PersonPhone | None:
        return next((p for p in self.phones if p.is_primary), self.phones[0] if self.phones else None)

    @property
    def is_anonymized(self) -> bool:
        return self.status == "anonymized"

    def opposes(self, channel: str) -> bool:
        return any(p.channel == channel and p.opted_out for p in self.channel_preferences)


class PersonEmail(db.Model):
    __tablename__ = "person_email"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254))  # as written
    address_key: Mapped[str] = mapped_column(String(254), unique=True)  # lower case, for matching
    is_primary: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(back_populates="emails")


class PersonPhone(db.Model):
    __tablename__ = "person_phone"
    __table_args__ = (UniqueConstraint("person_id", "e164"), CheckConstraint("e164 LIKE '+%'", name="e164_plus"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    e164: Mapped[str] = mapped_column(String(20), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    whatsapp: Mapped[bool] = mapped_column(default=False)

    person: Mapped[Person] = relationship(back_populates="phones")


class Network(db.Model):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")


class Membership(db.Model):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("person_id", "network_id"),
        CheckConstraint(_in("status", ["applicant", "active", "inactive", "withdrawn"]), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(ForeignKey("network.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # when the status last changed (set by the ORM on every change, and by bulk updates explicitly): the
    # retention of people who left every network counts from the latest of these
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(40), default="")
    confirm_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    person: Mapped[Person] = relationship(back_populates="memberships")
    network: Mapped[Network] = relationship(lazy="joined")


class Affiliation(db.Model):
    __tablename__ = "affiliation"
    __table_args__ = (UniqueConstraint("person_id", "organization_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    position: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="affiliations")
    organization: Mapped[Organization] = relationship(back_populates="affiliations", lazy="joined")


class Tag(db.Model):
    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    name_key: Mapped[str] = mapped_column(String(80), unique=True)


person_tag = db.Table(
    "person_tag",
    db.Column("person_id", ForeignKey("person.id", ondelete="CASCADE"), primary_key=True),
    db.Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True),
)


class Note(db.Model):
    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="notes")
    author = relationship("User")


class PrivacyNotice(db.Model):
    """A version of the privacy notice; the texts are data, not code (the law changes)."""

    __tablename__ = "privacy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(40), unique=True)
    short_text: Mapped[str] = mapped_column(Text)
    full_text: Mapped[str] = mapped_column(Text)
    short_text_en: Mapped[str] = mapped_column(Text, default="")
    full_text_en: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Consent(db.Model):
    __tablename__ = "consent"
    __table_args__ = (CheckConstraint(_in("channel", ["import", "web", "paper", "survey", "staff"]), name="channel_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    notice_version: Mapped[str] = mapped_column(String(40), default="")
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
    channel: Mapped[str] = mapped_column(String(20), default="web")
    purpose: Mapped[str] = mapped_column(String(80), default="")

    person: Mapped[Person] = relationship(back_populates="consents")


class ChannelPreference(db.Model):
    """Opposition (ARCO) or preference per communication channel."""

    __tablename__ = "channel_preference"
    __table_args__ = (
        UniqueConstraint("person_id", "channel"),
        CheckConstraint(_in("channel", ["email", "whatsapp", "phone"]), name="channel_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    opted_out: Mapped[bool] = mapped_column(default=False)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(back_populates="channel_preferences")


class ArcoRequest(db.Model):
    __tablename__ = "arco_request"
    __table_args__ = (
        CheckConstraint(_in("kind", ["access", "rectification", "cancellation", "opposition"]), name="kind_known"),
        CheckConstraint(_in("status", ["open", "resolved", "rejected"]), name="status_known"),
        CheckConstraint("due_on >= received_on", name="due_after_received"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    details: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


@event.listens_for(Membership.status, "set")
def _status_changed(target: Membership, value, old, _initiator) -> None:
    if value != old:
        target.status_changed_at = utcnow()
