"""What the event pages show of surveys (crm.events.links): the surveys linked to an activity or an
observation program, and who answered them. Registered by crm.app.wiring.connect_domains."""

from __future__ import annotations

from sqlalchemy import select

from crm.core.extensions import db
from crm.events.links import SurveyLink, SurveyLinkSource
from surveys.models import Invitation, Response, Survey


def surveys_for_activity(activity_id: int) -> list[SurveyLink]:
    rows = db.session.execute(select(Survey.id, Survey.title).where(Survey.activity_id == activity_id)
                              .order_by(Survey.id))
    return [SurveyLink(survey_id, title) for survey_id, title in rows]


def surveys_for_program(program_id: int) -> list[SurveyLink]:
    rows = db.session.execute(select(Survey.id, Survey.title).where(Survey.observation_program_id == program_id)
                              .order_by(Survey.id))
    return [SurveyLink(survey_id, title) for survey_id, title in rows]


def respondents_for_program(program_id: int) -> set[int]:
    return set(db.session.scalars(
        select(Response.person_id).join(Survey, Survey.id == Response.survey_id)
        .where(Survey.observation_program_id == program_id, Response.person_id.is_not(None))))


def invitation_lists() -> list[SurveyLink]:
    """Surveys with at least one invitation, newest first (the 100 latest)."""
    rows = db.session.execute(select(Survey.id, Survey.title).where(
        select(Invitation.id).where(Invitation.survey_id == Survey.id).exists()).order_by(Survey.id.desc()).limit(100))
    return [SurveyLink(survey_id, title) for survey_id, title in rows]


def invitees(survey_id: int) -> list[int]:
    return list(db.session.scalars(select(Invitation.person_id).where(Invitation.survey_id == survey_id)
                                   .order_by(Invitation.id)))


SOURCE = SurveyLinkSource(surveys_for_activity, surveys_for_program, respondents_for_program, invitation_lists,
                          invitees)
