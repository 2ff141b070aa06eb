from datetime import date

import pytest
from sqlalchemy import func, select

from crm.contacts import dedupe
from crm.contacts.models import ArcoRequest, Consent, Note, Person, PersonEmail
from crm.contacts.people import ContactsError
from crm.contacts.privacy import rights
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.events.models import Attendance, ObservationProgram, Participant
from surveys.models import Answer, Invitation, Response
from tests.factories import make_activity, make_person, make_survey, make_user


def rich_person(given, surname, email, phone, **kwargs):
    person = make_person(given, surname, email=email, phone=phone, networks=("rvc",), **kwargs)
    db.session.add(Consent(person_id=person.id, notice_version="2025-01", channel="web"))
    db.session.add(Note(person_id=person.id, body=f"nota de {given}"))
    db.session.commit()
    return person


def answer(survey, person, choice_name="buena", invitation=None):
    q = survey.questions[0]
    response = Response(survey_id=survey.id, person_id=person.id if person else None,
                        invitation_id=invitation.id if invitation else None)
    response.answers.append(Answer(question_id=q.id, choice_id=next(c.id for c in q.choices if c.name == choice_name)))
    db.session.add(response)
    db.session.commit()
    return response


def world_counts():
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Response, Answer, Attendance, Invitation, Consent, Note)}


@pytest.fixture
def staff(app):
    return make_user(role="staff")


def test_duplicates_are_found_by_phone_and_by_name_without_accents(app):
    a = make_person("Óscar", "Núñez", email="a@example.org", phone="+13125552368", country="US")
    b = make_person("Oscar", "Nunez", email="b@example.org", country="US")
    c = make_person("Rosa", "Luna", email="c@example.org", phone="+13125552368", country="MX")
    make_person("Oscar", "Nunez", email="d@example.org", country="CA")  # same name, other country: not a pair
    pairs = {(p.first.id, p.second.id): p.reason for p in dedupe.find_duplicates()}
    assert pairs[(a.id, c.id)] == "mismo teléfono"
    assert set(pairs) == {(a.id, c.id), (a.id, b.id)}


def test_merge_moves_everything_and_changes_nothing_else(app, staff):
    survivor = rich_person("Óscar", "Núñez", "oscar@example.org", "+13125552368", country="US")
    other = rich_person("Oscar", "Nunez", "oscar.n@gmail.com", "+13125552369", country="US", state="Illinois")
    bystander = rich_person("Rosa", "Téllez", "rosa@example.org", "+13125552370", country="US")
    survey = make_survey()
    activity = make_activity()
    db.session.add_all([Attendance(activity_id=activity.id, person_id=survivor.id),
                        Attendance(activity_id=activity.id, person_id=other.id),
                        Attendance(activity_id=activity.id, person_id=bystander.id)])
    invitation = Invitation(survey_id=survey.id, person_id=other.id, token="tok-other", status="answered")
    db.session.add(invitation)
    db.session.commit()
    answer(survey, other, invitation=invitation)
    answer(survey, bystander)
    bystander_before = dedupe.snapshot(bystander)
    counts_before = world_counts()

    merged = dedupe.merge(survivor, other, {"given_name": "survivor"}, actor=staff)

    assert db.session.get(Person, other.id) is None
    assert {e.address for e in merged.emails} == {"oscar@example.org", "oscar.n@gmail.com"}
    assert [e.address for e in merged.emails if e.is_primary] == ["oscar@example.org"]
    assert {p.e164 for p in merged.phones} == {"+13125552368", "+13125552369"}
    assert merged.state == "Illinois"  # empty on the survivor: taken from the other
    assert len(merged.memberships) == 1
    assert len(merged.consents) == 2 and len(merged.notes) == 2
    assert db.session.scalar(select(func.count()).select_from(Response).where(Response.person_id == merged.id)) == 1
    assert db.session.scalar(select(Invitation.person_id).where(Invitation.token == "tok-other")) == merged.id
    # the duplicate attendance collapses to one fact; nothing else changes anywhere
    after = world_counts()
    assert after["Attendance"] == counts_before["Attendance"] - 1
    assert {k: v for k, v in after.items() if k != "Attendance"} == {k: v for k, v in counts_before.items()
                                                                      if k != "Attendance"}
    assert dedupe.snapshot(db.session.get(Person, bystander.id)) == bystander_before
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "person.merge"))
    assert entry.details["before"]["removed"]["emails"][0]["address"] == "oscar.n@gmail.com"


def test_merge_takes_the_chosen_fields_and_keeps_oppositions(app, staff):
    survivor = make_person("Rosa", "Tellez", email="r1@example.org")
    other = make_person("Rosa María", "Téllez", email="r2@example.org")
    rights.set_opposition(other, "email", True, actor=staff)
    merged = dedupe.merge(survivor, other, {"given_name": "other", "first_surname": "other"}, actor=staff)
    assert merged.full_name == "Rosa María Téllez"
    assert merged.opposes("email")


def test_merge_refuses_self_and_unknown_fields(app, staff):
    a, b = make_person(), make_person()
    with pytest.raises(ContactsError):
        dedupe.merge(a, a, actor=staff)
    with pytest.raises(ContactsError):
        dedupe.merge(a, b, {"password": "other"}, actor=staff)


def test_anonymize_removes_identity_keeps_answers_unlinked_and_nothing_else_changes(app, staff):
    person = rich_person("Óscar", "Núñez", "oscar@example.org", "+13125552368", country="US", sex="hombre")
    bystander = rich_person("Rosa", "Téllez", "rosa@example.org", "+13125552370")
    survey = make_survey()
    invitation = Invitation(survey_id=survey.id, person_id=person.id, token="tok-1", status="answered")
    db.session.add(invitation)
    db.session.commit()
    response = answer(survey, person, invitation=invitation)
    answer(survey, bystander)
    bystander_before = dedupe.snapshot(bystander)
    answers_before = db.session.scalar(select(func.count(Answer.id)))

    with pytest.raises(ContactsError):
        rights.anonymize(person, actor=staff)  # block first
    rights.block(person, actor=staff)
    rights.anonymize(person, actor=staff)

    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.status == "anonymized" and person.full_name == "Persona anonimizada"
    assert person.sex is None and person.emails == [] and person.phones == [] and person.notes == []
    assert db.session.scalar(select(PersonEmail).where(PersonEmail.address_key == "oscar@example.org")) is None
    stored = db.session.get(Response, response.id)
    assert stored.person_id is None and stored.invitation_id is None
    assert db.session.scalar(select(func.count(Answer.id))) == answers_before
    assert dedupe.snapshot(db.session.get(Person, bystander.id)) == bystander_before
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))][-2:] == [
        "person.block", "person.anonymize"]


def test_arco_deadline_counts_business_days(app, staff):
    person = make_person()
    request = rights.register_request(person, "access", date(2025, 3, 3), actor=staff)
    assert request.due_on == date(2025, 3, 31)  # 20 business days after Monday 3 March
    assert rights.business_days_left(request, today=date(2025, 3, 28)) == 1
    assert rights.business_days_left(request, today=date(2025, 4, 2)) == -2
    assert db.session.scalar(select(func.count(ArcoRequest.id))) == 1


def test_access_export_contains_everything_and_is_audited(app, staff):
    person = rich_person("Óscar", "Núñez", "oscar@example.org", "+13125552368")
    program = ObservationProgram(code="pp", name="Presupuesto participativo")
    program.participants.append(Participant(person_id=person.id, role="observer", folio="F-1"))
    db.session.add(program)
    db.session.commit()
    data = rights.access_export(person, actor=staff)
    assert data["emails"][0]["address"] == "oscar@example.org"
    assert data["observation_programs"][0]["folio"] == "F-1"
    assert data["notes"] and data["consents"] and data["memberships"]
    assert db.session.scalar(select(AuditEntry.action).where(AuditEntry.action == "arco.access_export"))


def test_opposition_is_honored_by_can_contact(app, staff):
    person = make_person()
    assert rights.can_contact(person, "email")
    rights.set_opposition(person, "email", True, actor=staff)
    assert not rights.can_contact(person, "email")
    assert rights.can_contact(person, "whatsapp")
    rights.block(person, actor=staff)
    assert not rights.can_contact(person, "whatsapp")
