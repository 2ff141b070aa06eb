"""`survey.questions_version`: bumped in the same flush as any change to a survey's questions or choices.

The respondent pages cache a survey's question definitions per worker, keyed by the survey's id and
questions_version (surveys.respond.questions): the next request reads the survey row, sees the new
version and loads the questions again. Bumping is done here, once, for every ORM session: a `before_flush`
listener finds the surveys of every new, changed or deleted Question and Choice of the flush (through the
objects or their foreign keys, old values included: a choice removed from its question, a question moved
to another survey) and sets `questions_version = questions_version + 1` on each, once per flush, as an SQL
expression (two concurrent edits cannot both write the same version). New surveys (inserted in the same
flush) and deleted ones are left alone.

Only the ORM is seen: a Core `insert(Question)`, `update(Choice)` or `delete(...)` statement, or a bulk
operation, must call `bump_questions_version(survey_id)` itself, in the same transaction.

Imported by surveys.respond.submission (hence by the app factory's blueprints); importing it twice registers
nothing twice.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, update
from sqlalchemy.orm import Session

from crm.core.extensions import db
from surveys.models import Choice, Question, Survey


def bump_questions_version(*survey_ids: int, session=None) -> None:
    """For Core or bulk writes to questions or choices (which the ORM listener does not see)."""
    ids = sorted({survey_id for survey_id in survey_ids if survey_id is not None})
    if ids:
        (session or db.session).execute(
            update(Survey.__table__).where(Survey.__table__.c.id.in_(ids))
            .values(questions_version=Survey.__table__.c.questions_version + 1)
        )


def _related(session: Session, obj, relation: str, column: str, model) -> list:
    """The objects `obj` points to through `relation` now and before this flush (by object or by key)."""
    state = inspect(obj)
    found = []
    history = state.attrs[relation].history  # never loads: only what this session changed or loaded
    for target in (*history.added, *history.unchanged, *history.deleted):
        if target is not None:
            found.append(target)
    keys = state.attrs[column].history
    for key in (*keys.added, *keys.unchanged, *keys.deleted):
        if key is not None and not any(inspect(f).identity == (key,) for f in found):
            target = session.get(model, key)
            if target is not None:
                found.append(target)
    return found


def surveys_to_bump(session: Session) -> list[Survey]:
    """The persistent surveys whose questions or choices this flush writes (each once)."""
    new, dirty, deleted = session.new, session.dirty, session.deleted  # each property builds a new set
    changed = [obj for obj in (*new, *deleted) if isinstance(obj, (Question, Choice))]
    changed += [obj for obj in dirty if isinstance(obj, (Question, Choice)) and session.is_modified(obj)]
    if not changed:
        return []
    surveys: dict[int, Survey] = {}
    with session.no_autoflush:
        questions: list[Question] = []
        for obj in changed:
            if isinstance(obj, Question):
                questions.append(obj)
            else:
                questions.extend(_related(session, obj, "question", "question_id", Question))
        for question in questions:
            for survey in _related(session, question, "survey", "survey_id", Survey):
                if inspect(survey).persistent and survey not in deleted:
                    surveys[id(survey)] = survey
    return list(surveys.values())


@event.listens_for(Session, "before_flush")
def _bump_versions(session: Session, _flush_context, _instances) -> None:
    for survey in surveys_to_bump(session):
        survey.questions_version = Survey.questions_version + 1
