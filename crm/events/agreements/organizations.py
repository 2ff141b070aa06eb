"""What a merge of two organizations moves here (crm.contacts.organizations.references, registered by
crm.app.wiring): the agreements that name the absorbed organization as a counterpart name the survivor."""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select

from crm.core.extensions import db
from crm.events.agreements.models import agreement_organization


def merge_organization(survivor_id: int, other_id: int) -> None:
    """The other's agreements name the survivor (an agreement that names both keeps one link). Inside the
    merge's transaction."""
    links = agreement_organization.c
    taken = set(db.session.scalars(select(links.agreement_id).where(links.organization_id == survivor_id)))
    moving = set(db.session.scalars(select(links.agreement_id).where(links.organization_id == other_id)))
    db.session.execute(delete(agreement_organization).where(links.organization_id == other_id))
    if moving - taken:
        db.session.execute(insert(agreement_organization),
                           [{"agreement_id": a, "organization_id": survivor_id} for a in sorted(moving - taken)])


def count_links(org_id: int) -> dict[str, int]:
    links = agreement_organization.c
    return {"Convenios": db.session.scalar(select(func.count()).where(links.organization_id == org_id)) or 0}
