"""Files go when their answers go: after the commit of an ORM delete (response, answer, question, survey), at
once; after bulk deletes and abandoned submissions, through the hourly sweep of files no answer refers to."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta

from sqlalchemy import delete, select

from crm.core.extensions import db
from surveys.models import Answer, Question, Response, Survey
from surveys.uploads import cleanup
from surveys.uploads.cleanup import purge_orphan_uploads, register_references
from surveys.uploads.storage import store_upload
from tests.surveys_uploads.helpers import JPEG, PNG, answer_with_file, survey_with_upload


def _age(path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_deleting_a_response_removes_its_file_after_the_commit(app, files):
    survey = survey_with_upload()
    response, key = answer_with_file(survey)
    _other, kept = answer_with_file(survey, JPEG)
    db.session.delete(db.session.get(Response, response.id))
    db.session.flush()
    assert (files / key).exists()  # not before the commit
    db.session.commit()
    assert not (files / key).exists() and (files / kept).exists()


def test_a_rollback_keeps_the_file(app, files):
    survey = survey_with_upload()
    response, key = answer_with_file(survey)
    db.session.delete(db.session.get(Response, response.id))
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert (files / key).exists()


def test_deleting_or_replacing_an_upload_answer_removes_the_file(app, files):
    survey = survey_with_upload()
    response, key = answer_with_file(survey)
    answer = db.session.scalars(select(Answer).where(Answer.response_id == response.id)).one()
    foto = db.session.get(Question, answer.question_id)
    replacement = store_upload(survey.id, foto, io.BytesIO(JPEG), "nueva.jpg", "image/jpeg")
    answer.value = replacement
    db.session.commit()
    assert not (files / key).exists() and (files / replacement).exists()
    db.session.delete(answer)
    db.session.commit()
    assert not (files / replacement).exists()


def test_a_text_answer_holding_a_key_never_removes_that_file(app, files):
    """A respondent may type another response's key into a text box; deleting that answer keeps the file."""
    survey = survey_with_upload()
    _response, key = answer_with_file(survey)
    opinion = next(q for q in survey.questions if q.name == "opinion")
    copycat = Response(survey_id=survey.id, channel="web")
    copycat.answers.append(Answer(question_id=opinion.id, value=key))
    db.session.add(copycat)
    db.session.commit()
    db.session.delete(copycat)
    db.session.commit()
    assert (files / key).exists()


def test_a_file_two_answers_share_stays_while_one_refers_to_it(app, files):
    survey = survey_with_upload()
    first, key = answer_with_file(survey)
    foto = next(q for q in survey.questions if q.name == "foto")
    second = Response(survey_id=survey.id, channel="import")
    second.answers.append(Answer(question_id=foto.id, value=key))
    db.session.add(second)
    db.session.commit()
    db.session.delete(db.session.get(Response, first.id))
    db.session.commit()
    assert (files / key).exists()


def test_deleting_a_survey_removes_its_files(app, files):
    survey = survey_with_upload()
    _response, key = answer_with_file(survey)
    other = survey_with_upload()
    _response2, kept = answer_with_file(other)
    db.session.delete(db.session.get(Survey, survey.id))
    db.session.commit()
    assert not (files / key).exists() and (files / kept).exists()


def test_the_sweep_removes_old_orphans_only(app, files):
    survey = survey_with_upload()
    response, referenced = answer_with_file(survey)
    _gone, bulk_deleted = answer_with_file(survey, JPEG)
    foto = next(q for q in survey.questions if q.name == "foto")
    abandoned = store_upload(survey.id, foto, io.BytesIO(PNG), "x.png", "")  # a submission that failed
    recent = store_upload(survey.id, foto, io.BytesIO(PNG), "x.png", "")  # a submission in progress
    temporary = files / str(survey.id) / ".tmp-0123"
    temporary.write_bytes(b"partial")
    db.session.execute(delete(Answer).where(Answer.value == bulk_deleted))  # bulk: no ORM event sees it
    db.session.commit()
    assert (files / bulk_deleted).exists()
    for key in (referenced, bulk_deleted, abandoned):
        _age(files / key, 2)
    _age(temporary, 2)
    assert purge_orphan_uploads() == 3
    assert (files / referenced).exists() and (files / recent).exists()
    assert not (files / bulk_deleted).exists() and not (files / abandoned).exists() and not temporary.exists()
    assert purge_orphan_uploads(min_age=timedelta(0)) == 1  # the recent orphan, once old enough
    assert [p.name for p in (files / str(survey.id)).iterdir()] == [referenced.split("/")[1]]
    assert response.id


def test_registered_references_keep_their_files_and_empty_folders_go(app, files):
    survey = survey_with_upload()
    foto = next(q for q in survey.questions if q.name == "foto")
    draft_key = store_upload(survey.id, foto, io.BytesIO(PNG), "x.png", "")
    register_references("test-drafts", lambda survey_id, keys: {k for k in keys if k == draft_key})
    try:
        assert purge_orphan_uploads(min_age=timedelta(0)) == 0
    finally:
        cleanup._REFERENCES.pop("test-drafts")
    assert purge_orphan_uploads(min_age=timedelta(0)) == 1
    assert not (files / str(survey.id)).exists()
