"""Per-question summaries and response rates (counts over submitted responses only; responses that staff
excluded, a reviewed burst (surveys.responses.bursts), count nowhere here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from crm.core.extensions import db
from surveys.models import Answer, Invitation, Question, Response, Survey


@dataclass
class ChoiceCount:
    name: str
    label: str
    count: int
    percent: float | None
    positive: bool


@dataclass
class QuestionSummary:
    question: Question
    answered: int  # responses that answered this question
    total: int  # all submitted responses of the survey
    choices: list[ChoiceCount] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)  # latest texts (text questions)
    mean: float | None = None  # numeric questions


def summarize(survey: Survey, lang: str = "es") -> tuple[int, list[QuestionSummary]]:
    """(number of responses, one summary per answerable question) in three queries."""
    counted = (Response.survey_id == survey.id, Response.excluded.is_(False))
    total = db.session.scalar(select(func.count(Response.id)).where(*counted)) or 0
    answered = dict(db.session.execute(
        select(Answer.question_id, func.count(func.distinct(Answer.response_id)))
        .join(Response, Response.id == Answer.response_id).where(*counted)
        .group_by(Answer.question_id)).all())
    choice_counts = dict(db.session.execute(
        select(Answer.choice_id, func.count(Answer.id)).join(Response, Response.id == Answer.response_id)
        .where(*counted, Answer.choice_id.is_not(None)).group_by(Answer.choice_id)).all())
    summaries = []
    for question in survey.answerable_questions:
        n = answered.get(question.id, 0)
        summary = QuestionSummary(question=question, answered=n, total=total)
        if question.type in ("select_one", "select_multiple"):
            # Percentages over the responses that answered the question; for multiple choice they may add
            # up to more than 100 % (each response can choose several options).
            for choice in question.choices:
                count = choice_counts.get(choice.id, 0)
                summary.choices.append(ChoiceCount(choice.name, choice.label(lang, survey.default_language), count,
                                                   round(100 * count / n, 1) if n else None, choice.positive))
        elif question.type in ("integer", "decimal"):
            values = db.session.scalars(select(Answer.value).join(Response, Response.id == Answer.response_id)
                                        .where(*counted, Answer.question_id == question.id))
            numbers = [float(v) for v in values if v not in (None, "")]
            summary.mean = round(sum(numbers) / len(numbers), 2) if numbers else None
        elif question.type == "text":
            summary.samples = list(db.session.scalars(
                select(Answer.value).join(Response, Response.id == Answer.response_id)
                .where(*counted, Answer.question_id == question.id)
                .order_by(Response.submitted_at.desc()).limit(10)))
        summaries.append(summary)
    return total, summaries


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
        result.append({"source": source or "sin origen", "invited": invited, "sent": sent, "answered": answered,
                       "rate": round(100 * answered / invited, 1) if invited else None})
    return result
