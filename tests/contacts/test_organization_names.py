"""The one organization-name parser and matcher (crm.contacts.organizations.names), shared by the contacts
import and the events' imports and forms."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts.models import Organization
from crm.contacts.organizations.names import OrganizationIndex, split_organization
from crm.core.extensions import db
from tests.factories import make_organization


def organizations() -> list[tuple[str, str | None, str]]:
    db.session.expire_all()
    return [(o.name, o.acronym, o.type) for o in db.session.scalars(select(Organization).order_by(Organization.id))]


def test_parentheses_give_an_acronym_only_when_they_hold_one():
    assert split_organization("  Instituto Nacional Electoral ( INE ) ") == ("Instituto Nacional Electoral", "INE")
    assert split_organization("Instituto Electoral y de Participación Ciudadana (IEPC JALISCO)") == (
        "Instituto Electoral y de Participación Ciudadana", "IEPC JALISCO")
    assert split_organization("Universidad (campus sur)") == ("Universidad (campus sur)", None)
    assert split_organization("Organismo (Ciudad de México)") == ("Organismo (Ciudad de México)", None)
    assert split_organization("A (B) (C)") == ("A (B)", "C")


def test_the_acronym_first_then_the_full_name_make_one_organization(app):
    index = OrganizationIndex.load()
    first, _ = index.get_or_add("INE")
    second, _ = index.get_or_add("Instituto Nacional Electoral (INE)")
    assert second is first and index.get_or_add("ine")[0] is first
    index.write()
    assert organizations() == [("Instituto Nacional Electoral", "INE", "sin_clasificar")]  # until someone classifies it


def test_an_organization_recorded_under_its_acronym_is_found_by_the_full_writing(app):
    recorded = make_organization("INE")
    index = OrganizationIndex.load()
    ref, problem = index.get_or_add("Instituto Nacional Electoral (INE)")
    assert (ref.id, problem) == (recorded.id, None)
    index.write()
    assert organizations() == [("INE", None, "sin_clasificar")]  # its name is kept, and no acronym like its name


def test_a_recorded_organization_without_acronym_takes_the_one_a_file_writes(app):
    recorded = make_organization("Instituto Electoral de la Ciudad de México")
    index = OrganizationIndex.load()
    assert index.get_or_add("instituto electoral de la ciudad de mexico (IECM)")[0].id == recorded.id
    assert index.get_or_add("iecm")[0].id == recorded.id
    index.write()
    assert organizations() == [("Instituto Electoral de la Ciudad de México", "IECM", "sin_clasificar")]


def test_a_shared_acronym_is_a_problem_never_a_guess(app):
    make_organization("Instituto Nacional Electoral", acronym="INE")
    make_organization("Instituto Nacional de Estadística", acronym="INE")
    ref, problem = OrganizationIndex.load().find("INE")
    assert ref is None and problem.startswith("la sigla corresponde a varias organizaciones")
