"""Merging two records of one organization keeps every link: whatever row of any table points at the absorbed
record points at the survivor afterwards (the test reads every foreign key to organization.id from the schema,
so a table added later, such as agreements, is covered without editing it)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crm.contacts.models import Affiliation, Organization
from crm.contacts.organizations import references
from crm.contacts.organizations.merge import merge_organizations
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import ObservationProgram, Participant, PartnerRequest
from tests.contacts_orgs.conftest import periods
from tests.factories import make_activity, make_organization, make_person, make_user


def links_to(org_id: int) -> dict[str, int]:
    """Rows pointing at the organization, per referencing table and column (every foreign key in the schema)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "organization" and table.name != "organization_relation":
                column = fk.parent
                counts[f"{table.name}.{column.name}"] = db.session.scalar(
                    select(func.count()).select_from(table).where(column == org_id))
    return counts


def _linked_pair():
    from crm.contacts.models import OrganizationRelation

    survivor = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
    other = make_organization("INE México", type="sin_clasificar", email="contacto@ine.mx")
    other.relations = [OrganizationRelation(began_on=date(2018, 1, 1), ended_on=date(2019, 1, 1)),
                       OrganizationRelation(began_on=date(2020, 1, 1))]
    both, alone = make_person(), make_person()
    db.session.add_all([Affiliation(person_id=both.id, organization_id=survivor.id, position="Enlace"),
                        Affiliation(person_id=both.id, organization_id=other.id, position="Enlace"),
                        Affiliation(person_id=alone.id, organization_id=other.id, position="Consejera")])
    shared, own = make_activity(), make_activity(title="Foro de democracia")
    shared.organizations = [survivor, other]
    own.organizations = [other]
    program = ObservationProgram(code="PEL2027", name="Proceso electoral 2027")
    db.session.add(program)
    db.session.flush()
    db.session.add_all([PartnerRequest(received_on=date(2025, 1, 8), requester_id=other.id, subject="Informe",
                                       subject_key="informe"),
                        Participant(program_id=program.id, person_id=alone.id, organization_id=other.id)])
    db.session.commit()
    return survivor, other


def test_merge_keeps_every_link_and_is_audited(app):
    survivor, other = _linked_pair()
    survivor_id, other_id = survivor.id, other.id
    before_survivor, before_other = links_to(survivor_id), links_to(other_id)
    assert sum(before_other.values()) >= 5
    merge_organizations(survivor, other, actor=make_user(role="staff"))
    after = links_to(survivor_id)
    assert sum(links_to(other_id).values()) == 0 and db.session.get(Organization, other_id) is None
    # each table keeps its rows; only the exact duplicates (the same person and position, the same activity) merge
    duplicates = {"affiliation.organization_id": 1, "activity_organization.organization_id": 1}
    assert after == {key: before_survivor[key] + before_other[key] - duplicates.get(key, 0) for key in after}
    merged = db.session.get(Organization, survivor_id)
    assert (merged.type, merged.email) == ("electoral", "contacto@ine.mx")  # its type kept, empty fields filled
    assert periods(merged)[:2] == [("2018-01-01", "2019-01-01"), ("2020-01-01", None)]  # history joined
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "organization.merge"))
    assert entry.details["absorbed_id"] == other_id and entry.target_id == str(survivor_id)


def test_a_merge_without_the_wiring_stops_before_losing_anything(app, monkeypatch):
    survivor, other = _linked_pair()
    monkeypatch.setattr(references, "_registered", {})
    try:
        merge_organizations(survivor, other, actor=None)
    except RuntimeError as exc:
        assert "connect_domains" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("the merge went on without the references")
    assert db.session.get(Organization, other.id) is not None
    assert sum(links_to(other.id).values()) >= 5
