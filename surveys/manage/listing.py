"""The figures the staff survey pages lead with, for one survey or a page of the list, in a few queries:
responses, satisfaction (positive answers to the indicator questions over the answers to them, as the
indicators count it: excluded responses count nowhere) and the invitations' response rate; and the list's
sort orders (`?orden=`, a leading "-" for descending)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, case, func, select

from crm.core.extensions import db
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey


@dataclass(frozen=True)
class KeyFigures:
    responses: int = 0  # every response stored (excluded ones too)
    counted: int = 0  # responses the summaries and indicators count
    positive: int = 0  # positive answers to indicator questions
    indicator_answers: int = 0  # answers to indicator questions
    invited: int = 0
    answered: int = 0  # invitations answered

    @property
    def satisfaction(self) -> float | None:
        """Share (0..1) of positive answers among the indicator questions' answers; None without any."""
        return self.positive / self.indicator_answers if self.indicator_answers else None

    @property
    def rate(self) -> float | None:
        """Share (0..1) of invitations answered; None without invitations (an open link only)."""
        return self.answered / self.invited if self.invited else None


def _aggregates(survey_ids: list[int] | None = None):
    """Per-survey responses, invitations and satisfaction counts as subqueries (only of `survey_ids` if given)."""
    def only(query, column):
        return query.where(column.in_(survey_ids)) if survey_ids is not None else query

    responses = only(select(Response.survey_id.label("survey_id"), func.count(Response.id).label("responses"),
                            func.sum(case((Response.excluded.is_(False), 1), else_=0)).label("counted")),
                     Response.survey_id).group_by(Response.survey_id).subquery("responses_agg")
    invitations = only(select(Invitation.survey_id.label("survey_id"), func.count(Invitation.id).label("invited"),
                              func.sum(case((Invitation.answered_at.is_not(None), 1), else_=0)).label("answered")),
                       Invitation.survey_id).group_by(Invitation.survey_id).subquery("invitations_agg")
    satisfaction = only(select(Response.survey_id.label("survey_id"),
                               func.sum(case((Choice.positive.is_(True), 1), else_=0)).label("positive"),
                               func.count(Answer.id).label("answers"))
                        .select_from(Answer).join(Response, Response.id == Answer.response_id)
                        .join(Question, Question.id == Answer.question_id).join(Choice, Choice.id == Answer.choice_id)
                        .where(Question.indicator.is_(True), Response.excluded.is_(False)),
                        Response.survey_id).group_by(Response.survey_id).subquery("satisfaction_agg")
    return responses, invitations, satisfaction


def _ratio(numerator, denominator):
    return case((func.coalesce(denominator, 0) > 0, func.coalesce(numerator, 0) * 1.0 / denominator), else_=None)


# ?orden= value -> the column's SQL expression, given the aggregates (responses, invitations, satisfaction)
SORTS = {
    "titulo": lambda r, i, s: func.lower(Survey.title),
    "codigo": lambda r, i, s: Survey.code,
    "estado": lambda r, i, s: Survey.state,
    "componente": lambda r, i, s: Survey.component_code,
    "invitaciones": lambda r, i, s: func.coalesce(i.c.invited, 0),
    "respuestas": lambda r, i, s: func.coalesce(r.c.responses, 0),
    "tasa": lambda r, i, s: _ratio(i.c.answered, i.c.invited),
    "satisfaccion": lambda r, i, s: _ratio(s.c.positive, s.c.answers),
    "fecha": lambda r, i, s: func.coalesce(Survey.opens_at, Survey.created_at),
}
COMPUTED = ("invitaciones", "respuestas", "tasa", "satisfaccion")  # sorting by them counts every survey's rows
DEFAULT_SORT = "-fecha"


def sort_key(raw: str | None) -> str:
    """The `?orden=` value if it is known (with an optional leading "-"), else the default (newest first)."""
    raw = (raw or "").strip()
    return raw if raw.lstrip("-") in SORTS and raw.count("-") <= 1 else DEFAULT_SORT


def listing_query(*, state: str = "", sort: str = DEFAULT_SORT) -> Select:
    """The surveys of the list in the order `sort` asks (empty values last); the counts are joined only when
    the order needs them (the page's figures come from `figures_for`)."""
    key = sort_key(sort)
    query = select(Survey)
    if key.lstrip("-") in COMPUTED:
        r, i, s = _aggregates()
        query = (query.outerjoin(r, r.c.survey_id == Survey.id).outerjoin(i, i.c.survey_id == Survey.id)
                 .outerjoin(s, s.c.survey_id == Survey.id))
        column = SORTS[key.lstrip("-")](r, i, s)
    else:
        column = SORTS[key.lstrip("-")](None, None, None)
    if state:
        query = query.where(Survey.state == state)
    ordered = column.desc() if key.startswith("-") else column.asc()
    return query.order_by(case((column.is_(None), 1), else_=0), ordered, Survey.id.desc())


def figures_for(survey_ids: list[int]) -> dict[int, KeyFigures]:
    """survey id -> its figures, counting only these surveys' rows (three grouped queries in one statement)."""
    if not survey_ids:
        return {}
    r, i, s = _aggregates(list(survey_ids))
    rows = db.session.execute(
        select(Survey.id, r.c.responses, r.c.counted, s.c.positive, s.c.answers, i.c.invited, i.c.answered)
        .outerjoin(r, r.c.survey_id == Survey.id).outerjoin(i, i.c.survey_id == Survey.id)
        .outerjoin(s, s.c.survey_id == Survey.id).where(Survey.id.in_(survey_ids)))
    return {sid: KeyFigures(*(int(v or 0) for v in values)) for sid, *values in rows}


def key_figures(survey: Survey) -> KeyFigures:
    return figures_for([survey.id]).get(survey.id, KeyFigures())
