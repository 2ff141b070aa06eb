"""The staff responses page: which responses it lists, and the answers of the page shown (audited: reading
responses is reading personal data)."""

from __future__ import annotations

from sqlalchemy import Select, select

from crm.core import audit
from crm.core.extensions import db
from crm.core.pagination import Page
from surveys.models import Answer, Response, Survey
from surveys.responses.describe import ShownAnswer, shown_answer

CHANNELS = ("web", "import")


STATUSES = ("incluidas", "excluidas")  # excluded: a reviewed burst, out of the indicators (Response.excluded)


def responses_query(survey: Survey, *, language: str = "", channel: str = "", status: str = "") -> Select:
    """The survey's responses, newest first, in one language, from one channel, included in the indicators or
    excluded from them, when given."""
    query = select(Response).where(Response.survey_id == survey.id)
    if status in STATUSES:
        query = query.where(Response.excluded.is_(status == "excluidas"))
    if language:
        query = query.where(Response.language == language)
    if channel in CHANNELS:
        query = query.where(Response.channel == channel)
    return query.order_by(Response.submitted_at.desc(), Response.id.desc())


def page_answers(survey: Survey, page: Page, *, actor) -> dict[int, list[ShownAnswer]]:
    """The answers of the responses on `page` (response id -> one shown answer per question answered, in the
    form's order, as text: surveys.responses.describe); audits the page viewed."""
    rows: dict[int, dict[int, list[Answer]]] = {}
    ids = [r.id for r in page.items]
    if ids:
        for answer in db.session.scalars(select(Answer).where(Answer.response_id.in_(ids)).order_by(Answer.id)):
            rows.setdefault(answer.response_id, {}).setdefault(answer.question_id, []).append(answer)
    order = {q.id: (q.position, q.id) for q in survey.questions}
    lang = survey.default_language or "es"
    answers = {
        response_id: [shown_answer(items[0].question, items, lang, lang)
                      for _qid, items in sorted(by_question.items(), key=lambda item: order.get(item[0], (0, 0)))]
        for response_id, by_question in rows.items()}
    audit.record(actor, "surveys.view_responses", survey, {"page": page.page})
    db.session.commit()
    return answers
