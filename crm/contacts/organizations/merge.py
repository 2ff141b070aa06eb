"""Merging two records of one organization: everything that points at the absorbed one moves to the survivor
(affiliations here; activities, requests, agreements... through crm.contacts.organizations.references), the
relation periods join, the survivor's empty fields are filled, and the absorbed record is deleted. Audited."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.contacts.models import Affiliation, Organization, OrganizationRelation
from crm.contacts.organizations.periods import merged_periods, periods_of
from crm.contacts.organizations.references import count_references, merge_references
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db

_FILLED = ("acronym", "acronym_key", "scope", "website", "email", "phone")


def links(org: Organization) -> dict[str, int]:
    """What points at an organization, by Spanish label (the merge page shows both records' counts)."""
    people = db.session.scalar(select(func.count(Affiliation.id)).where(Affiliation.organization_id == org.id)) or 0
    return {"Personas vinculadas": people, **count_references(org.id)}


def _merge_affiliations(survivor_id: int, other_id: int) -> int:
    """The other's affiliations move; one the survivor already has (same person and position) stays once."""
    taken = {(person_id, position) for person_id, position in db.session.execute(
        select(Affiliation.person_id, Affiliation.position).where(Affiliation.organization_id == survivor_id))}
    moved = 0
    for row in db.session.scalars(select(Affiliation).where(Affiliation.organization_id == other_id)).all():
        if (row.person_id, row.position) in taken:
            db.session.delete(row)
        else:
            row.organization_id = survivor_id
            moved += 1
    return moved


def merge_organizations(survivor: Organization, other: Organization, *, actor) -> Organization:
    """`other` is absorbed into `survivor` in one transaction (rolled back on any failure)."""
    if survivor.id == other.id:
        raise ContactsError("Elija otra organización: no se puede fusionar un registro consigo mismo.")
    before = {"survivor": links(survivor), "other": links(other)}
    other_name, other_id = other.display_name, other.id
    try:
        _merge_affiliations(survivor.id, other.id)
        merge_references(survivor.id, other.id)
        periods = merged_periods(periods_of(survivor) + periods_of(other))
        for field in _FILLED:
            if not getattr(survivor, field) and getattr(other, field):
                setattr(survivor, field, getattr(other, field))
        if survivor.type == "sin_clasificar":
            survivor.type = other.type
        survivor.relations.clear()
        db.session.delete(other)
        db.session.flush()
        survivor.relations.extend(OrganizationRelation(began_on=b, ended_on=e) for b, e in periods)
        audit.record(actor, "organization.merge", survivor,
                     {"absorbed_id": other_id, "absorbed_name": other_name, "links_before": before})
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return survivor
