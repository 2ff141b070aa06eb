"""The events blueprint and what its view modules share: the action-line choices, the year a list opens on,
and the filtered download (inside the request, or as a background job when long)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.events import reports
from crm.events.filters import EventFilter
from crm.events.models import Activity, PartnerRequest
from crm.exports import service as export_service
from crm.program.models import ActionLine, ProgramYear

bp = Blueprint("events", __name__)

MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def line_choices(only: str = "") -> list[tuple[str, str]]:
    rows = db.session.execute(select(ActionLine.code, ActionLine.description, ProgramYear.year)
                              .join(ProgramYear, ProgramYear.id == ActionLine.program_year_id)
                              .order_by(ProgramYear.year.desc(), ActionLine.program_year_id, ActionLine.id)).all()
    seen, choices = set(), []
    for code, description, _year in rows:
        if code in seen or (only and not code.startswith(only)):
            continue
        seen.add(code)
        choices.append((code, f"{code} · {description[:80]}"))
    return choices


def default_year() -> int:
    """The latest year, up to the current one, with a program, an activity or a request: a page never opens on
    an empty new year while last year holds everything."""
    today = local_today()
    program = db.session.scalar(select(func.max(ProgramYear.year)).where(ProgramYear.year <= today.year))
    last = db.session.scalar(select(func.max(Activity.date)).where(Activity.date <= today))
    received = db.session.scalar(select(func.max(PartnerRequest.received_on)).where(PartnerRequest.received_on <= today))
    years = [year for year in (program, *(day.year for day in (last, received) if isinstance(day, date))) if year]
    return max(years) if years else today.year


def list_years(current: int | None) -> list[int]:
    """The years a list offers: every program year, the years with activities or requests, this one and
    `current`, newest first."""
    years = {y for (y,) in db.session.execute(select(ProgramYear.year))} | {local_today().year}
    if current:
        years.add(current)
    for column in (Activity.date, PartnerRequest.received_on):
        first, last = db.session.execute(select(func.min(column), func.max(column))).one()
        if isinstance(first, date) and isinstance(last, date):
            years.update(range(first.year, last.year + 1))
    return sorted(years, reverse=True)


def sort_key(requested: str | None, sorts, default: str) -> str:
    """The list order a page's `?orden=` asks for ("titulo", "-fecha"), or `default` when it names no column."""
    text = (requested or "").strip()
    return text if text.lstrip("-") in sorts and text.count("-") <= 1 and not text.endswith("-") else default


def download(kind: str, f: EventFilter, fmt: str, total: int, back: str):
    """The filtered list as a file: inside the request when short, else a background job and its page."""
    name = f"{kind}-{f.as_args().get('anio', 'todo')}{'-T' + str(f.quarter) if f.quarter else ''}.{fmt}"
    if total > export_service.inline_limit():
        job = export_service.start(kind, f.as_args(), fmt, owner_id=current_user.id, total=total, filename=name,
                                   back=back, address=request.remote_addr)
        return redirect(url_for("exports.status", token=job.token))
    body = reports.export_bytes(kind, f, fmt, actor=current_user)
    return Response(body, mimetype=MIMETYPES[fmt], headers={"Content-Disposition": f'attachment; filename="{name}"'})
