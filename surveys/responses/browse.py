"""The staff responses page: which responses it lists, and the answers of the page shown (audited: reading
responses is reading personal data)."""

from __future__ import annotations

from sqlalchemy import Select, select

from crm.core import audit
from crm.core.extensions import db
from crm.core.pagination import Page
from surveys.models import Answer, Response, Survey

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


def page_answers(survey: Survey, page: Page, *, actor) -> dict[int, list[Answer]]:
    """The answers of the responses on `page` (response id -> answers in order); audits the page viewed."""
    answers: dict[int, list[Answer]] = {}
    ids = [r.id for r in page.items]
    if ids:
        for answer in db.session.scalars(select(Answer).where(Answer.response_id.in_(ids)).order_by(Answer.id)):
            answers.setdefault(answer.response_id, []).append(answer)
    audit.record(actor, "surveys.view_responses", survey, {"page": page.page})
    db.session.commit()
    return answers
