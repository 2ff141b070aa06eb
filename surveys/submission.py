"""Answering a survey on the web: which survey a token opens, the form to show, checking and storing.

The respondent pages (surveys/public.py) parse the request and call these functions; nothing here
reads the request or the session, so every rule is testable without HTTP.

- `find_target(token)`: the survey a token opens, and the invitation when it is a personal link.
- `availability(target)`: why the form cannot be shown (used link, draft, closed, not yet open), or None.
- `build_form(survey, lang)`: the render-model of the form in a language (sections, questions, choices).
- `validate(form, data)`: the answers to store, or an error code per question; the values to show again.
- `store(target, answers, ...)`: stores one response idempotently (submission key) and uses up a personal
  link atomically, in one transaction.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from types import SimpleNamespace
from typing import Any, Literal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from crm.extensions import db
from crm.timeutil import local_midnight_utc, to_local, utcnow
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey
from surveys.values import MAX_TEXT, AnswerError, parse_answer

LANGUAGES = ("es", "en")
FIELD_PREFIX = "q_"  # form field names are q_<question name>: they cannot clash with the form's own fields
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")
_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")

Unavailable = Literal["used", "draft", "closed", "not_yet"]
Outcome = Literal["stored", "duplicate", "used"]


# --- which survey a token opens -------------------------------------------------------------------


@dataclass(frozen=True)
class ChoiceSpec:
    id: int
    name: str
    labels: dict


@dataclass
class QuestionSpec:
    """A question as the form and surveys.values.parse_answer need it (read without the ORM's cost)."""

    id: int
    position: int
    type: str
    name: str | None
    labels: dict
    hints: dict
    required: bool
    appearance: str
    choices: list[ChoiceSpec] = field(default_factory=list)


@cache
def _sql() -> SimpleNamespace:
    """Statements built once (on first use, when every model is mapped): the respondent pages are the
    platform's hot path on election days."""
    return SimpleNamespace(
        questions=(
            select(Question.id, Question.position, Question.type, Question.name, Question.labels, Question.hints,
                   Question.required, Question.appearance, Choice.id, Choice.name, Choice.labels)
            .outerjoin(Choice, Choice.question_id == Question.id)
            .where(Question.survey_id == bindparam("survey_id"))
            .order_by(Question.position, Question.id, Choice.position, Choice.id)
        ),
        survey_by_token=select(Survey).where(Survey.open_token == bindparam("token")),
        invitation_by_token=(
            select(Invitation).where(Invitation.token == bindparam("token")).options(joinedload(Invitation.survey))
        ),
        survey_of_key=select(Response.survey_id).where(Response.submission_key == bindparam("key")),
        use_up=(
            update(Invitation)
            .where(Invitation.id == bindparam("invitation_id"), Invitation.answered_at.is_(None))
            .values(answered_at=bindparam("answered_at"), status="answered")
            .execution_options(synchronize_session=False)
        ),
        insert_response=insert(Response.__table__),
        insert_answers=insert(Answer.__table__),
    )


def load_questions(survey_id: int) -> list[QuestionSpec]:
    """The survey's questions with their choices, in order, in one query."""
    rows = db.session.execute(_sql().questions, {"survey_id": survey_id}).all()
    questions: list[QuestionSpec] = []
    for qid, position, qtype, name, labels, hints, required, appearance, cid, cname, clabels in rows:
        if not questions or questions[-1].id != qid:
            questions.append(QuestionSpec(id=qid, position=position, type=qtype, name=name, labels=labels or {},
                                          hints=hints or {}, required=bool(required), appearance=appearance or ""))
        if cid is not None:
            questions[-1].choices.append(ChoiceSpec(id=cid, name=cname, labels=clabels or {}))
    return questions


@dataclass
class Target:
    survey: Survey
    invitation: Invitation | None = None
    _questions: list[QuestionSpec] | None = None

    @property
    def questions(self) -> list[QuestionSpec]:
        if self._questions is None:
            self._questions = load_questions(self.survey.id)
        return self._questions

    @property
    def person_language(self) -> str | None:
        if self.invitation is None or self.invitation.person is None:
            return None
        return self.invitation.person.language


def find_target(token: str) -> Target | None:
    """The survey's open link or a personal invitation; None for anything unknown (no query for junk)."""
    if not token or not _TOKEN.fullmatch(token):
        return None
    survey = db.session.scalar(_sql().survey_by_token, {"token": token})
    if survey is not None:
        return Target(survey)
    invitation = db.session.scalar(_sql().invitation_by_token, {"token": token})
    if invitation is not None:
        return Target(invitation.survey, invitation)
    return None


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


def mark_opened(invitation: Invitation, now: datetime | None = None) -> None:
    """Opening a personal link records it (and uses nothing). Writes only when something changes."""
    if invitation.answered_at is not None:
        return
    if invitation.opened_at is not None and invitation.status == "opened":
        return
    now = now or utcnow()
    if invitation.survey.anonymous:
        now = _day_start(now)  # see store(): no exact times next to an anonymous survey's invitations
    db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.answered_at.is_(None))
        .values(opened_at=invitation.opened_at or now, status="opened")
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def choose_language(survey: Survey, requested: str | None, person_language: str | None,
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


# --- the form, as the template shows it -----------------------------------------------------------


@dataclass
class ChoiceView:
    id: str
    value: str
    label: str
    lang: str | None  # set when the text is in another language than the page


@dataclass
class Item:
    kind: Literal["question", "note"]
    question: QuestionSpec
    id: str
    name: str  # the form field name
    type: str
    label: str
    label_lang: str | None
    hint: str
    required: bool
    multiline: bool = False
    choices: list[ChoiceView] = field(default_factory=list)

    @property
    def is_choice(self) -> bool:
        return self.type in ("select_one", "select_multiple")

    @property
    def first_input_id(self) -> str:
        """Where the error summary's link leads: the input, or the first option of a group."""
        return self.choices[0].id if self.is_choice and self.choices else self.id


@dataclass
class Section:
    id: str
    title: str
    title_lang: str | None
    hint: str
    level: int  # heading level: 2 for top-level groups
    number: int = 0  # position among the top-level sections (progress), 0 for nested ones
    items: list[Item | Section] = field(default_factory=list)

    kind = "section"


@dataclass
class FormView:
    lang: str
    title: str
    description: str
    items: list[Item | Section]
    questions: list[Item]  # every answerable question, in order
    sections: int  # top-level sections (for "Section k of n")

    def question(self, name: str) -> Item | None:
        return next((q for q in self.questions if q.question.name == name), None)


def _text(texts: dict | None, lang: str, default: str) -> tuple[str, str | None]:
    """The text in `lang`, else in the survey's default language, else any; and its language if not `lang`."""
    texts = texts or {}
    if texts.get(lang):
        return texts[lang], None
    for other in (default, "es", *texts.keys()):
        if texts.get(other):
            return texts[other], other if other != lang else None
    return "", None


def build_form(survey: Survey, lang: str, questions: list[QuestionSpec] | None = None) -> FormView:
    """The form in `lang`; texts missing in it fall back to the survey's default language (marked)."""
    default = survey.default_language or "es"
    root: list[Item | Section] = []
    stack: list[Section] = []
    answerable: list[Item] = []
    top_sections = 0
    for question in questions if questions is not None else load_questions(survey.id):
        container = stack[-1].items if stack else root
        if question.type == "begin_group":
            title, title_lang = _text(question.labels, lang, default)
            section = Section(id=f"s{question.position}", title=title, title_lang=title_lang,
                              hint=_text(question.hints, lang, default)[0], level=min(2 + len(stack), 6))
            if not stack:
                top_sections += 1
                section.number = top_sections
            container.append(section)
            stack.append(section)
            continue
        if question.type == "end_group":
            if stack:
                stack.pop()
            continue
        label, label_lang = _text(question.labels, lang, default)
        item = Item(
            kind="note" if question.type == "note" else "question",
            question=question,
            id=f"p{question.position}",
            name=FIELD_PREFIX + (question.name or f"p{question.position}"),
            type=question.type,
            label=label or (question.name or ""),
            label_lang=label_lang,
            hint=_text(question.hints, lang, default)[0],
            required=bool(question.required) and question.type != "note",
            multiline="multiline" in (question.appearance or ""),
        )
        for index, choice in enumerate(question.choices):
            text, text_lang = _text(choice.labels, lang, default)
            item.choices.append(ChoiceView(id=f"{item.id}-{index}", value=choice.name, label=text or choice.name,
                                           lang=text_lang))
        container.append(item)
        if item.kind == "question":
            answerable.append(item)
    title, _ = _text(survey.titles, lang, default)
    description, _ = _text(survey.description, lang, default)
    return FormView(lang=lang, title=title or survey.title, description=description, items=root,
                    questions=answerable, sections=top_sections)


# --- checking a submission ------------------------------------------------------------------------


@dataclass
class Validation:
    answers: list[dict]  # rows for Answer: question_id, choice_id, value
    errors: dict[str, str]  # question name -> error code (see ERROR_CODES)
    values: dict[str, Any]  # field name -> posted text or list of chosen values, to show again

    @property
    def ok(self) -> bool:
        return not self.errors


ERROR_CODES = ("required", "invalid_choice", "integer", "decimal", "date", "text_too_long", "text_invalid")


def posted_values(form: FormView, data) -> dict[str, Any]:
    """What the respondent sent, per field, to show it again (`data` is a MultiDict-like mapping)."""
    values: dict[str, Any] = {}
    for item in form.questions:
        if item.type == "select_multiple":
            values[item.name] = [v for v in data.getlist(item.name) if isinstance(v, str)]
        else:
            raw = data.get(item.name)
            values[item.name] = raw if isinstance(raw, str) else ""
    return values


def validate(form: FormView, data) -> Validation:
    """Checks every answerable question with surveys.values.parse_answer (the rules the import uses too)."""
    values = posted_values(form, data)
    answers: list[dict] = []
    errors: dict[str, str] = {}
    for item in form.questions:
        question = item.question
        raw = values[item.name]
        try:
            rows = parse_answer(question, raw)
        except AnswerError:
            errors[question.name] = _error_code(question, raw)
            continue
        if not rows:
            if question.required:
                errors[question.name] = "required"
            continue
        answers.extend(rows)
    return Validation(answers=answers, errors=errors, values=values)


def _error_code(question: QuestionSpec, raw: Any) -> str:
    if question.type in ("select_one", "select_multiple"):
        return "invalid_choice"
    if question.type in ("integer", "decimal", "date"):
        return question.type
    return "text_too_long" if isinstance(raw, str) and len(raw.strip()) > MAX_TEXT else "text_invalid"


# --- storing ---------------------------------------------------------------------------------------


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


def clean_submission_key(value: Any) -> str | None:
    return value if isinstance(value, str) and _KEY.fullmatch(value) else None


def already_stored(key: str | None, survey_id: int) -> bool:
    """True when a response with this submission key was stored for this survey (a repeated POST)."""
    if not key:
        return False
    stored_for = db.session.scalar(_sql().survey_of_key, {"key": key})
    return stored_for == survey_id


def store(target: Target, answers: list[dict], *, lang: str, submission_key: str | None,
          now: datetime | None = None) -> Outcome:
    """Stores one web response; never two for one submission key, never two for one personal link.

    A personal link is used up in the same transaction as the insert, by a conditional UPDATE whose row
    count says whether this request won (two concurrent POSTs cannot both store). Anonymous surveys store no
    person and no invitation on the response, and only day-precise times on the invitation, so the
    response cannot be matched to it by time either.
    """
    survey = target.survey
    invitation = target.invitation
    key = submission_key or new_submission_key()
    now = now or utcnow()
    submitted_at = now.replace(minute=0, second=0, microsecond=0) if survey.anonymous else now
    survey_id = survey.id
    invitation_id = invitation.id if invitation is not None else None
    person_id = invitation.person_id if invitation is not None else None
    try:
        if invitation_id is not None:
            used_up = db.session.execute(_sql().use_up, {
                "invitation_id": invitation_id, "answered_at": _day_start(now) if survey.anonymous else now})
            if used_up.rowcount != 1:
                duplicate = already_stored(submission_key, survey_id)
                db.session.rollback()
                return "duplicate" if duplicate else "used"
        linked = invitation_id is not None and not survey.anonymous
        result = db.session.execute(_sql().insert_response, {
            "survey_id": survey_id,
            "person_id": person_id if linked else None,
            "invitation_id": invitation_id if linked else None,
            "anonymous": bool(survey.anonymous),
            "submitted_at": submitted_at,
            "language": lang,
            "channel": "web",
            "submission_key": key,
        })
        response_id = result.inserted_primary_key[0]
        if answers:
            db.session.execute(_sql().insert_answers, [
                {"response_id": response_id, "question_id": row["question_id"],
                 "choice_id": row.get("choice_id"), "value": row.get("value")}
                for row in answers
            ])
        db.session.commit()
    except IntegrityError:
        # the same submission key was stored by a concurrent request: that one counts
        db.session.rollback()
        if already_stored(submission_key, survey_id):
            return "duplicate"
        if submission_key and db.session.scalar(_sql().survey_of_key, {"key": submission_key}) is not None:
            # the key is another survey's response's (a form field is the client's to forge): a new key
            return store(target, answers, lang=lang, submission_key=None, now=now)
        raise
    return "stored"


def _day_start(moment: datetime) -> datetime:
    """The start (naive UTC) of the local day of `moment` (naive UTC)."""
    return local_midnight_utc(to_local(moment).date())
