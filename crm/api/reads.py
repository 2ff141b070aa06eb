"""What the API reads: plain functions over the domains' own report and export code, so that an API item has
exactly the columns of the corresponding file. They take the caller's account (for the audit log) and what
the request asked, never the request itself; each read of personal data is one audit entry (one per request,
not per item), committed here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice

from sqlalchemy import func, select

from crm.api.errors import ApiError
from crm.contacts import exporter as contacts_export
from crm.contacts.models import Membership, Network, Person
from crm.core import audit
from crm.core.extensions import db
from crm.indicators.compute import compute_report


@dataclass(frozen=True)
class Page:
    items: list
    total: int


@dataclass(frozen=True)
class Reader:
    """Who reads (the token's account) and through what (the path, the token's visible prefix), for the audit."""
    actor: object
    path: str
    token: str

    def record(self, target, items: int, filters: dict | None = None) -> None:
        details = {"path": self.path, "items": items, "token": self.token}
        if filters:
            details["filters"] = filters
        audit.record(self.actor, "api.read", target, details)
        db.session.commit()


def json_value(value):
    """An export cell as JSON: text stays text (Verbatim too), numbers stay numbers, dates become ISO 8601."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _offset(page: int, per_page: int) -> int:
    return (page - 1) * per_page


# --------------------------------------------------------------------------- indicators

def indicators_report(year: int) -> dict:
    """The results matrix of `year`: the object `indicators report --format json` prints (no personal data)."""
    return compute_report(year)


# --------------------------------------------------------------------------- people

def _network(code: str) -> Network:
    network = db.session.scalar(select(Network).where(Network.code == code))
    if network is None:
        raise ApiError(404, f"No existe la red «{code}».")
    return network


def person_item(person_id: int, row: list) -> dict:
    """A person as the staff download of the people list writes them: the contacts file's columns and, as there,
    one opposition column per channel ("sí" when the person opposed being contacted on it), so that a system
    reading the API sees the oppositions the staff see (crm.contacts.exporter)."""
    item = {"id": person_id}
    for column, value in zip(contacts_export.STAFF_COLUMNS, row, strict=True):
        item[column] = [code for code in value.split(";") if code] if column == "red" else str(value)
    return item


def people_page(red: str | None, page: int, per_page: int, *, reader: Reader) -> Page:
    """Active people (of network `red`, active members), ordered by id, with the staff download's columns:
    blocked and anonymised records never appear (as on the web and in every export)."""
    ids = select(Person.id).where(Person.status == "active")
    if red:
        members = select(Membership.person_id).where(Membership.network_id == _network(red).id,
                                                     Membership.status == "active")
        ids = ids.where(Person.id.in_(members))
    total = db.session.scalar(select(func.count()).select_from(ids.subquery())) or 0
    page_ids = list(db.session.scalars(ids.order_by(Person.id).offset(_offset(page, per_page)).limit(per_page)))
    items = []
    if page_ids:  # the export's rows, in id order, for exactly these people
        rows = contacts_export.export_rows(select(Person.id).where(Person.id.in_(page_ids)), opposition=True)
        items = [person_item(pid, row) for pid, row in zip(page_ids, rows, strict=True)]
    reader.record(None, len(items), {"red": red} if red else None)
    return Page(items, total)


# --------------------------------------------------------------------------- surveys

def surveys_page(page: int, per_page: int) -> Page:
    """The surveys (no personal data: titles, states, counts), newest first."""
    from surveys.models import Response, Survey

    total = db.session.scalar(select(func.count(Survey.id))) or 0
    counts = (select(Response.survey_id, func.count(Response.id).label("n")).group_by(Response.survey_id)
              .subquery())
    rows = db.session.execute(
        select(Survey.id, Survey.code, Survey.title, Survey.state, Survey.component_code, Survey.year, counts.c.n)
        .join(counts, counts.c.survey_id == Survey.id, isouter=True)
        .order_by(Survey.id.desc()).offset(_offset(page, per_page)).limit(per_page))
    items = [{"id": sid, "code": code, "title": title, "state": state, "component": component, "year": year,
              "responses": n or 0} for sid, code, title, state, component, year, n in rows]
    return Page(items, total)


def responses_page(identifier: str, page: int, per_page: int, *, reader: Reader) -> Page:
    """One item per response (oldest first), keyed by the responses export's columns."""
    from surveys.responses.export import count_responses, export_rows
    from surveys.services import SurveyError, find_survey

    try:
        survey = find_survey(identifier)
    except SurveyError:
        raise ApiError(404, f"No existe la encuesta «{identifier[:80]}».") from None
    header, rows = export_rows(survey)
    items = _rows_page(header, rows, page, per_page)
    total = count_responses(survey)
    reader.record(("Survey", survey.id), len(items))
    return Page(items, total)


# --------------------------------------------------------------------------- registries

def _rows_page(header: Iterable[str], rows: Iterator, page: int, per_page: int) -> list[dict]:
    header = list(header)
    start = _offset(page, per_page)
    return [{column: json_value(value) for column, value in zip(header, row, strict=True)}
            for row in islice(rows, start, start + per_page)]


def organizations_page(page: int, per_page: int, *, reader: Reader) -> Page:
    from crm.contacts.organizations.rows import COLUMNS
    from crm.contacts.organizations.summary import export_rows

    rows = list(export_rows())
    items = _rows_page(COLUMNS, iter(rows), page, per_page)
    reader.record(None, len(items), {"kind": "organizaciones"})
    return Page(items, len(rows))


def activities_page(page: int, per_page: int, *, reader: Reader) -> Page:
    from crm.events.filters import EventFilter
    from crm.events.reports import ACTIVITY_COLUMNS, activity_ids, activity_rows

    ids = activity_ids(EventFilter())
    start = _offset(page, per_page)
    items = _rows_page(ACTIVITY_COLUMNS, activity_rows(ids[start:start + per_page]), 1, per_page)
    reader.record(None, len(items), {"kind": "actividades"})
    return Page(items, len(ids))


def requests_page(page: int, per_page: int, *, reader: Reader) -> Page:
    from crm.events.filters import EventFilter
    from crm.events.reports import REQUEST_COLUMNS, count_requests, request_rows

    f = EventFilter()
    items = _rows_page(REQUEST_COLUMNS, request_rows(f), page, per_page)
    reader.record(None, len(items), {"kind": "gestiones"})
    return Page(items, count_requests(f))


def agreements_page(page: int, per_page: int, *, reader: Reader) -> Page:
    from crm.events.agreements.pipeline import export_rows
    from crm.events.agreements.rows import COLUMNS

    rows = export_rows()
    items = _rows_page(COLUMNS, iter(rows), page, per_page)
    reader.record(None, len(items), {"kind": "convenios"})
    return Page(items, len(rows))
