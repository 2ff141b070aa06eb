"""GET /api/v1/surveys and /api/v1/surveys/SURVEY/responses."""

from __future__ import annotations

from flask import request
from spectree import Response

from crm.api import reads
from crm.api.auth import api_permission
from crm.api.paging import paged, reader
from crm.api.schemas import ERRORS, Error, PageQuery, ResponsesPage, SurveysPage, spec


@api_permission("view_surveys")
@spec.validate(query=PageQuery, resp=Response(HTTP_200=SurveysPage, HTTP_400=Error, **ERRORS), tags=["surveys"])
def surveys():
    """The surveys, newest first, with their identifier (`code`) and how many responses each has."""
    q = request.context.query
    return paged(reads.surveys_page(q.page, q.per_page), q.page, q.per_page)


@api_permission("view_responses")
@spec.validate(query=PageQuery, resp=Response(HTTP_200=ResponsesPage, HTTP_400=Error, HTTP_404=Error, **ERRORS),
               tags=["surveys"], path_parameter_descriptions={"survey": "The survey's code (or its number)"})
def responses(survey: str):
    """One item per response, oldest first, keyed by the columns of the survey's responses export
    (`submitted_at`, then one per question)."""
    q = request.context.query
    return paged(reads.responses_page(survey, q.page, q.per_page, reader=reader()), q.page, q.per_page)
