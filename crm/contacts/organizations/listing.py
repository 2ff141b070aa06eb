"""The list page's filters: text (name or acronym), type, scope, country, related on a date, archived."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from crm.contacts.catalogs import ORG_SCOPES, ORG_TYPES
from crm.contacts.models import Organization
from crm.contacts.organizations.rows import read_date
from crm.contacts.organizations.summary import related_on
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


def organizations_query(f: OrganizationFilter) -> Select:
    query = select(Organization).where(Organization.archived.is_(f.archived)).order_by(Organization.name_key)
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
