"""Storing one web response: idempotent per submission key, a personal link used up atomically.

A first POST costs two INSERT statements (the response, then its answers in one executemany) and the
commit: no look-up of the submission key before the insert. The unique constraint on
`response.submission_key` makes the insert idempotent; a repeated key is recognised in the IntegrityError
branch (`already_stored` runs only there, and on the pages' error paths).
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm.core.extensions import db
from crm.core.timeutil import local_midnight_utc, to_local, utcnow
from surveys.models import Invitation, Response
from surveys.respond.drafts import delete_draft_on
from surveys.respond.open_limits import OpenLinkKeys, Over, over_limit_on

Outcome = Literal["stored", "duplicate", "used", "browser", "address"]
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


@cache
def _sql() -> SimpleNamespace:
    """Statements built once (on first use, when every model is mapped)."""
    return SimpleNamespace(
        survey_of_key=select(Response.survey_id).where(Response.submission_key == bindparam("key")),
        use_up=(
            update(Invitation.__table__)
            .where(Invitation.id == bindparam("invitation_id"), Invitation.answered_at.is_(None))
            .values(answered_at=bindparam("answered_at"), status="answered")
        ),
        insert_response=insert(Response.__table__),
    )


# The answers' INSERT in the driver's own terms (per DB-API paramstyle: sqlite3 "qmark", psycopg "format" or
# "pyformat"): a submission's 40 rows skip SQLAlchemy's per-row parameter processing (a tenth of the time of
# a 40-question submission), and the driver's executemany takes them as they are (plain integers and text).
_ANSWERS_SQL = {
    "qmark": "INSERT INTO answer (response_id, question_id, choice_id, value, instance) VALUES (?, ?, ?, ?, ?)",
    "format": "INSERT INTO answer (response_id, question_id, choice_id, value, instance) VALUES (%s, %s, %s, %s, %s)",
}
_ANSWERS_SQL["pyformat"] = _ANSWERS_SQL["format"]


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def clean_submission_key(value: Any) -> str | None:
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None


def already_stored(key: str | None, survey_id: int) -> bool:
    """True when a response with this submission key was stored for this survey (a repeated POST)."""
    return bool(key) and _survey_of_key(key) == survey_id


def _survey_of_key(key: str) -> int | None:
    with db.engine.connect() as connection:
        return connection.execute(_sql().survey_of_key, {"key": key}).scalar()


class _LinkUsed(Exception):
    """The personal link was used up by another request (rolls the transaction back)."""


class _OverLimit(Exception):
    def __init__(self, over: Over):
        self.over = over


def store(target, answers: list[dict], *, lang: str, submission_key: str | None,
          now: datetime | None = None, keys: OpenLinkKeys | None = None, limited: bool = False) -> Outcome:
    """Stores one web response; never two for one submission key, never two for one personal link.

    `target` is a surveys.respond.submission.Target. One transaction on a Core connection of its own (not the ORM
    session: nothing here needs objects, and the session's bookkeeping cost more than the two INSERTs). A
    personal link is used up in the same transaction as the insert, by a conditional UPDATE whose row count
    says whether this request won (two concurrent POSTs cannot both store). Anonymous surveys store no
    person and no invitation on the response, and only day-precise times on the invitation, so the
    response cannot be matched to it by time either. `keys`: an open-link response's keyed hashes of its
    address and browser (surveys.respond.open_limits), stored with it; with `limited` (the survey's open-link
    limit is on), "browser" or "address" when that limit is reached: nothing was written (one statement on
    the same connection, before the insert).
    "duplicate": this submission key was stored already for this survey (a double click, or a concurrent
    repeat): nothing was written. Being another connection, it does not see uncommitted writes of db.session
    (and on SQLite would wait for their lock): callers commit first.
    """
    survey = target.survey
    invitation = target.invitation
    key = submission_key or new_submission_key()
    now = now or utcnow()
    anonymous = bool(survey.anonymous)
    submitted_at = now.replace(minute=0, second=0, microsecond=0) if anonymous else now
    survey_id = survey.id
    invitation_id = invitation.id if invitation is not None else None
    person_id = invitation.person_id if invitation is not None else None
    linked = invitation_id is not None and not anonymous
    sql = _sql()
    try:
        with db.engine.begin() as connection:  # commits at the end of the block, rolls back on any error
            if limited and keys is not None:
                over = over_limit_on(connection, survey, keys, now)
                if over:
                    raise _OverLimit(over)
            if invitation_id is not None:
                used_up = connection.execute(sql.use_up, {
                    "invitation_id": invitation_id, "answered_at": day_start(now) if anonymous else now})
                if used_up.rowcount != 1:
                    raise _LinkUsed
                delete_draft_on(connection, invitation_id)  # the saved draft goes with the stored response
            result = connection.execute(sql.insert_response, {
                "survey_id": survey_id,
                "person_id": person_id if linked else None,
                "invitation_id": invitation_id if linked else None,
                "anonymous": anonymous,
                "submitted_at": submitted_at,
                "language": lang,
                "channel": "web",
                "submission_key": key,
                "address_key": keys.address_key if keys is not None else None,
                "browser_key": keys.browser_key if keys is not None else None,
            })
            if answers:
                response_id = result.inserted_primary_key[0]
                connection.exec_driver_sql(_ANSWERS_SQL[connection.dialect.paramstyle], [  # one executemany
                    (response_id, row["question_id"], row.get("choice_id"), row.get("value"),
                     row.get("instance", 0))  # a repeat's instance (surveys.respond.repeats)
                    for row in answers
                ])
    except _LinkUsed:
        return "duplicate" if already_stored(submission_key, survey_id) else "used"
    except _OverLimit as over:
        return over.over
    except IntegrityError:
        # the key is taken: a double click or a concurrent repeat of this form (that one counts)
        stored_for = _survey_of_key(submission_key) if submission_key else None
        if stored_for == survey_id:
            return "duplicate"
        if stored_for is not None:
            # the key is another survey's response's (a form field is the client's to forge): a new key
            return store(target, answers, lang=lang, submission_key=None, now=now, keys=keys, limited=limited)
        raise
    return "stored"


def day_start(moment: datetime) -> datetime:
    """The start (naive UTC) of the local day of `moment` (naive UTC)."""
    return local_midnight_utc(to_local(moment).date())
