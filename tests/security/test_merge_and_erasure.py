"""Findings 6 and 7: a blocked or anonymised record is never merged (its data would come back into use),
and anonymising a person redacts their data from the audit log's merge snapshots, keeping the entries."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from crm.contacts import dedupe
from crm.contacts.models import Person, PersonEmail
from crm.contacts.privacy import rights
from crm.contacts.services import ContactsError
from crm.core.audit import REDACTED, AuditEntry, AuditLogIsAppendOnly
from crm.core.extensions import db
from tests.factories import make_person, make_user


@pytest.fixture
def staff(app):
    return make_user(role="staff")


def pair(status: str, staff):
    """An active record and a blocked (or anonymised) one that the duplicates search would pair."""
    active = make_person("Óscar", "Núñez", email="oscar@example.org", phone="+13125552368", country="US")
    other = make_person("Oscar", "Nunez", email="oscar.n@example.org", phone="+13125552368", country="US")
    rights.block(other, actor=staff)
    if status == "anonymized":
        rights.anonymize(other, actor=staff)
    return active, other


# --- finding 6: merging never undoes a block ------------------------------------------------------


@pytest.mark.parametrize("status", ["blocked", "anonymized"])
def test_the_service_refuses_to_merge_a_blocked_or_anonymised_record(app, staff, status):
    active, other = pair(status, staff)
    for survivor, removed in ((active, other), (other, active)):
        with pytest.raises(ContactsError) as refused:
            dedupe.merge(survivor, removed, actor=staff)
        assert f"núm. {other.id}" in str(refused.value)
        assert ("bloqueado" if status == "blocked" else "anonimizado") in str(refused.value)
        db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Person, other.id).status == status
    assert db.session.get(Person, active.id).status == "active"
    if status == "blocked":
        assert db.session.scalar(select(PersonEmail.person_id).where(
            PersonEmail.address_key == "oscar.n@example.org")) == other.id


@pytest.mark.parametrize("status", ["blocked", "anonymized"])
def test_the_duplicates_page_does_not_offer_such_pairs_and_the_merge_page_refuses(app, client, login_as, status):
    staff = login_as("staff")
    active, other = pair(status, staff)
    assert all(other.id not in (p.first.id, p.second.id) for p in dedupe.find_duplicates())
    page = client.get("/contactos/duplicados").get_data(as_text=True)
    assert f"/contactos/fusionar/{active.id}/{other.id}" not in page
    for method in ("get", "post"):
        response = getattr(client, method)(f"/contactos/fusionar/{active.id}/{other.id}",
                                           data={"conservar": str(active.id)})
        text = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "solicitud de cancelación (ARCO)" in text and f"núm. {other.id}" in text
        assert 'type="submit">Fusionar' not in text
    db.session.expire_all()
    assert db.session.get(Person, other.id).status == status
    assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "person.merge")) == 0


def test_active_records_are_still_paired_and_merged(app, staff):
    a = make_person("Óscar", "Núñez", email="a@example.org", phone="+13125552368", country="US")
    b = make_person("Oscar", "Nunez", email="b@example.org", phone="+13125552368", country="US")
    assert [(p.first.id, p.second.id) for p in dedupe.find_duplicates()] == [(a.id, b.id)]
    assert dedupe.merge(a, b, actor=staff).id == a.id


# --- finding 7: anonymisation redacts the audit log -----------------------------------------------

PERSONAL = ("oscar@example.org", "oscar.n@gmail.com", "vieja@example.org", "+13125552368", "+13125552369",
            "+13125552370", "Núñez", "Nunez", "Illinois", "una nota privada")


def entry_text(entry_id: int) -> str:
    db.session.expire_all()
    return json.dumps(db.session.get(AuditEntry, entry_id).details, ensure_ascii=False)


def test_anonymising_redacts_the_merge_snapshots_and_keeps_the_entries(app, staff):
    from crm.contacts.models import Note

    oldest = make_person("Óscar", "Nunez", email="vieja@example.org", phone="+13125552370", country="US")
    other = make_person("Oscar", "Nunez", email="oscar.n@gmail.com", phone="+13125552369", country="US",
                        state="Illinois")
    survivor = make_person("Óscar", "Núñez", email="oscar@example.org", phone="+13125552368", country="US")
    db.session.add(Note(person_id=other.id, body="una nota privada"))
    db.session.commit()
    bystander = make_person("Rosa", "Téllez", email="rosa@example.org")
    dedupe.merge(other, oldest, actor=staff)      # oldest's data now belongs to `other`
    dedupe.merge(survivor, other, actor=staff)    # and then to `survivor`
    merges = [e.id for e in db.session.scalars(select(AuditEntry).where(AuditEntry.action == "person.merge")
                                               .order_by(AuditEntry.id))]
    assert len(merges) == 2 and all(value in "".join(map(entry_text, merges)) for value in PERSONAL)
    unrelated = make_person("Ana", "Ruiz", email="ana@example.org", phone="+13125552399", country="US")
    unrelated_twin = make_person("Ana", "Ruiz", email="ana.r@example.org", country="US")
    dedupe.merge(unrelated, unrelated_twin, actor=staff)
    unrelated_entry = db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "person.merge")
                                        .order_by(AuditEntry.id.desc()))
    unrelated_before = entry_text(unrelated_entry)
    count_before = db.session.scalar(select(func.count(AuditEntry.id)))

    rights.block(survivor, actor=staff)
    rights.anonymize(survivor, actor=staff)

    for entry_id in merges:
        text = entry_text(entry_id)
        assert not [value for value in PERSONAL if value in text], text
        assert REDACTED in text
        entry = db.session.get(AuditEntry, entry_id)
        assert entry.action == "person.merge" and entry.details["removed_id"]  # the entry itself is kept
    assert entry_text(unrelated_entry) == unrelated_before  # other people's entries are untouched
    redaction = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.redact"))
    assert redaction is not None and sorted(redaction.details["entries"]) == merges
    assert redaction.target_type == "Person" and redaction.target_id == str(survivor.id)
    actions = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert actions[-2:] == ["audit.redact", "person.anonymize"]
    # nothing was removed from the log: block, redaction and anonymisation were added
    assert db.session.scalar(select(func.count(AuditEntry.id))) == count_before + 3
    assert db.session.get(Person, bystander.id).primary_email.address == "rosa@example.org"


def test_the_log_stays_append_only_for_everything_else(app, staff):
    from crm.core import audit

    entry = audit.record(staff, "prueba", None, {"a": 1})
    db.session.commit()
    entry.details = {"a": 2}
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()
