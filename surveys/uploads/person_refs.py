"""A person's uploaded files (photos, recordings, documents) for contacts (crm.contacts.references).

On anonymisation (ARCO cancellation) the files a person sent go, with their answers: unlike the answers to
closed questions, which stay unlinked for the aggregates, a photo or a voice identifies the person. They are
removed after the transaction commits (surveys.uploads.cleanup). The access export lists them. Registered by
the composition root before the surveys' own reference, which unlinks the responses from the person.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from crm.contacts.models import Person
from crm.contacts.references import Participation, PersonReference
from crm.core.extensions import db
from surveys.models import UPLOADS, Answer, Question, Response, Survey
from surveys.uploads.cleanup import PENDING
from surveys.uploads.storage import is_upload_key


def _person_uploads(person_id: int):
    return (select(Answer.id, Answer.value, Question.name, Survey.title)
            .join(Question, Question.id == Answer.question_id).join(Response, Response.id == Answer.response_id)
            .join(Survey, Survey.id == Response.survey_id)
            .where(Response.person_id == person_id, Question.type.in_(UPLOADS), Answer.value.is_not(None))
            .order_by(Answer.id))


def _erase(person_id: int) -> None:
    rows = db.session.execute(_person_uploads(person_id)).all()
    if not rows:
        return
    db.session.execute(delete(Answer).where(Answer.id.in_([row.id for row in rows])))
    keys = {row.value for row in rows if is_upload_key(row.value)}
    db.session.info.setdefault(PENDING, set()).update(keys)  # removed once the anonymisation commits


def _export(person: Person) -> dict:
    return {"survey_files": [{"survey": row.title, "question": row.name, "file": row.value}
                             for row in db.session.execute(_person_uploads(person.id))]}


SURVEY_FILES = PersonReference("survey_files", merge=lambda survivor_id, other_id: None, erase=_erase,
                               export=_export, participation=lambda person: Participation())
