"""GET /api/v1/people and the registries: organizations, activities, requests, agreements."""

from __future__ import annotations

from flask import request
from spectree import Response

from crm.api import reads
from crm.api.auth import api_permission
from crm.api.paging import paged, reader
from crm.api.schemas import ERRORS, Error, PageQuery, PeoplePage, PeopleQuery, RowsPage, spec


@api_permission("view_contacts")
@spec.validate(query=PeopleQuery, resp=Response(HTTP_200=PeoplePage, HTTP_400=Error, HTTP_404=Error, **ERRORS),
               tags=["people"])
def people():
    """The active people (of one network with `red`), by id, each with the contacts file's columns
    (`red` as a list of network codes) and its `id`."""
    q = request.context.query
    return paged(reads.people_page(q.red, q.page, q.per_page, reader=reader()), q.page, q.per_page)


_ROWS = Response(HTTP_200=RowsPage, HTTP_400=Error, **ERRORS)


@api_permission("view_contacts")
@spec.validate(query=PageQuery, resp=_ROWS, tags=["registries"])
def organizations():
    """Every organization, with the columns of the organizations file (`organizations export`)."""
    q = request.context.query
    return paged(reads.organizations_page(q.page, q.per_page, reader=reader()), q.page, q.per_page)


@api_permission("view_events")
@spec.validate(query=PageQuery, resp=_ROWS, tags=["registries"])
def activities():
    """Every activity, by date, with the columns of the activities export (`activities export`)."""
    q = request.context.query
    return paged(reads.activities_page(q.page, q.per_page, reader=reader()), q.page, q.per_page)


@api_permission("view_events")
@spec.validate(query=PageQuery, resp=_ROWS, tags=["registries"])
def requests():
    """Every request (gestión), by date received, with the columns of the requests export."""
    q = request.context.query
    return paged(reads.requests_page(q.page, q.per_page, reader=reader()), q.page, q.per_page)


@api_permission("view_agreements")
@spec.validate(query=PageQuery, resp=_ROWS, tags=["registries"])
def agreements():
    """Every agreement (convenio), with the columns of the agreements file (`agreements export`)."""
    q = request.context.query
    return paged(reads.agreements_page(q.page, q.per_page, reader=reader()), q.page, q.per_page)
