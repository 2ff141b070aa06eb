"""Answering a survey on the web: which survey a token opens, whether it can be answered, in which language.

The respondent pages (surveys/respond/views.py) parse the request and call these functions and those of the
modules named below; nothing here reads the request or the session, so every rule is testable without HTTP.

- `find_target(token)`: the survey a token opens, and the invitation when it is a personal link (plain rows
  read with one Core select: the pages never need the ORM objects).
- `availability(target)`: why the form cannot be shown (used link, draft, closed, not yet open), or None.
- `mark_opened(invitation)`, `choose_language(survey, ...)`: a personal link opened; the page's language.
- `build_form(survey, lang)`: the render-model of the form in a language (sections, questions, choices);
  surveys.respond.form.
- `validate(form, data)`: the answers to store, or an error code per question; the values to show again;
  surveys.respond.form.
- `store(target, answers, ...)`: stores one response idempotently (submission key) and uses up a personal
  link atomically, in one transaction; surveys.respond.store.

The question definitions are cached per worker (surveys.respond.questions, keyed by the survey's
`questions_version`, which surveys.versioning bumps on every change to its questions or choices).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Literal

from sqlalchemy import bindparam, select, update

import surveys.versioning  # noqa: F401  (registers the questions_version bump on every session)
from crm.contacts.models import Person
from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.models import Invitation, Survey
from surveys.respond.questions import Questions, load_questions
from surveys.respond.store import day_start

LANGUAGES = ("es", "en")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")

Unavailable = Literal["used", "draft", "closed", "not_yet"]


# --- which survey a token opens -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SurveyRow:
    """What the respondent pages read of a survey (one row, no ORM object)."""

    id: int
    title: str
    titles: dict | None
    description: dict | None
    state: str
    opens_at: datetime | None
    closes_at: datetime | None
    languages: list | None
    default_language: str
    anonymous: bool
    questions_version: int
    open_token: str
    open_link_limited: bool
    open_link_per_browser: int
    open_link_per_address_hour: int


@dataclass(frozen=True, slots=True)
class InvitationRow:
    """What the respondent pages read of a personal invitation (with its survey and its person's language)."""

    id: int
    person_id: int | None
    opened_at: datetime | None
    answered_at: datetime | None
    status: str
    person_language: str | None
    survey: SurveyRow


@cache
def _sql() -> SimpleNamespace:
    """Statements built once (on first use, when every model is mapped): the respondent pages are the
    platform's hot path on election days."""
    s, i, p = Survey.__table__.c, Invitation.__table__.c, Person.__table__.c
    survey_columns = (s.id, s.title, s.titles, s.description, s.state, s.opens_at, s.closes_at, s.languages,
                      s.default_language, s.anonymous, s.questions_version, s.open_token, s.open_link_limited,
                      s.open_link_per_browser, s.open_link_per_address_hour)
    return SimpleNamespace(
        survey_by_token=select(*survey_columns).where(s.open_token == bindparam("token")),
        invitation_by_token=(
            select(i.id, i.person_id, i.opened_at, i.answered_at, i.status, p.language, *survey_columns)
            .select_from(Invitation.__table__.join(Survey.__table__, s.id == i.survey_id)
                         .outerjoin(Person.__table__, p.id == i.person_id))
            .where(i.token == bindparam("token"))
        ),
    )


@dataclass
class Target:
    survey: SurveyRow | Survey
    invitation: InvitationRow | Invitation | None = None
    _questions: Questions | None = None

    @property
    def questions(self) -> Questions:
        """The survey's questions (cached per worker and questions_version)."""
        if self._questions is None:
            survey = self.survey
            self._questions = load_questions(survey.id, survey.questions_version,
                                             identity=survey.open_token or "")
        return self._questions

    @property
    def person_language(self) -> str | None:
        invitation = self.invitation
        if invitation is None:
            return None
        if isinstance(invitation, InvitationRow):
            return invitation.person_language
        return invitation.person.language if invitation.person is not None else None


def find_target(token: str) -> Target | None:
    """The survey's open link or a personal invitation; None for anything unknown (no query for junk).

    Read on a Core connection of its own, outside the ORM session (whose set-up and commit bookkeeping
    cost more than the query on the respondent's hot path): the rows are plain values.
    """
    if not token or not _TOKEN.fullmatch(token):
        return None
    sql = _sql()
    with db.engine.connect() as connection:
        row = connection.execute(sql.survey_by_token, {"token": token}).first()
        if row is not None:
            return Target(SurveyRow(*row))
        row = connection.execute(sql.invitation_by_token, {"token": token}).first()
    return _invitation_target(row) if row is not None else None


def _invitation_target(row) -> Target:
    survey = SurveyRow(*row[6:])
    return Target(survey, InvitationRow(*row[:6], survey=survey))


def availability(target: Target, now: datetime | None = None) -> Unavailable | None:
    """None when the form can be shown and answered; else why not."""
    now = now or utcnow()
    survey = target.survey
    if target.invitation is not None and target.invitation.answered_at is not None:
        return "used"
    if survey.state == "draft":
        return "draft"
    if survey.state == "closed":
        return "closed"
    if survey.opens_at is not None and now < survey.opens_at:
        return "not_yet"
    if survey.closes_at is not None and now >= survey.closes_at:
        return "closed"
    return None


def mark_opened(invitation: InvitationRow | Invitation, now: datetime | None = None) -> None:
    """Opening a personal link records it (and uses nothing). Writes only when something changes."""
    if invitation.answered_at is not None:
        return
    if invitation.opened_at is not None and invitation.status == "opened":
        return
    now = now or utcnow()
    if invitation.survey.anonymous:
        now = day_start(now)  # see store(): no exact times next to an anonymous survey's invitations
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.answered_at.is_(None))
        .values(opened_at=invitation.opened_at or now, status="opened")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def choose_language(survey: SurveyRow | Survey, requested: str | None, person_language: str | None,
                    browser_best: Callable[[list[str]], str | None] | None = None) -> str:
    """?lang=es|en, else the invited person's language, else the browser's preference, else Spanish.

    `browser_best(candidates)` returns the browser's best match among candidates (or None). The person's
    language and the browser's preference count only for languages the survey is written in.
    """
    requested, person_language = language_code(requested), language_code(person_language)
    if requested in LANGUAGES:
        return requested
    offered = [lang for lang in LANGUAGES if lang in (survey.languages or [])] or ["es"]
    if person_language in offered:
        return person_language
    if browser_best is not None:
        best = browser_best(offered)
        if best in offered:
            return best
    return "es" if "es" in offered else offered[0]


def language_code(lang: str | None) -> str | None:
    """`en`, `EN`, `en-US`, `en_GB` -> `en`."""
    return lang.strip().lower().replace("_", "-").split("-")[0] if isinstance(lang, str) and lang.strip() else None
