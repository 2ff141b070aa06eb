"""Organization names in the activities and requests (files and staff pages): matched to the recorded
organizations by name or acronym, ignoring case and accents, with contacts' one parser and matcher
(crm.contacts.organizations.names.OrganizationIndex); the unknown ones are created when written."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from crm.contacts.models import Organization
from crm.contacts.organizations.names import OrganizationIndex, OrgRef, split_organization
from crm.core.extensions import db
from crm.core.text import clean
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
