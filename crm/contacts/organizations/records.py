"""Organizations from the staff pages: register, edit (with the relation's alta and baja), classify, archive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from crm.contacts.catalogs import ORG_SCOPES, ORG_TYPES
from crm.contacts.models import Organization
from crm.contacts.organizations.periods import apply_period, periods_of, plan_period
from crm.contacts.organizations.rows import MAX_EMAIL, website_problem
from crm.contacts.phones import normalize_phone
from crm.contacts.services import ContactsError, country_name, email_problem
from crm.core import audit
from crm.core.extensions import db
from crm.core.text import clean, fold
from crm.core.timeutil import local_today


@dataclass
class OrganizationData:
    """What the form writes; `began_on`/`ended_on` are the current period's alta and baja."""

    name: str
    acronym: str = ""
    type: str = "sin_clasificar"
    scope: str | None = None
    country: str = "MX"
    website: str = ""
    email: str = ""
    phone: str = ""
    began_on: date | None = None
    ended_on: date | None = None


def _checked(data: OrganizationData, org: Organization | None, problems: list[str]) -> tuple[str, str, str | None]:
    """(name, acronym, E.164 phone or None) once every field is valid; ContactsError with every problem."""
    name, acronym = clean(data.name), clean(data.acronym)
    if not name:
        problems.append("El nombre de la organización es obligatorio.")
    clash = db.session.scalar(select(Organization).where(Organization.name_key == fold(name))) if name else None
    if clash is not None and (org is None or clash.id != org.id):
        problems.append(f"Ya existe la organización «{clash.name}».")
    if data.type not in ORG_TYPES:
        problems.append("Elija un tipo de organización de la lista.")
    if data.scope and data.scope not in ORG_SCOPES:
        problems.append("Elija un ámbito de la lista.")
    if clean(data.website) and (reason := website_problem(clean(data.website))):
        problems.append(f"Sitio web: {reason}.")
    email = clean(data.email)
    if email and (reason := email_problem(email) or ("es demasiado largo" if len(email) > MAX_EMAIL else None)):
        problems.append(f"Correo electrónico no válido: {reason}.")
    e164 = None
    if clean(data.phone):
        e164 = normalize_phone(clean(data.phone), data.country)
        if e164 is None:
            problems.append(f"El teléfono no es un número válido en {country_name(data.country)}; si es de otro país, "
                            "escríbalo con su clave (+...).")
    if problems:
        raise ContactsError(" ".join(problems))
    return name, acronym, e164


def save_organization(org: Organization | None, data: OrganizationData, *, actor) -> Organization:
    """Create (org None) or edit an organization and its current relation period, audited."""
    change, problem = plan_period(periods_of(org) if org is not None else [], data.began_on, data.ended_on,
                                  default_began=local_today(), keep_end=False)
    name, acronym, e164 = _checked(data, org, [f"{problem[0].capitalize()}: {problem[1]}."] if problem else [])
    creating = org is None
    org = org or Organization()
    org.name, org.name_key = name, fold(name)
    org.acronym, org.acronym_key = (acronym or None), (fold(acronym) if acronym else None)
    org.type, org.scope, org.country = data.type, data.scope or None, data.country.upper()
    org.website, org.email, org.phone = clean(data.website), clean(data.email), e164
    apply_period(org, change)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organization.create" if creating else "organization.update", org)
    db.session.commit()
    return org


def classify(org: Organization, type: str, scope: str | None, *, actor) -> Organization:
    """The quick classification of the `sin_clasificar` queue: type and, when known, scope."""
    if type not in ORG_TYPES or type == "sin_clasificar":
        raise ContactsError("Elija el tipo de la organización.")
    if scope and scope not in ORG_SCOPES:
        raise ContactsError("Elija un ámbito de la lista.")
    org.type = type
    if scope:
        org.scope = scope
    audit.record(actor, "organization.classify", org, {"type": type, "scope": scope or ""})
    db.session.commit()
    return org


def set_archived(org: Organization, archived: bool, *, actor) -> Organization:
    """Archived organizations leave the lists and pickers; their history (people, activities) stays."""
    org.archived = archived
    audit.record(actor, "organization.archive" if archived else "organization.unarchive", org)
    db.session.commit()
    return org
