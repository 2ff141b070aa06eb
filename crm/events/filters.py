"""What the activities and requests lists, their exports and `activities|requests export` filter by: a period
(a year or one of its quarters; local dates, so periods follow CRM_TIMEZONE as every period of the platform),
an action line or a whole component, an organization, words of the title (or the request's subject), and the
activity type or the request's state.

The lists, their CSV/XLSX downloads and the background export jobs share one `EventFilter`, so a download
holds exactly the rows the page shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Select, and_, false, or_, select

from crm.contacts.organizations.names import OrganizationIndex
from crm.core.text import clean, fold
from crm.core.timeutil import local_today, quarter_bounds
from crm.events.models import ACTIVITY_TYPES, Activity, PartnerRequest, activity_organization
from crm.events.services import EventsError
from crm.program.models import ActionLine

STATUSES = {"pendientes": "Pendientes", "atendidas": "Atendidas"}
_PERIOD = re.compile(r"^\s*(\d{4})(?:\s*-\s*[TQtq]([1-4]))?\s*$")
_LINE = re.compile(r"^AI[1-9](\.\d{1,2})?$")


def parse_period(text: str) -> tuple[int, int | None]:
    """`2025` -> (2025, None); `2025-T2` (or `2025-Q2`) -> (2025, 2). EventsError otherwise."""
    match = _PERIOD.match(text or "")
    if match is None or not 1900 <= int(match.group(1)) <= 2200:
        raise EventsError(f"«{text}» no es un periodo: escriba un año (2025) o un trimestre (2025-T1 a 2025-T4).")
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def period_label(year: int | None, quarter: int | None) -> str:
    if year is None:
        return "todos los años"
    return f"{year}-T{quarter}" if quarter else str(year)


def _int(value, low: int, high: int) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if low <= number <= high else None


@dataclass(frozen=True)
class EventFilter:
    year: int | None = None
    quarter: int | None = None  # 1..4, within `year`
    line: str = ""  # an action line ("AI2.1") or a component ("AI2")
    organization: str = ""  # a name or acronym, as written
    type: str = ""  # activities: a key of ACTIVITY_TYPES
    status: str = ""  # requests: a key of STATUSES
    text: str = ""  # words the title (activities) or the subject (requests) contains
    earlier_pending: bool = False  # requests: also those still pending from before the period

    @classmethod
    def from_args(cls, args: Mapping, *, default_year: int | None = None) -> EventFilter:
        """From a page's query arguments (`anio`, `trimestre`, `linea`, `organizacion`, `tipo`, `estado`, `q`;
        the older `componente` too); values that make no sense are dropped, never an error. `anio=todos` is every
        year, even where the page has a default year."""
        every_year = str(args.get("anio") or "").strip() == "todos"
        year = None if every_year else _int(args.get("anio"), 1900, 2200) or default_year
        line = clean(args.get("linea") or args.get("componente") or "").upper().replace(" ", "")
        kind = args.get("tipo") or ""
        status = args.get("estado") or ""
        return cls(year=year, quarter=_int(args.get("trimestre"), 1, 4) if year else None,
                   line=line if _LINE.match(line) else "", organization=clean(args.get("organizacion") or "")[:300],
                   type=kind if kind in ACTIVITY_TYPES else "", status=status if status in STATUSES else "",
                   text=" ".join(clean(args.get("q") or "").split())[:200].strip(),
                   earlier_pending=bool(year) and str(args.get("con_pendientes") or "") == "1")

    def as_args(self) -> dict[str, str]:
        """The query arguments that give this filter back (empty values left out)."""
        values = {"anio": self.year, "trimestre": self.quarter, "linea": self.line, "organizacion": self.organization,
                  "tipo": self.type, "estado": self.status, "q": self.text,
                  "con_pendientes": "1" if self.earlier_pending else ""}
        return {key: str(value) for key, value in values.items() if value}

    def with_period(self, year: int | None, quarter: int | None) -> EventFilter:
        return replace(self, year=year, quarter=quarter if year else None)

    def bounds(self) -> tuple[date, date] | None:
        """First local day of the period and first day after it, or None for every year."""
        if self.year is None:
            return None
        if self.quarter:
            return quarter_bounds(self.year, self.quarter)
        return date(self.year, 1, 1), date(self.year + 1, 1, 1)

    def describe(self) -> str:
        """The filter in words, for pages and audit entries."""
        parts = [period_label(self.year, self.quarter)]
        if self.line:
            parts.append(f"línea {self.line}" if "." in self.line else f"componente {self.line}")
        if self.organization:
            parts.append(f"organización «{self.organization}»")
        if self.type:
            parts.append(ACTIVITY_TYPES[self.type].lower())
        if self.status:
            parts.append(STATUSES[self.status].lower())
        if self.earlier_pending and self.year is not None:
            parts.append("y las pendientes de años anteriores")
        if self.text:
            parts.append(f"con «{self.text}»")
        return ", ".join(parts)


def organization_id(text: str) -> int | None:
    """The recorded organization a filter names (by name or acronym, ignoring case and accents); EventsError
    when none or several match."""
    ref, problem = OrganizationIndex.load().find(text)
    if problem:
        raise EventsError(f"Organización «{text}»: {problem}.")
    if ref is None:
        raise EventsError(f"No hay una organización registrada con el nombre o la sigla «{text}».")
    return ref.id


def _line_condition(f: EventFilter):
    if "." in f.line:
        return ActionLine.code == f.line
    return ActionLine.code.startswith(f.line + ".")


def filter_activities(query: Select, f: EventFilter) -> Select:
    """`query` (over Activity) narrowed to the filter. An organization that names no record gives no rows."""
    period = f.bounds()
    if period:
        query = query.where(Activity.date >= period[0], Activity.date < period[1])
    if f.line:
        query = query.where(Activity.action_line_id.in_(select(ActionLine.id).where(_line_condition(f))))
    if f.type:
        query = query.where(Activity.type == f.type)
    for word in fold(f.text).split():
        query = query.where(Activity.title_key.contains(word, autoescape=True))
    if f.organization:
        try:
            org_id = organization_id(f.organization)
        except EventsError:
            return query.where(false())
        query = query.where(Activity.id.in_(select(activity_organization.c.activity_id)
                                            .where(activity_organization.c.organization_id == org_id)))
    return query


def filter_requests(query: Select, f: EventFilter) -> Select:
    """`query` (over PartnerRequest) narrowed to the filter: the period is the date received."""
    period = f.bounds()
    if period and f.earlier_pending:
        query = query.where(or_(and_(PartnerRequest.received_on >= period[0], PartnerRequest.received_on < period[1]),
                                and_(PartnerRequest.received_on < period[0], PartnerRequest.attended_on.is_(None))))
    elif period:
        query = query.where(PartnerRequest.received_on >= period[0], PartnerRequest.received_on < period[1])
    if f.line:
        query = query.where(PartnerRequest.action_line_id.in_(select(ActionLine.id).where(_line_condition(f))))
    if f.status == "pendientes":
        query = query.where(PartnerRequest.attended_on.is_(None))
    elif f.status == "atendidas":
        query = query.where(PartnerRequest.attended_on.is_not(None))
    for word in fold(f.text).split():
        query = query.where(PartnerRequest.subject_key.contains(word, autoescape=True))
    if f.organization:
        try:
            org_id = organization_id(f.organization)
        except EventsError:
            return query.where(false())
        query = query.where(PartnerRequest.requester_id == org_id)
    return query


def organization_problem(f: EventFilter) -> str | None:
    """Why the filter's organization matches nothing (shown on the page), or None."""
    if not f.organization:
        return None
    try:
        organization_id(f.organization)
    except EventsError as exc:
        return str(exc)
    return None


def current_year() -> int:
    return local_today().year
