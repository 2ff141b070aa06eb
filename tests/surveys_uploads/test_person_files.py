"""A person's uploaded files on ARCO access and cancellation: listed in the access export, and removed with
their answers when the person is anonymised (a photo or a voice identifies the person), others' kept."""

from __future__ import annotations

from sqlalchemy import select

from crm.contacts.privacy.rights import access_export, anonymize, block
from crm.core.extensions import db
from surveys.models import Answer, Response
from tests.factories import make_person, make_user
from tests.surveys_uploads.helpers import JPEG, answer_with_file, survey_with_upload


def test_anonymising_a_person_removes_the_files_they_sent(app, files):
    actor = make_user(role="admin")
    survey = survey_with_upload()
    person, other = make_person(), make_person("Luis")
    mine, my_key = answer_with_file(survey)
    theirs, their_key = answer_with_file(survey, JPEG)
    mine.person_id, theirs.person_id = person.id, other.id
    mine.answers.append(Answer(question_id=next(q.id for q in survey.questions if q.name == "opinion"),
                               value="Muy bien"))
    db.session.commit()

    export = access_export(person, actor=actor)
    assert export["survey_files"] == [{"survey": survey.title, "question": "foto", "file": my_key}]

    block(person, actor=actor)
    anonymize(person, actor=actor)
    assert not (files / my_key).exists() and (files / their_key).exists()
    kept = db.session.scalars(select(Answer.value).where(Answer.response_id == mine.id)).all()
    assert kept == ["Muy bien"]  # the closed and text answers stay for the aggregates, unlinked
    assert db.session.get(Response, mine.id).person_id is None
    assert db.session.scalars(select(Answer.value).where(Answer.response_id == theirs.id)).all() == [their_key]
