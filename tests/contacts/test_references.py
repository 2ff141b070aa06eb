"""Person references: contacts acts on the rows of higher packages only through what they registered."""

import pytest
from sqlalchemy import func, select

from crm.contacts import dedupe, references
from crm.contacts.models import Person
from crm.contacts.privacy import rights
from crm.core.extensions import db
from tests.factories import make_person, make_user


def test_the_app_registers_attendance_programs_and_surveys_in_the_access_export_order(app):
    # a person's survey files before the surveys' own reference, which unlinks the responses from the person
    assert [reference.name for reference in references.registered()] == [
        "attendance", "observation_programs", "survey_files", "surveys", "mailings"]


@pytest.mark.parametrize("action", ["merge", "anonymize"])
def test_without_registered_references_nothing_is_deleted_or_cleared(app, monkeypatch, action):
    staff = make_user(role="staff")
    survivor = make_person("Rosa", "Téllez", email="rosa.tellez@example.org")
    other = make_person("Rosa", "Tellez", email="rosa.t@example.org")
    if action == "anonymize":  # anonymising needs a blocked record; merging refuses one
        other.status = "blocked"
    db.session.commit()
    monkeypatch.setattr(references, "_registered", {})
    with pytest.raises(RuntimeError, match="connect_domains"):
        if action == "merge":
            dedupe.merge(survivor, other, {}, actor=staff)
        else:
            rights.anonymize(other, actor=staff)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Person)) == 2
    assert db.session.get(Person, other.id).given_name == "Rosa"
