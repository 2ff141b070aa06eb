"""Segments (CONTRACTS.md, "Mailings"): `red:rvc`, `red:observacion`, `tag:NAME` or `todos`, and
`filtro:NAME` (a saved filter of the people list, crm.contacts.saved_filters), resolved to people preloaded
for the rule of who may be e-mailed (crm.contacts.privacy.consent)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crm.contacts.catalogs import NETWORKS
from crm.contacts.models import Membership, Network, Person, Tag, person_tag
from crm.contacts.privacy.consent import Reach, sort_emailable
from crm.contacts.saved_filters import services as saved_filters
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import fold


class SegmentError(DomainError):
    pass


@dataclass(frozen=True)
class Segment:
    kind: str  # "red", "tag", "filtro" or "todos"
    value: str = ""

    @property
    def code(self) -> str:
        return self.kind if self.kind == "todos" else f"{self.kind}:{self.value}"

    @property
    def label(self) -> str:
        return segment_label(self.code)


def segment_label(code: str) -> str:
    """A stored segment code in Spanish, for the pages ("red:rvc" -> "Red Voto Chilango")."""
    kind, _, value = (code or "").partition(":")
    if kind == "red" and value in NETWORKS:
        return NETWORKS[value]
    if kind == "tag":
        return f"Etiqueta «{value}»"
    if kind == "filtro":
        return f"Filtro guardado «{value}»"
    return "Todas las personas del directorio" if code == "todos" else code


FORMS = "red:rvc, red:observacion, tag:NOMBRE, filtro:NOMBRE (un filtro guardado de la lista de personas) o todos"


def parse_segment(text: str) -> Segment:
    raw = (text or "").strip()
    kind, sep, value = raw.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if raw.lower() == "todos":
        return Segment("todos")
    if sep and kind == "red" and value.lower() in NETWORKS:
        return Segment("red", value.lower())
    if sep and kind == "tag" and value:
        if db.session.scalar(select(Tag.id).where(Tag.name_key == fold(value))) is None:
            raise SegmentError(f"no hay ninguna etiqueta «{value}»")
        return Segment("tag", value)
    if sep and kind == "filtro" and value:
        if (saved := saved_filters.find_filter(value)) is None:
            raise SegmentError(f"no hay ningún filtro guardado «{value}»: use {FORMS}")
        return Segment("filtro", saved.name)
    if sep and kind == "red":
        raise SegmentError(f"red desconocida «{value}»: use red:rvc o red:observacion")
    raise SegmentError(f"segmento desconocido «{raw}»: use {FORMS}")


def segment_people(segment: Segment) -> list[Person]:
    """The people of the segment (anonymized records left out; blocked ones kept, so the count says why they
    are skipped), with their addresses, consents and preferences loaded."""
    query = select(Person).where(Person.status != "anonymized")
    if segment.kind == "filtro":  # the people list's own query for the saved parameters
        saved = saved_filters.find_filter(segment.value)
        if saved is None:
            raise SegmentError(f"no hay ningún filtro guardado «{segment.value}»: use {FORMS}")
        query = saved_filters.people_select(saved)
    elif segment.kind == "red":
        members = (select(Membership.person_id).join(Network, Network.id == Membership.network_id)
                   .where(Network.code == segment.value, Membership.status == "active"))
        query = query.where(Person.id.in_(members))
    elif segment.kind == "tag":
        tagged = (select(person_tag.c.person_id).join(Tag, Tag.id == person_tag.c.tag_id)
                  .where(Tag.name_key == fold(segment.value)))
        query = query.where(Person.id.in_(tagged))
    query = query.order_by(Person.id).options(selectinload(Person.emails), selectinload(Person.consents),
                                              selectinload(Person.channel_preferences))
    return list(db.session.scalars(query))


def segment_reach(segment: Segment) -> Reach:
    """Who of the segment may be e-mailed, and how many are skipped per reason."""
    return sort_emailable(segment_people(segment))
