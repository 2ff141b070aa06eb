"""Counts per code of open-text questions, shown beside the closed questions' counts: for each code, the
responses with at least one answer coded with it, over the responses that answered the question; and the
responses that answered it with no answer coded («sin codificar»). Responses that staff excluded (a reviewed
burst, surveys.responses.bursts) count nowhere, as in the summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from crm.core.extensions import db
from surveys.coding.models import AnswerCode, CodeAssignment
from surveys.models import Answer, Question, Response


@dataclass
class CodeCount:
    code_id: int
    label: str
    count: int  # responses with at least one answer coded with it
    percent: float | None  # over the responses that answered the question


@dataclass
class QuestionCodes:
    answered: int  # responses that answered the question (the denominator)
    codes: list[CodeCount] = field(default_factory=list)
    coded: int = 0  # responses with at least one answer coded
    uncoded: int = 0  # answered - coded

    @property
    def uncoded_percent(self) -> float | None:
        return _percent(self.uncoded, self.answered)


def _percent(count: int, total: int) -> float | None:
    return round(100 * count / total, 1) if total else None


def _counted(question_ids: list[int]) -> tuple:
    return (Answer.question_id.in_(question_ids), Response.excluded.is_(False))


def question_codes(questions: list[Question], answered: dict[int, int] | None = None) -> dict[int, QuestionCodes]:
    """question id -> its counts per code, for the given questions that have a code book (four queries at most).
    `answered` (question id -> responses that answered it, counted as the summaries count) saves a query."""
    ids = [q.id for q in questions]
    if not ids:
        return {}
    book: dict[int, list[AnswerCode]] = {}
    for code in db.session.scalars(select(AnswerCode).where(AnswerCode.question_id.in_(ids))
                                   .order_by(AnswerCode.position, AnswerCode.id)):
        book.setdefault(code.question_id, []).append(code)
    if not book:
        return {}
    with_codes = list(book)
    if answered is None:
        answered = dict(db.session.execute(
            select(Answer.question_id, func.count(func.distinct(Answer.response_id)))
            .join(Response, Response.id == Answer.response_id).where(*_counted(with_codes))
            .group_by(Answer.question_id)).all())
    sub = (select(Answer.question_id, CodeAssignment.code_id, Answer.response_id).select_from(CodeAssignment)
           .join(Answer, Answer.id == CodeAssignment.answer_id)
           .join(Response, Response.id == Answer.response_id).where(*_counted(with_codes))).subquery()
    per_code = {(q, c): n for q, c, n in db.session.execute(
        select(sub.c.question_id, sub.c.code_id, func.count(func.distinct(sub.c.response_id)))
        .group_by(sub.c.question_id, sub.c.code_id))}
    coded = dict(db.session.execute(select(sub.c.question_id, func.count(func.distinct(sub.c.response_id)))
                                    .group_by(sub.c.question_id)).all())
    result = {}
    for question_id, codes in book.items():
        n = answered.get(question_id, 0)
        entry = QuestionCodes(answered=n, coded=coded.get(question_id, 0))
        entry.uncoded = n - entry.coded
        entry.codes = [CodeCount(c.id, c.label, per_code.get((question_id, c.id), 0),
                                 _percent(per_code.get((question_id, c.id), 0), n)) for c in codes]
        result[question_id] = entry
    return result
