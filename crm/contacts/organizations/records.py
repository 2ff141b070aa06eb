"""Organizations from the staff pages: register, edit, archive."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts.models import Organization
from crm.contacts.services import ContactsError
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import clean, fold


def save_organization(org: Organization | None, *, name: str, acronym: str, type: str, scope: str, country: str,
                      website: str = "", actor) -> Organization:
    name, acronym = clean(name), clean(acronym)
    if not name:
        raise ContactsError("El nombre de la organización es obligatorio.")
    clash = db.session.scalar(select(Organization).where(Organization.name_key == fold(name)))
    if clash is not None and (org is None or clash.id != org.id):
        raise ContactsError(f"Ya existe la organización «{clash.name}».")
    creating = org is None
    org = org or Organization()
    org.name, org.name_key = name, fold(name)
    org.acronym, org.acronym_key = (acronym or None), (fold(acronym) if acronym else None)
    org.type, org.scope, org.country, org.website = type, scope, country.upper(), clean(website)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organization.create" if creating else "organization.update", org)
    db.session.commit()
    return org


def set_archived(org: Organization, archived: bool, *, actor) -> Organization:
    """Archived organizations leave the lists and pickers; their history (people, activities) stays."""
    org.archived = archived
    audit.record(actor, "organization.archive" if archived else "organization.unarchive", org)
    db.session.commit()
    return org
