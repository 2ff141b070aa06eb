"""The matrix's means of verification ("informes de las actividades realizadas"): activities and requests as
CSV or XLSX, filtered by period, action line and organization (crm.events.filters).

The first columns are those of the import (CONTRACTS.md, "Activities file" and "Requests file"), with the stored
values; report columns follow (place, description, attendance, means of verification; the request's state and
days to attend it). Rows are read in blocks of BLOCK ids with one query per block for organizations,
attendance and evidence, so a long year streams to the file in constant memory. One writer serves the
command line, the download inside a request and the background job (crm.exports) for large lists; every
export is audited with its filter and row count.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select

from crm.auth.models import User
from crm.contacts.models import Organization
from crm.core import audit
from crm.core.extensions import db
from crm.core.tabular import TableError
from crm.events.filters import EventFilter, filter_activities, filter_requests
from crm.events.models import (
    ACTIVITY_TYPES,
    MODALITIES,
    Activity,
    ActivityEvidence,
    Attendance,
    PartnerRequest,
)
from crm.events.models import activity_organization as link
from crm.exports.kinds import ExportKind, register_export
from crm.exports.writers import Progress, write_export
from crm.program.models import ActionLine

BLOCK = 1_000
ACTIVITY_COLUMNS = ("fecha", "accion", "titulo", "tipo", "modalidad", "organizaciones", "lugar", "descripcion",
                    "personas_asistentes", "medios_de_verificacion")
REQUEST_COLUMNS = ("recibida", "atendida", "solicitante", "asunto", "accion", "estado", "dias_para_atender",
                   "notas")
ACTIVITIES_KIND, REQUESTS_KIND = "actividades", "gestiones"
FORMATS = ("csv", "xlsx")


def _blocks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), BLOCK):
        yield ids[start:start + BLOCK]


def activity_ids(f: EventFilter) -> list[int]:
    query = filter_activities(select(Activity.id), f).order_by(Activity.date, Activity.id)
    return list(db.session.scalars(query))


def count_activities(f: EventFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(filter_activities(select(Activity.id), f)
                                                              .subquery())) or 0


def count_requests(f: EventFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(filter_requests(select(PartnerRequest.id), f)
                                                              .subquery())) or 0


def evidence_url(activity_id: int, evidence_id: int) -> str:
    """The platform's address of an evidence file (the download asks for a session and is audited)."""
    base = (current_app.config.get("CRM_BASE_URL") or "").rstrip("/")
    return f"{base}/actividades/{activity_id}/evidencias/{evidence_id}/archivo"




def activity_rows(ids: list[int]) -> Iterator[list]:
    for block in _blocks(ids):
        activities = db.session.execute(
            select(Activity.id, Activity.date, ActionLine.code, Activity.title, Activity.type, Activity.modality,
                   Activity.place, Activity.description)
            .join(ActionLine, ActionLine.id == Activity.action_line_id).where(Activity.id.in_(block))
            .order_by(Activity.date, Activity.id)).all()
        organizations: dict[int, list[str]] = {}
        for activity_id, name, acronym in db.session.execute(
                select(link.c.activity_id, Organization.name, Organization.acronym)
                .join(Organization, Organization.id == link.c.organization_id)
                .where(link.c.activity_id.in_(block)).order_by(link.c.activity_id, Organization.name)):
            organizations.setdefault(activity_id, []).append(f"{name} ({acronym})" if acronym else name)
        attendance = dict(db.session.execute(
            select(Attendance.activity_id, func.count(Attendance.id)).where(Attendance.activity_id.in_(block))
            .group_by(Attendance.activity_id)).all())
        evidence: dict[int, list[str]] = {}
        for evidence_id, activity_id, title, url in db.session.execute(
                select(ActivityEvidence.id, ActivityEvidence.activity_id, ActivityEvidence.title, ActivityEvidence.url)
                .where(ActivityEvidence.activity_id.in_(block))
                .order_by(ActivityEvidence.activity_id, ActivityEvidence.id)):
            evidence.setdefault(activity_id, []).append(f"{title}: {url or evidence_url(activity_id, evidence_id)}")
        for activity_id, day, code, title, kind, modality, place, description in activities:
            yield [day.isoformat(), code, title, ACTIVITY_TYPES.get(kind, "").lower(),
                   MODALITIES.get(modality, "").lower(), "; ".join(organizations.get(activity_id, [])), place or "",
                   description or "", attendance.get(activity_id, 0), " | ".join(evidence.get(activity_id, []))]


def request_rows(f: EventFilter) -> Iterator[list]:
    ids = list(db.session.scalars(filter_requests(select(PartnerRequest.id), f)
                                  .order_by(PartnerRequest.received_on, PartnerRequest.id)))
    for block in _blocks(ids):
        rows = db.session.execute(
            select(PartnerRequest.received_on, PartnerRequest.attended_on, Organization.name, Organization.acronym,
                   PartnerRequest.subject, ActionLine.code, PartnerRequest.notes)
            .join(Organization, Organization.id == PartnerRequest.requester_id)
            .join(ActionLine, ActionLine.id == PartnerRequest.action_line_id, isouter=True)
            .where(PartnerRequest.id.in_(block)).order_by(PartnerRequest.received_on, PartnerRequest.id))
        for received, attended, name, acronym, subject, code, notes in rows:
            yield [received.isoformat(), attended.isoformat() if attended else "",
                   f"{name} ({acronym})" if acronym else name, subject, code or "",
                   "atendida" if attended else "pendiente", (attended - received).days if attended else "",
                   notes or ""]


def write_activities(params: dict, fmt: str, path: Path, actor: User | None, progress: Progress | None = None) -> int:
    """The filtered activities (`params`: the list's query arguments) to `path`; audited and committed."""
    f = EventFilter.from_args(params)
    count = write_export(path, fmt, ACTIVITY_COLUMNS, activity_rows(activity_ids(f)), sheet_title="actividades",
                         progress=progress)
    audit.record(actor, "activities.export", None, {"rows": count, "format": fmt, "filters": f.as_args()})
    db.session.commit()
    return count


def write_requests(params: dict, fmt: str, path: Path, actor: User | None, progress: Progress | None = None) -> int:
    """The filtered requests to `path`; audited and committed."""
    f = EventFilter.from_args(params)
    count = write_export(path, fmt, REQUEST_COLUMNS, request_rows(f), sheet_title="gestiones", progress=progress)
    audit.record(actor, "requests.export", None, {"rows": count, "format": fmt, "filters": f.as_args()})
    db.session.commit()
    return count


WRITERS = {ACTIVITIES_KIND: write_activities, REQUESTS_KIND: write_requests}


def export_file(kind: str, f: EventFilter, path: str | Path, *, actor=None) -> int:
    """The command line's export: CSV or XLSX by the file's extension; returns the rows written."""
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise TableError(f"formato de salida no reconocido «{path.suffix or path.name}»: use .csv o .xlsx")
    return WRITERS[kind](f.as_args(), fmt, path, actor)


def export_bytes(kind: str, f: EventFilter, fmt: str, *, actor) -> bytes:
    """A small export as bytes, for a download inside the request; audited."""
    with tempfile.TemporaryDirectory(prefix="vinculo-export-") as folder:
        path = Path(folder) / f"{kind}.{fmt}"
        WRITERS[kind](f.as_args(), fmt, path, actor)
        return path.read_bytes()


def register() -> None:
    """The background exports of the activities and requests lists (crm.exports), called by the composition root."""
    register_export(ACTIVITIES_KIND, ExportKind("Actividades realizadas (lista filtrada)", write_activities))
    register_export(REQUESTS_KIND, ExportKind("Gestiones (lista filtrada)", write_requests))
