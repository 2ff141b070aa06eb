"""What the API takes and gives, as pydantic models, and the SpecTree instance that builds the OpenAPI 3
document from the views' declarations (crm/api/views: each view names its query model and its responses).

SpecTree validates each query against its model before the view runs; a refusal is answered by `_before` in the
API's JSON error form. It registers no route and no error handler on the app: /api/openapi.json is our own
view (crm/api/views/openapi.py), and "strict" mode lists only the views declared with `spec.validate`.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort
from pydantic import BaseModel, ConfigDict, Field, create_model
from spectree import SecurityScheme, SecuritySchemeData, SpecTree

from crm.api.errors import json_error
from crm.contacts.catalogs import COLUMNS as CONTACT_COLUMNS
from crm.contacts.exporter import OPPOSITION_COLUMNS

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
BEARER = "bearerAuth"
logger = logging.getLogger(__name__)


def _before(req, resp, req_validation_error, instance, model_adapter) -> None:
    if req_validation_error is not None:
        problems = [f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg', '')}" for e in
                    getattr(req_validation_error, "errors", list)()]
        abort(json_error(400, "Parámetros no válidos: " + "; ".join(problems)))


def _after(req, resp, resp_validation_error, instance, model_adapter) -> None:
    """An answer that does not match its declared schema (a bug): SpecTree's default would send, and log, the
    pydantic errors with their `input`, i.e. the items themselves (names, e-mail addresses). Logged here with
    the locations and error types only, answered with the API's JSON 500."""
    if resp_validation_error is not None:
        errors = getattr(resp_validation_error, "errors", list)()
        places = sorted({f"{'.'.join(map(str, e.get('loc', ())))} ({e.get('type', '')})" for e in errors})
        logger.error("API answer does not match its schema at %s: %s", req.path, "; ".join(places[:20]))
        abort(json_error(500))


spec = SpecTree(
    "flask",
    mode="strict",
    title="Vínculo: API de lectura",
    version="1",
    description="Read-only JSON API of Vínculo (docs/api.md). Every path under /api/v1 needs "
                "`Authorization: Bearer TOKEN` (tokens: `flask tokens create EMAIL` or the account page).",
    security_schemes=[SecurityScheme(name=BEARER, data=SecuritySchemeData(
        type="http", scheme="bearer", description="An API token: `flask tokens create EMAIL` or the account page"))],
    security={BEARER: []},
    before=_before,
    after=_after,
    validation_error_status=400,
    annotations=False,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)


class Error(BaseModel):
    error: str = Field(description="A stable code: missing_token, invalid_token, forbidden, not_found, ...")
    message: str = Field(description="What happened, in Spanish")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    page: int = Field(1, ge=1, le=1_000_000, description="Page number, from 1")
    per_page: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page")


class PeopleQuery(PageQuery):
    red: str | None = Field(None, min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$",
                            description="Only the active members of this network (its code, e.g. rvc)")


class IndicatorsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    year: int | None = Field(None, ge=2000, le=2200, description="Program year (default: the current year)")


def _page_of(name: str, item: type) -> type[BaseModel]:
    return create_model(name, items=(list[item], ...),
                        next=(str | None, Field(..., description="Absolute URL of the next page, or null")),
                        total=(int, Field(..., description="Items in all pages")))


# the contacts file's columns (CONTRACTS.md), as the contacts export writes them; `red` as a list of codes; and,
# as in the staff download of the people list, whether the person opposed being contacted on each channel
Person = create_model("Person", id=(int, ...), **{
    column: ((list[str], ...) if column == "red" else (str, ...)) for column in CONTACT_COLUMNS}, **{
    column: (str, Field(..., description=f"\"sí\" when the person opposed being contacted by {channel}, else empty: "
                                         "do not contact them on that channel"))
    for channel, column in OPPOSITION_COLUMNS.items()})
PeoplePage = _page_of("PeoplePage", Person)


class Survey(BaseModel):
    id: int
    code: str = Field(description="The identifier /api/v1/surveys/{survey}/responses takes")
    title: str
    state: str = Field(description="draft, open or closed")
    component: str | None = Field(description="Results-matrix component it measures (AI3, AI5, AI6)")
    year: int | None
    responses: int


SurveysPage = _page_of("SurveysPage", Survey)
# one response: `submitted_at` and one key per question, exactly the columns of the responses export
ResponsesPage = _page_of("ResponsesPage", dict[str, Any])
# the registry files' rows (organizations, activities, requests, agreements): their export's columns
RowsPage = _page_of("RowsPage", dict[str, Any])


class IndicatorsReport(BaseModel):
    """The object `flask indicators report --format json --year Y` prints (CONTRACTS.md, "Indicators")."""
    model_config = ConfigDict(extra="allow")
    year: int
    timezone: str
    satisfaction_formula: str
    indicators: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    warnings: list[str]


ERRORS = {"HTTP_401": Error, "HTTP_403": Error, "HTTP_429": Error}
