"""Per-question summaries and response rates (counts over submitted responses only; responses that staff
excluded, a reviewed burst (surveys.responses.bursts), count nowhere here)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from crm.core.extensions import db
from surveys.coding.counts import QuestionCodes, question_codes
from surveys.models import (
    ANSWERABLE,
    CALCULATED,
    METADATA,
    UPLOADS,
    Answer,
    Invitation,
    Question,
    Response,
    Survey,
)
from surveys.responses.describe import (
    LogicLine,
    has_relevance,
    inherited_lines,
    logic_lines,
    type_label,
    value_text,
)


@dataclass
class ChoiceCount:
    name: str
    label: str
    count: int
    percent: float | None
    positive: bool


@dataclass
class RankCount:
    name: str
    label: str
    mean_position: float | None  # 1 = placed first
    first: int  # responses that placed it first


@dataclass
class QuestionSummary:
    question: Question
    answered: int  # responses that answered this question
    total: int  # all submitted responses of the survey
    type_label: str = ""
    logic: list[LogicLine] = field(default_factory=list)  # its own logic and the conditions around it
    # the question has a condition (its own `relevant` or a section's): the responses without an answer to it
    # are counted apart: to a required question they did not apply; to an optional one, they may not have
    not_applicable: int | None = None
    choices: list[ChoiceCount] = field(default_factory=list)
    ranks: list[RankCount] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # latest texts (text and text calculations)
    mean: float | None = None  # numeric questions and numeric calculations
    earliest: str = ""  # dates, times, dates and times
    latest: str = ""
    codes: QuestionCodes | None = None  # open text with a code book: counts per code (surveys.coding)

    @property
    def surely_not_applicable(self) -> bool:
        """Every response without an answer skipped it by its condition (the question is otherwise required)."""
        return self.question.required and not (self.question.logic or {}).get("required")


SUMMARIZED = (*ANSWERABLE, *CALCULATED, *UPLOADS)
NUMERIC = ("integer", "decimal", "range")
SPANS = ("date", "time", "datetime", "start", "end", "today")


def summarize(survey: Survey, lang: str = "es", *, metadata: bool = False) -> tuple[int, list[QuestionSummary]]:
    """(number of responses, one summary per answered, computed or uploaded question, in the form's order; the
    metadata too when `metadata`): counts in three queries, then one per question with values to read."""
    counted = (Response.survey_id == survey.id, Response.excluded.is_(False))
    total = db.session.scalar(select(func.count(Response.id)).where(*counted)) or 0
    answered = dict(db.session.execute(
        select(Answer.question_id, func.count(func.distinct(Answer.response_id)))
        .join(Response, Response.id == Answer.response_id).where(*counted)
        .group_by(Answer.question_id)).all())
    choice_counts = dict(db.session.execute(
        select(Answer.choice_id, func.count(Answer.id)).join(Response, Response.id == Answer.response_id)
        .where(*counted, Answer.choice_id.is_not(None)).group_by(Answer.choice_id)).all())
    shown = SUMMARIZED + (METADATA if metadata else ())
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    summaries = []
    for question in (q for q in ordered if q.type in shown):
        n = answered.get(question.id, 0)
        summary = QuestionSummary(question=question, answered=n, total=total, type_label=type_label(question.type),
                                  logic=inherited_lines(question, ordered, lang, survey.default_language)
                                  + logic_lines(question, lang, survey.default_language))
        if has_relevance(question, ordered):
            summary.not_applicable = total - n
        if question.type in ("select_one", "select_multiple"):
            # Percentages over the responses that answered the question; for multiple choice they may add
            # up to more than 100 % (each response can choose several options).
            for choice in question.choices:
                count = choice_counts.get(choice.id, 0)
                summary.choices.append(ChoiceCount(choice.name, choice.label(lang, survey.default_language), count,
                                                   round(100 * count / n, 1) if n else None, choice.positive))
        elif question.type == "rank":
            summary.ranks = rank_counts(question, counted, lang, survey.default_language)
        elif question.type in (*NUMERIC, *CALCULATED, *SPANS, "text") and n:
            _values(summary, counted)
        summaries.append(summary)
    coded = question_codes([s.question for s in summaries if s.question.type == "text"], answered)
    for summary in summaries:
        summary.codes = coded.get(summary.question.id)
    return total, summaries


def _values(summary: QuestionSummary, counted: tuple) -> None:
    """The mean of numbers, the span of dates and times, the latest texts (a calculation: as its values are)."""
    question = summary.question
    rows = db.session.execute(select(Answer.value).join(Response, Response.id == Answer.response_id)
                              .where(*counted, Answer.question_id == question.id, Answer.value.is_not(None))
                              .order_by(Response.submitted_at.desc(), Answer.id.desc())
                              .limit(10 if question.type == "text" else None)).scalars()
    values = [v for v in rows if v != ""]
    if question.type in SPANS:
        shown = sorted(value_text(question, v) for v in values)
        summary.earliest, summary.latest = (shown[0], shown[-1]) if shown else ("", "")
        return
    numbers, all_numbers = finite_numbers(values)
    if question.type in NUMERIC or (question.type in CALCULATED and all_numbers):
        summary.mean = round(sum(numbers) / len(numbers), 2) if numbers else None
    else:
        summary.samples = values[:10]


def finite_numbers(values: list[str]) -> tuple[list[float], bool]:
    """The values that are finite numbers, and whether all of them are numbers."""
    numbers, all_numbers = [], bool(values)
    for value in values:
        try:
            number = float(value)
        except ValueError:
            all_numbers = False
            continue
        if math.isfinite(number):
            numbers.append(number)
    return numbers, all_numbers


def rank_counts(question: Question, counted: tuple, lang: str, default: str) -> list[RankCount]:
    """Mean position and first places of each option of a ranking (stored as choices in order, or names)."""
    orders: dict[int, list[str]] = {}
    by_id = {c.id: c.name for c in question.choices}
    for response_id, choice_id, value in db.session.execute(
            select(Answer.response_id, Answer.choice_id, Answer.value).join(Response, Response.id == Answer.response_id)
            .where(*counted, Answer.question_id == question.id).order_by(Answer.response_id, Answer.id)):
        names = [by_id.get(choice_id, "")] if choice_id is not None else (value or "").split()
        orders.setdefault(response_id, []).extend(names)
    positions: dict[str, list[int]] = {c.name: [] for c in question.choices}
    for names in orders.values():
        for position, name in enumerate(names, start=1):
            positions.setdefault(name, []).append(position)
    return [RankCount(c.name, c.label(lang, default),
                      round(sum(positions[c.name]) / len(positions[c.name]), 2) if positions[c.name] else None,
                      positions[c.name].count(1)) for c in question.choices]


def excluded_count(survey: Survey) -> int:
    """How many of the survey's responses staff excluded from the indicators and summaries."""
    return db.session.scalar(select(func.count(Response.id))
                             .where(Response.survey_id == survey.id, Response.excluded.is_(True))) or 0


def response_rates(survey: Survey) -> list[dict]:
    """Invitations and answers per source (network, activity, program, list)."""
    rows = db.session.execute(
        select(Invitation.source, func.count(Invitation.id),
               func.sum(case((Invitation.answered_at.is_not(None), 1), else_=0)),
               func.sum(case((Invitation.sent_at.is_not(None), 1), else_=0)))
        .where(Invitation.survey_id == survey.id).group_by(Invitation.source).order_by(Invitation.source)).all()
    result = []
    for source, invited, answered, sent in rows:
        answered, sent = int(answered or 0), int(sent or 0)
        result.append({"source": source or "", "invited": invited, "sent": sent, "answered": answered,
                       "rate": round(100 * answered / invited, 1) if invited else None})
    return result
