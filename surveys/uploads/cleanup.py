"""Files go when their answers go.

- ORM deletes: a `before_flush` listener collects the keys of the upload answers this flush removes: deleted
  Answer rows of upload questions, every upload answer of a deleted Response, of a deleted upload Question
  and of a deleted Survey (the database's ON DELETE CASCADE removes those rows without the ORM seeing them),
  and the former value of an upload answer that changed. After the transaction commits, each collected file
  no answer refers to any more is removed; a rollback forgets them.
- Everything else (Core or bulk `delete(...)` statements, cascades started outside the ORM, a submission that
  stored its files and then failed): `purge_orphan_uploads()` removes the files older than a day that no
  answer refers to, every hour in the task consumer (`archivos.limpiar`). The day of grace covers a
  submission in progress. Another package that keeps keys elsewhere (saved drafts) registers a reference
  source (`register_references`) so that the sweep keeps those files.

Today nothing in the platform deletes responses (retention and ARCO cancellation unlink them from the person
and keep their answers), so the listener covers the deletes to come and the sweep everything else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import current_app, has_app_context
from huey import crontab
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from crm.core.extensions import db
from crm.core.tasks import app_context, huey
from surveys.models import UPLOADS, Answer, Question, Response, Survey
from surveys.uploads.storage import TEMP_PREFIX, delete_upload, is_upload_key, upload_root

PENDING = "surveys.uploads.pending"  # session.info key: the keys to remove once the transaction commits
ORPHAN_MIN_AGE = timedelta(days=1)
CHUNK = 500
log = logging.getLogger(__name__)
# name -> function(survey_id, keys) -> the keys among `keys` that something other than an answer still uses
_REFERENCES: dict[str, Callable[[int, list[str]], set[str]]] = {}


def register_references(name: str, function: Callable[[int, list[str]], set[str]]) -> None:
    """Keys kept somewhere other than an Answer (keyed by name: registering twice replaces)."""
    _REFERENCES[name] = function


def _upload_values(session: Session, *conditions, survey_id: int | None = None) -> set[str]:
    query = (select(Answer.value).join(Question, Question.id == Answer.question_id)
             .where(Question.type.in_(UPLOADS), Answer.value.is_not(None), *conditions))
    if survey_id is not None:  # through the survey's responses: the answers' index is (response, question)
        query = query.join(Response, Response.id == Answer.response_id).where(Response.survey_id == survey_id)
    return {value for value in session.scalars(query) if is_upload_key(value)}


def _answer_keys(answer: Answer) -> set[str]:
    values = {answer.value}  # loads it when expired (after a commit)
    history = inspect(answer).attrs.value.history
    values |= {*history.deleted, *history.unchanged, *history.added}
    keys = {value for value in values if is_upload_key(value)}
    if keys and (answer.question is None or answer.question.type not in UPLOADS):
        return set()
    return keys


def keys_removed_by(session: Session) -> set[str]:
    """The upload keys that the pending flush of `session` stops referring to."""
    keys: set[str] = set()
    deleted = session.deleted
    with session.no_autoflush:
        for obj in deleted:
            if isinstance(obj, Answer):
                keys |= _answer_keys(obj)
            elif isinstance(obj, Response) and obj.id is not None:
                keys |= _upload_values(session, Answer.response_id == obj.id)
            elif isinstance(obj, Question) and obj.type in UPLOADS and obj.id is not None:
                keys |= _upload_values(session, Answer.question_id == obj.id, survey_id=obj.survey_id)
            elif isinstance(obj, Survey) and obj.id is not None:
                keys |= _upload_values(session, Question.survey_id == obj.id, survey_id=obj.id)
        for obj in session.dirty:
            if isinstance(obj, Answer) and obj not in deleted:
                old = {value for value in inspect(obj).attrs.value.history.deleted if is_upload_key(value)}
                if old and obj.question is not None and obj.question.type in UPLOADS:
                    keys |= old - {obj.value}
    return keys


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _flush_context, _instances) -> None:
    keys = keys_removed_by(session)
    if keys:
        session.info.setdefault(PENDING, set()).update(keys)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "after_commit")
def _remove(session: Session) -> None:
    keys = session.info.pop(PENDING, None)
    if not keys or not has_app_context():
        return
    try:
        with session.get_bind().connect() as connection:  # the session itself cannot run SQL after its commit
            still_used = set(connection.scalars(select(Answer.value).where(Answer.value.in_(sorted(keys)))))
    except Exception:  # noqa: BLE001 - the files stay; the hourly sweep removes them
        log.exception("could not check the uploads of deleted answers")
        return
    for key in sorted(keys - still_used):
        try:
            delete_upload(key)
        except OSError:
            log.warning("could not remove the upload %s; the hourly sweep will retry", key)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


def _referenced(survey_id: int, keys: list[str]) -> set[str]:
    used = _upload_values(db.session, Question.survey_id == survey_id, Answer.value.in_(keys))
    for function in _REFERENCES.values():
        used |= set(function(survey_id, keys))
    return used


def purge_orphan_uploads(min_age: timedelta = ORPHAN_MIN_AGE, now: float | None = None) -> int:
    """Remove the stored files (and abandoned temporary files) older than `min_age` that no answer (nor any
    registered reference source) refers to; returns how many were removed. Empty survey folders go too."""
    cutoff = (now if now is not None else time.time()) - min_age.total_seconds()
    removed = 0
    for folder in sorted(upload_root().iterdir()):
        if not folder.is_dir() or not folder.name.isdigit():
            continue
        candidates = {}
        for path in folder.iterdir():
            try:
                old = path.lstat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if not old:
                continue
            if path.name.startswith(TEMP_PREFIX):
                path.unlink(missing_ok=True)
                removed += 1
            elif is_upload_key(f"{folder.name}/{path.name}"):
                candidates[f"{folder.name}/{path.name}"] = path
        for keys in _chunks(sorted(candidates)):
            used = _referenced(int(folder.name), keys)
            for key in keys:
                if key not in used:
                    candidates[key].unlink(missing_ok=True)
                    removed += 1
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass
    return removed


@huey.periodic_task(crontab(minute="27"), name="archivos.limpiar")
def purge_orphan_uploads_hourly() -> None:
    with app_context():
        removed = purge_orphan_uploads()
        if removed:
            current_app.logger.info("survey uploads purged: %s file(s) no answer refers to", removed)
