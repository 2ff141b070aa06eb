"""Save and continue: a personal link's partly answered form kept on the server (`response_draft`), and what the
respondent page needs to know about drafts.

- Only a personal link of a survey that is not anonymous keeps a server draft (`server_drafts(target)`): the
  draft is tied to the invitation, so to the person, which an anonymous survey never is. Open links, and
  personal links of anonymous surveys, keep their draft in the browser instead (crm/static/survey-logic.js,
  localStorage, keyed by the survey's open token): nothing of it reaches the server before the submission.
- `save_draft` stores the posted values as they are, per form field, without checking them (required questions
  may be empty; the submission checks everything). Uploaded files are never kept in a draft.
- `load_draft` returns the saved values to show again; the draft is deleted when the response is stored
  (surveys.respond.store, in the same transaction), with its invitation (foreign key, ON DELETE CASCADE), when
  the person is anonymised (surveys.person_refs) and after CRM_RETAIN_DRAFTS_DAYS (crm.operations.retention).

Every statement runs on a Core connection of its own, like surveys.respond.store: no ORM objects on the
respondent pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from crm.core.extensions import db
from crm.core.timeutil import local_text, utcnow
from surveys.models import UPLOADS, Invitation, ResponseDraft
from surveys.values import MAX_TEXT

SAVE_FIELD = "_guardar"  # the «Guardar y continuar después» button's name; "auto" from the page's script
MAX_CHOSEN = 500  # values kept per field (a select_multiple's chosen names)


@cache
def _sql() -> SimpleNamespace:
    t, i = ResponseDraft.__table__, Invitation.__table__
    return SimpleNamespace(
        load=select(t.c.answers, t.c.language, t.c.updated_at).where(t.c.invitation_id == bindparam("invitation_id")),
        update=(update(t).where(t.c.invitation_id == bindparam("draft_of"))
                .values(answers=bindparam("draft_answers"), language=bindparam("draft_language"),
                        updated_at=bindparam("saved_at"))),
        insert=insert(t).values(invitation_id=bindparam("draft_of"), answers=bindparam("draft_answers"),
                                language=bindparam("draft_language"), updated_at=bindparam("saved_at")),
        unanswered=select(i.c.id).where(i.c.id == bindparam("draft_of"), i.c.answered_at.is_(None)),
        delete=delete(t).where(t.c.invitation_id == bindparam("invitation_id")),
    )


@dataclass(frozen=True, slots=True)
class Draft:
    values: dict[str, Any]  # form field name -> text or list of chosen values
    language: str
    updated_at: datetime  # naive UTC


@dataclass(frozen=True, slots=True)
class DraftPage:
    """What the form page shows and tells its script about drafts."""

    mode: str  # "server": a personal link's draft on the server; "browser": kept in the browser's storage
    key: str = ""  # the browser draft's storage key (the survey's open token)
    restored_at: str = ""  # local time of the saved draft shown again («Se recuperaron ...»)
    saved_at: str = ""  # local time of the draft just saved with the button
    uploads: bool = False  # the form asks for files, which a draft does not keep


def server_drafts(target) -> bool:
    """True for a personal link of a survey that is not anonymous (`target`: surveys.respond.submission.Target)."""
    return target.invitation is not None and not target.survey.anonymous


def draft_page(target, *, restored: Draft | None = None, saved: datetime | None = None) -> DraftPage:
    uploads = any(question.type in UPLOADS for question in target.questions)
    if server_drafts(target):
        return DraftPage("server", restored_at=local_text(restored.updated_at) if restored else "",
                         saved_at=local_text(saved) if saved else "", uploads=uploads)
    return DraftPage("browser", key=target.survey.open_token or "", uploads=uploads)


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """The values worth keeping: non-empty texts (cut at MAX_TEXT) and lists of distinct texts."""
    kept: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, str) and value.strip():
            kept[name] = value[:MAX_TEXT]
        elif isinstance(value, list):
            chosen = list(dict.fromkeys(v[:MAX_TEXT] for v in value if isinstance(v, str) and v))[:MAX_CHOSEN]
            if chosen:
                kept[name] = chosen
    return kept


def save_draft(invitation_id: int, values: dict[str, Any], *, lang: str, now: datetime | None = None) -> datetime | None:
    """Keeps the values (surveys.respond.form.posted_values) as the invitation's draft, replacing any earlier one;
    when it was saved, or None when the invitation is answered already (nothing kept)."""
    now = now or utcnow()
    params = {"draft_of": invitation_id, "draft_answers": clean_values(values), "draft_language": lang, "saved_at": now}
    sql = _sql()
    try:
        with db.engine.begin() as connection:
            if connection.execute(sql.unanswered, params).first() is None:
                return None
            if connection.execute(sql.update, params).rowcount == 0:
                connection.execute(sql.insert, params)
    except IntegrityError:  # a concurrent first save of the same invitation inserted it: this one replaces it
        with db.engine.begin() as connection:
            connection.execute(sql.update, params)
    return now


def load_draft(invitation_id: int) -> Draft | None:
    with db.engine.connect() as connection:
        row = connection.execute(_sql().load, {"invitation_id": invitation_id}).first()
    if row is None:
        return None
    answers = row.answers if isinstance(row.answers, dict) else {}
    return Draft(values=answers, language=row.language, updated_at=row.updated_at)


def delete_draft_on(connection, invitation_id: int) -> None:
    """Deletes the invitation's draft inside the caller's transaction (surveys.respond.store)."""
    connection.execute(_sql().delete, {"invitation_id": invitation_id})
