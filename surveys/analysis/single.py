"""One question's summary, for its chart's SVG: the same numbers as surveys.responses.summaries.summarize gives
for that question (counted responses: the survey's, not excluded by staff), counted with queries limited to the
question instead of summarizing the whole survey on every image request. tests/survey_analysis/test_single.py
holds both to the same charts."""

from __future__ import annotations

from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.models import Answer, Question, Response, Survey
from surveys.responses.describe import has_relevance, type_label
from surveys.responses.summaries import ChoiceCount, QuestionSummary, finite_numbers, rank_counts

NUMERIC = ("integer", "decimal", "range")


def summary_of(survey: Survey, question: Question, lang: str) -> QuestionSummary:
    default = survey.default_language
    counted = (Response.survey_id == survey.id, Response.excluded.is_(False))
    total = db.session.scalar(select(func.count(Response.id)).where(*counted)) or 0
    n = db.session.scalar(select(func.count(func.distinct(Answer.response_id)))
                          .join(Response, Response.id == Answer.response_id)
                          .where(*counted, Answer.question_id == question.id)) or 0
    summary = QuestionSummary(question=question, answered=n, total=total, type_label=type_label(question.type))
    ordered = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    if has_relevance(question, ordered):
        summary.not_applicable = total - n
    if question.type in ("select_one", "select_multiple"):
        counts = dict(db.session.execute(
            select(Answer.choice_id, func.count(Answer.id)).join(Response, Response.id == Answer.response_id)
            .where(*counted, Answer.question_id == question.id, Answer.choice_id.is_not(None))
            .group_by(Answer.choice_id)).all())
        summary.choices = [ChoiceCount(c.name, c.label(lang, default), counts.get(c.id, 0),
                                       round(100 * counts.get(c.id, 0) / n, 1) if n else None, c.positive)
                           for c in question.choices]
    elif question.type == "rank":
        summary.ranks = rank_counts(question, counted, lang, default)
    elif question.type in NUMERIC and n:
        summary.mean = _mean(question, counted)
    return summary


def _mean(question: Question, counted: tuple) -> float | None:
    numbers, _ = finite_numbers(list(db.session.scalars(
        select(Answer.value).join(Response, Response.id == Answer.response_id)
        .where(*counted, Answer.question_id == question.id, Answer.value.is_not(None)))))
    return round(sum(numbers) / len(numbers), 2) if numbers else None
