"""Surveys, questions, choices, invitations, responses and answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm.contacts.models import _in
from crm.core.extensions import db
from crm.core.timeutil import utcnow

# What a respondent answers: the responses file has a column for each (CONTRACTS.md "Responses file")
ANSWERABLE = ("select_one", "select_multiple", "text", "integer", "decimal", "date", "time", "datetime", "range",
              "rank", "geopoint", "acknowledge", "barcode")
# Computed by the platform from the form's logic (a `hidden` question holds its default): exported as columns,
# optional in an import
CALCULATED = ("calculate", "hidden")
# Filled by the platform when a response is received (XLSForm metadata); a web form has no phone number, SIM or
# e-mail of the device, so those stay empty
METADATA = ("start", "end", "today", "deviceid", "username", "audit", "phonenumber", "simserial", "subscriberid",
            "email")
# Uploads: stored outside the database
UPLOADS = ("image", "audio", "video", "file")
STRUCTURAL = ("note", "begin_group", "end_group", "begin_repeat", "end_repeat")
QUESTION_TYPES = ANSWERABLE + CALCULATED + METADATA + UPLOADS + STRUCTURAL
MAX_INSTANCES = 500  # instances of a repeat in one response
# Open-link limits: carriers and offices put many honest respondents behind one address (election days)
DEFAULT_PER_ADDRESS_HOUR = 300
MAX_PER_BROWSER = 1000
MAX_PER_ADDRESS_HOUR = 100_000


class Survey(db.Model):
    __tablename__ = "survey"
    __table_args__ = (
        CheckConstraint(_in("state", ["draft", "open", "closed"]), name="state_known"),
        CheckConstraint("component_code IS NULL OR " + _in("component_code", ["AI3", "AI5", "AI6"]),
                        name="component_known"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="closes_after_opens"),
        CheckConstraint(f"open_link_per_browser BETWEEN 1 AND {MAX_PER_BROWSER}", name="per_browser_range"),
        CheckConstraint(f"open_link_per_address_hour BETWEEN 1 AND {MAX_PER_ADDRESS_HOUR}", name="per_address_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80), unique=True)  # the identifier the commands take
    form_id: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(300))
    titles: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: title}
    description: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: text}
    state: Mapped[str] = mapped_column(String(10), default="draft")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    languages: Mapped[list] = mapped_column(JSON, default=lambda: ["es"])
    default_language: Mapped[str] = mapped_column(String(8), default="es")
    anonymous: Mapped[bool] = mapped_column(default=False)
    component_code: Mapped[str | None] = mapped_column(String(10), index=True)
    year: Mapped[int | None] = mapped_column(index=True)
    activity_id: Mapped[int | None] = mapped_column(ForeignKey("activity.id", ondelete="SET NULL"), index=True)
    observation_program_id: Mapped[int | None] = mapped_column(
        ForeignKey("observation_program.id", ondelete="SET NULL"), index=True)
    open_token: Mapped[str] = mapped_column(String(64), unique=True)  # the stable open link
    # before/after pairing for impact indicators: this survey is the "after" of `pre_survey_id`
    pre_survey_id: Mapped[int | None] = mapped_column(ForeignKey("survey.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # bumped by every change to the questions or choices (surveys.builder.questions, XLSForm import), so that
    # per-process caches of the question definitions (surveys.respond.questions) notice edits
    questions_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # open-link stuffing (surveys.respond.open_limits): responses to the open link per browser (a long-lived
    # cookie) and per address and hour; personal links are one-use already
    open_link_limited: Mapped[bool] = mapped_column(default=True, server_default=true())
    open_link_per_browser: Mapped[int] = mapped_column(default=1, server_default="1")
    open_link_per_address_hour: Mapped[int] = mapped_column(default=DEFAULT_PER_ADDRESS_HOUR,
                                                            server_default=str(DEFAULT_PER_ADDRESS_HOUR))

    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", order_by="Question.position"
    )
    activity = relationship("Activity")
    observation_program = relationship("ObservationProgram")

    def label(self, lang: str | None = None) -> str:
        return (self.titles or {}).get(lang or self.default_language) or self.title

    @property
    def answerable_questions(self) -> list[Question]:
        return [q for q in self.questions if q.type in ANSWERABLE]


class Question(db.Model):
    __tablename__ = "question"
    __table_args__ = (
        UniqueConstraint("survey_id", "name"),
        CheckConstraint(_in("type", QUESTION_TYPES), name="type_known"),
        CheckConstraint("indicator = false OR type = 'select_one'", name="indicator_select_one"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    type: Mapped[str] = mapped_column(String(20))
    # the XLSForm name; a name the form reuses in another group or repeat is kept as its path (`group/name`),
    # which is also its column in the responses file
    name: Mapped[str | None] = mapped_column(String(255))
    list_name: Mapped[str | None] = mapped_column(String(80))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)  # {lang: text}
    hints: Mapped[dict] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    indicator: Mapped[bool] = mapped_column(default=False)
    appearance: Mapped[str] = mapped_column(String(80), default="")
    # the XLSForm logic: expressions as written and compiled once (surveys.logic), messages per language,
    # parameters; the keys are listed in surveys.xlsform.model.LOGIC_KEYS
    logic: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    survey: Mapped[Survey] = relationship(back_populates="questions")
    choices: Mapped[list[Choice]] = relationship(
        back_populates="question", cascade="all, delete-orphan", order_by="Choice.position"
    )

    def label(self, lang: str, default: str = "es") -> str:
        labels = self.labels or {}
        return labels.get(lang) or labels.get(default) or next(iter(labels.values()), "") or (self.name or "")

    def hint(self, lang: str, default: str = "es") -> str:
        hints = self.hints or {}
        return hints.get(lang) or hints.get(default) or ""


class Choice(db.Model):
    __tablename__ = "choice"
    # no unique name per question: XLSForm allows a list to repeat a name (settings allow_choice_duplicates)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(80))
    labels: Mapped[dict] = mapped_column(JSON, default=dict)
    positive: Mapped[bool] = mapped_column(default=False)
    # the choices sheet's other columns ({column: text}), which choice filters read
    extra: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")

    question: Mapped[Question] = relationship(back_populates="choices")

    def label(self, lang: str, default: str = "es") -> str:
        labels = self.labels or {}
        return labels.get(lang) or labels.get(default) or next(iter(labels.values()), "") or self.name


class Invitation(db.Model):
    __tablename__ = "invitation"
    __table_args__ = (
        CheckConstraint(_in("status", ["pending", "sent", "opened", "answered", "bounced"]), name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)  # secrets.token_urlsafe(32): 256 bits
    status: Mapped[str] = mapped_column(String(10), default="pending")
    channel: Mapped[str] = mapped_column(String(20), default="link")
    source: Mapped[str] = mapped_column(String(60), default="")  # network, activity, program, list
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]

    survey: Mapped[Survey] = relationship()
    person = relationship("Person")


class Response(db.Model):
    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint(_in("channel", ["web", "import"]), name="channel_known"),
        # An anonymous response is linked to no one.
        CheckConstraint("anonymous = false OR (person_id IS NULL AND invitation_id IS NULL)", name="anonymous_unlinked"),
        Index("ix_response_survey_submitted", "survey_id", "submitted_at"),
        # the open-link keys: keyed hashes (HMAC-SHA256, hex) of the address and of the browser id, web only
        CheckConstraint("channel = 'web' OR (address_key IS NULL AND browser_key IS NULL)", name="keys_web_only"),
        CheckConstraint("address_key IS NULL OR length(address_key) = 64", name="address_key_hmac"),
        CheckConstraint("browser_key IS NULL OR length(browser_key) = 64", name="browser_key_hmac"),
        Index("ix_response_survey_address", "survey_id", "address_key", "submitted_at"),
        Index("ix_response_browser_key", "browser_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("survey.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitation.id", ondelete="SET NULL"), unique=True)
    anonymous: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    language: Mapped[str] = mapped_column(String(8), default="es")
    channel: Mapped[str] = mapped_column(String(10), default="web")
    # idempotency: one response per rendered form (double clicks, repeated POSTs)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    # never the raw address or browser id: keyed hashes, scoped to the survey (surveys.respond.open_limits)
    address_key: Mapped[str | None] = mapped_column(String(64))
    browser_key: Mapped[str | None] = mapped_column(String(64))
    # excluded by staff (a reviewed burst): kept, but out of every indicator, breakdown and summary
    excluded: Mapped[bool] = mapped_column(default=False, server_default=false())

    survey: Mapped[Survey] = relationship()
    person = relationship("Person")
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")


class Answer(db.Model):
    """One answer: a choice (one row per chosen option for select_multiple) or a value.

    One index besides the key: (response_id, question_id). A response's answers are written together, so
    each submission adds to one end of it; an index led by question_id would take a write in a different
    place per question (a third of the cost of a 40-question submission on SQLite, docs/quality.md). A
    question's answers are read through its survey's responses (response.survey_id, then this index),
    which every reading here does; deleting a question or choice scans the answers (rare: the builder
    deletes only unanswered ones).
    """

    __tablename__ = "answer"
    __table_args__ = (CheckConstraint("choice_id IS NOT NULL OR value IS NOT NULL", name="has_value"),
                      CheckConstraint(f"instance BETWEEN 0 AND {MAX_INSTANCES}", name="instance_range"),
                      Index("ix_answer_response_question", "response_id", "question_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    choice_id: Mapped[int | None] = mapped_column(ForeignKey("choice.id", ondelete="CASCADE"))
    value: Mapped[str | None] = mapped_column(Text)
    # 0 outside a repeat; inside one, the instance the answer belongs to (1, 2, ...)
    instance: Mapped[int] = mapped_column(default=0, server_default="0")

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    choice: Mapped[Choice | None] = relationship()


class ResponseDraft(db.Model):
    """A personal link's partly answered form, saved to continue later (surveys.respond.drafts): the posted values
    per form field, unchecked. Deleted when the response is stored, with its invitation, when the person is
    anonymised, and after CRM_RETAIN_DRAFTS_DAYS (crm.operations.retention, kind `borradores`)."""

    __tablename__ = "response_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"), unique=True)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)  # {field name: text or list of chosen values}
    language: Mapped[str] = mapped_column(String(8), default="es")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
