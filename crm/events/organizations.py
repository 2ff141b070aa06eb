"""Organization names in the activities and requests (files and staff pages): matched to the recorded
organizations by name or acronym, ignoring case and accents, with contacts' one parser and matcher
(crm.contacts.organizations.names.OrganizationIndex); the unknown ones are created when written. Also what a
merge of two organizations moves here (registered by crm.app.wiring as an organization reference)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, insert, select, update

from crm.contacts.models import Organization
from crm.contacts.organizations.names import OrganizationIndex, OrgRef, split_organization
from crm.core.extensions import db
from crm.core.text import clean
from crm.events.models import Participant, PartnerRequest, activity_organization
from crm.events.services import EventsError


class OrganizationError(EventsError):
    """A name that matches no single organization (an acronym several organizations share)."""


def resolve(index: OrganizationIndex, text: str) -> OrgRef | None:
    """The organization `text` names (None for an empty name), planned in `index` if new;
    OrganizationError when ambiguous. Two spellings in one file (`Instituto Nacional Electoral (INE)`
    and `ine`) name the same new organization."""
    if not clean(text):
        return None
    ref, problem = index.get_or_add(text)
    if problem is not None:
        raise OrganizationError(problem)
    return ref


def prime(index: OrganizationIndex, texts: Iterable[str]) -> None:
    """Resolves the names written with an acronym first, so the order of rows does not matter."""
    for text in texts:
        if split_organization(text)[1]:
            index.get_or_add(text)  # a problem is reported when its row is resolved


def resolve_names(text: str | None) -> list[Organization]:
    """The organizations a staff form names (separated by `;`), the unknown ones created in the current
    transaction (committed by the service that records what names them); OrganizationError when ambiguous."""
    names = [n for n in (part.strip() for part in (text or "").split(";")) if n]
    if not names:
        return []
    index = OrganizationIndex.load()
    refs = [ref for ref in (resolve(index, name) for name in names) if ref is not None]
    index.write()
    found = {org.id: org for org in db.session.scalars(
        select(Organization).where(Organization.id.in_({ref.id for ref in refs})))}
    return [found[ref.id] for ref in refs]


# --- organization references (crm.contacts.organizations.references): a merge moves what events hold ------


def merge_organization(survivor_id: int, other_id: int) -> None:
    """The other's activities, requests and observation-program participants move to the survivor (an activity
    that names both keeps one link). Inside the merge's transaction."""
    links = activity_organization.c
    taken = set(db.session.scalars(select(links.activity_id).where(links.organization_id == survivor_id)))
    moving = set(db.session.scalars(select(links.activity_id).where(links.organization_id == other_id)))
    db.session.execute(delete(activity_organization).where(links.organization_id == other_id))
    if moving - taken:
        db.session.execute(insert(activity_organization),
                           [{"activity_id": a, "organization_id": survivor_id} for a in sorted(moving - taken)])
    db.session.execute(update(PartnerRequest).where(PartnerRequest.requester_id == other_id)
                       .values(requester_id=survivor_id))
    db.session.execute(update(Participant).where(Participant.organization_id == other_id)
                       .values(organization_id=survivor_id))


def count_links(org_id: int) -> dict[str, int]:
    links = activity_organization.c
    return {
        "Actividades": db.session.scalar(select(func.count()).where(links.organization_id == org_id)) or 0,
        "Gestiones": db.session.scalar(select(func.count(PartnerRequest.id))
                                       .where(PartnerRequest.requester_id == org_id)) or 0,
        "Participaciones en programas de observación": db.session.scalar(
            select(func.count(Participant.id)).where(Participant.organization_id == org_id)) or 0,
    }
