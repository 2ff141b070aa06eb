"""Staff access to stored files: finding the answer a key belongs to, the audited opening for a download, and
the address of a file for exports (`upload_url`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select
from werkzeug.utils import secure_filename

from crm.core import audit
from crm.core.extensions import db
from surveys.models import UPLOADS, Answer, Question, Response, Survey
from surveys.uploads.storage import (
    InvalidUploadKey,
    is_upload_key,
    key_parts,
    open_upload,
    upload_content_type,
)

ENDPOINT = "surveys.upload_download"


@dataclass
class Download:
    file: BinaryIO
    mimetype: str
    name: str  # the name offered to the browser: survey code, response id, question name


def find_upload(survey_id: int, key: str) -> tuple[Answer, Question] | None:
    """The answer (and its question) of survey `survey_id` whose stored file is `key`; None when no upload
    answer of that survey refers to it."""
    if not is_upload_key(key) or key_parts(key)[0] != survey_id:
        return None
    row = db.session.execute(
        select(Answer, Question).join(Response, Response.id == Answer.response_id)
        .join(Question, Question.id == Answer.question_id)  # through the survey's responses (Answer's index)
        .where(Response.survey_id == survey_id, Question.survey_id == survey_id, Question.type.in_(UPLOADS),
               Answer.value == key)
        .order_by(Answer.id).limit(1)).first()
    return (row[0], row[1]) if row else None


def open_for_staff(survey_id: int, key: str, *, actor) -> Download | None:
    """Open the file `key` of survey `survey_id` for `actor` and record who saw which file of which response;
    None (nothing recorded) when no answer of the survey refers to it or the file is gone."""
    found = find_upload(survey_id, key)
    if found is None:
        return None
    answer, question = found
    try:
        handle = open_upload(key)
    except (FileNotFoundError, InvalidUploadKey):
        return None
    survey = db.session.get(Survey, survey_id)
    audit.record(actor, "surveys.view_upload", ("Response", answer.response_id),
                 {"survey": survey_id, "question": question.name, "file": key})
    db.session.commit()
    ext = key_parts(key)[2]
    base = secure_filename(f"{survey.code if survey else survey_id}-{answer.response_id}-{question.name or 'archivo'}")
    return Download(handle, upload_content_type(key, question.type), f"{base or 'archivo'}.{ext}")


def upload_url(key: str, external: bool = True) -> str:
    """The staff download address of a stored file (for exports): absolute, on CRM_BASE_URL, unless
    `external` is False. Works without a request (background exports). InvalidUploadKey for a malformed key."""
    survey_id, token, ext = key_parts(key)
    adapter = current_app.url_map.bind("localhost")
    path = adapter.build(ENDPOINT, {"survey_id": survey_id, "name": f"{token}.{ext}"})
    if not external:
        return path
    return (current_app.config.get("CRM_BASE_URL") or "http://127.0.0.1:5000").rstrip("/") + path
