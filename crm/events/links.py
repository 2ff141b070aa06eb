"""The surveys linked to activities and observation programs, as the event pages show them.

Surveys sit above events, so events does not read them: the surveys package fills this extension point
(surveys.event_links, registered by crm.app.wiring.connect_domains). With no source registered the
pages show no surveys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple


class SurveyLink(NamedTuple):
    id: int
    title: str


@dataclass(frozen=True)
class SurveyLinkSource:
    surveys_for_activity: Callable[[int], list[SurveyLink]]
    surveys_for_program: Callable[[int], list[SurveyLink]]
    respondents_for_program: Callable[[int], set[int]]  # ids of the people who answered one of its surveys
    invitation_lists: Callable[[], list[SurveyLink]] = lambda: []  # surveys with invitations, newest first
    invitees: Callable[[int], list[int]] = lambda survey_id: []  # ids of the people invited to a survey


_sources: dict[str, SurveyLinkSource] = {}


def register(name: str, source: SurveyLinkSource) -> None:
    """Adds (or replaces, by name) a source of survey links."""
    _sources[name] = source


def surveys_for_activity(activity_id: int) -> list[SurveyLink]:
    return [link for source in _sources.values() for link in source.surveys_for_activity(activity_id)]


def surveys_for_program(program_id: int) -> list[SurveyLink]:
    """The surveys of an observation program."""
    return [link for source in _sources.values() for link in source.surveys_for_program(program_id)]


def respondents_for_program(program_id: int) -> set[int]:
    """The people who answered a survey of an observation program."""
    return {person for source in _sources.values() for person in source.respondents_for_program(program_id)}


def invitation_lists() -> list[SurveyLink]:
    """The surveys whose invitation list can be added to an activity's attendance at once."""
    return [link for source in _sources.values() for link in source.invitation_lists()]


def invitees(survey_id: int) -> list[int]:
    """The people invited to a survey (its invitation list)."""
    return [person for source in _sources.values() for person in source.invitees(survey_id)]
