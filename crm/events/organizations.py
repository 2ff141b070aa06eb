"""Organization names in the activities and requests (files and staff pages): matched to the recorded
organizations by name or acronym, ignoring case and accents, with contacts' one parser and matcher
(crm.contacts.organizations.names); the unknown ones are created when written."""

from __future__ import annotations

from crm.contacts.models import Organization
from crm.contacts.organizations.names import OrganizationIndex, OrgRef, split_organization
from crm.core.extensions import db
from crm.core.text import clean
from crm.events.services import EventsError


class OrganizationError(EventsError):
    """A name that matches no single organization (an acronym several organizations share)."""


class OrganizationResolver:
    """The organizations named in one file or form, matched by contacts' OrganizationIndex (loaded once).

    Names not found are planned as new organizations, so that two spellings in one file
    (`Instituto Nacional Electoral (INE)` and `ine`) name the same new organization.
    Nothing is written until `create_new()`.
    """

    def __init__(self) -> None:
        self._index = OrganizationIndex.load()

    def resolve(self, text: str) -> OrgRef | None:
        """The organization `text` names (None for an empty name); OrganizationError when ambiguous."""
        if not clean(text):
            return None
        ref, problem = self._index.get_or_add(text)
        if problem is not None:
            raise OrganizationError(problem)
        return ref

    def prime(self, texts) -> None:
        """Resolves the names written with an acronym first, so the order of rows does not matter."""
        for text in texts:
            if split_organization(text)[1]:
                self._index.get_or_add(text)  # a problem is reported when its row is resolved

    @staticmethod
    def identity(ref: OrgRef) -> tuple[str, int]:
        """A comparison key: the same organization gives the same identity."""
        return ("db", ref.id) if ref.id is not None else ("new", id(ref))

    @property
    def new_organizations(self) -> list[OrgRef]:
        return list(self._index.new)

    def create_new(self) -> int:
        """Writes the new organizations and fills acronyms the file gave; returns how many new."""
        created = len(self._index.new)
        self._index.write()
        return created

    @staticmethod
    def record(ref: OrgRef) -> Organization:
        assert ref.id is not None, "create_new() first"
        return db.session.get(Organization, ref.id)
