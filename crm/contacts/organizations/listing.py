"""The list page's filters (text: name or acronym, type, scope, country, related on a date, archived), its
sortable columns (`?orden=`) and the summary columns of a page of rows (people linked, current relation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, func, select

from crm.contacts.catalogs import ORG_SCOPES, ORG_TYPES
from crm.contacts.models import Affiliation, Organization, OrganizationRelation
from crm.contacts.organizations.rows import read_date
from crm.contacts.organizations.summary import related_on
from crm.core.extensions import db
from crm.core.text import fold


@dataclass
class OrganizationFilter:
    q: str = ""
    type: str = ""
    scope: str = ""
    country: str = ""
    related: date | None = None
    archived: bool = False

    @classmethod
    def from_args(cls, args) -> OrganizationFilter:
        kind, scope = args.get("tipo", ""), args.get("ambito", "")
        country = args.get("pais", "").strip().upper()
        return cls(q=args.get("q", "").strip()[:200], type=kind if kind in ORG_TYPES else "",
                   scope=scope if scope in ORG_SCOPES or scope == "sin" else "",
                   country=country if len(country) == 2 and country.isalpha() else "",
                   related=read_date(args.get("vinculada", "").strip()[:10]), archived=args.get("archivadas") == "1")

    def as_args(self) -> dict[str, str]:
        args = {"q": self.q, "tipo": self.type, "ambito": self.scope, "pais": self.country,
                "vinculada": self.related.isoformat() if self.related else "", "archivadas": "1" if self.archived else ""}
        return {key: value for key, value in args.items() if value}


def _people():
    return (select(func.count(Affiliation.id)).where(Affiliation.organization_id == Organization.id)
            .correlate(Organization).scalar_subquery())


def _since():
    return (select(func.max(OrganizationRelation.began_on)).where(OrganizationRelation.organization_id == Organization.id)
            .correlate(Organization).scalar_subquery())


SORTS = {  # `?orden=` key: the columns, ascending (a leading "-" reverses them)
    "nombre": lambda: (Organization.name_key,),
    "siglas": lambda: (Organization.acronym_key, Organization.name_key),
    "tipo": lambda: (Organization.type, Organization.name_key),
    "pais": lambda: (Organization.country, Organization.name_key),
    "personas": lambda: (_people(), Organization.name_key),
    "alta": lambda: (_since(), Organization.name_key),
}


def sort_key(requested: str | None) -> str:
    """The order `?orden=` asks for ("nombre", "-personas"), or "nombre" when it names no column."""
    text = (requested or "").strip()
    return text if text.lstrip("-") in SORTS and text.count("-") <= 1 and not text.endswith("-") else "nombre"


def people_counts(ids: list[int]) -> dict[int, int]:
    """People linked to each organization of a page (its summary column)."""
    if not ids:
        return {}
    rows = db.session.execute(select(Affiliation.organization_id, func.count(Affiliation.id))
                              .where(Affiliation.organization_id.in_(ids)).group_by(Affiliation.organization_id))
    return {org_id: total for org_id, total in rows}


def organizations_query(f: OrganizationFilter, order: str = "nombre") -> Select:
    columns = SORTS[order.lstrip("-")]()
    descending = order.startswith("-")
    query = (select(Organization).where(Organization.archived.is_(f.archived))
             .order_by(*(c.desc().nulls_last() if descending else c.asc().nulls_last() for c in columns),
                       Organization.id))
    if f.q:
        key = fold(f.q)
        query = query.where(Organization.name_key.contains(key, autoescape=True) | (Organization.acronym_key == key))
    if f.type:
        query = query.where(Organization.type == f.type)
    if f.scope == "sin":
        query = query.where(Organization.scope.is_(None))
    elif f.scope:
        query = query.where(Organization.scope == f.scope)
    if f.country:
        query = query.where(Organization.country == f.country)
    if f.related:
        query = query.where(related_on(f.related))
    return query
