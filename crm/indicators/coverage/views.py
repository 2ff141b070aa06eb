"""«Cobertura»: network members against the program's reference figures, its charts and its CSV download.

Counts only (no person is shown or exported), so nothing here is audited."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.contacts.catalogs import NETWORKS
from crm.core.extensions import db
from crm.core.tabular import csv_bytes
from crm.core.timeutil import local_today
from crm.core.web import SVG_CSP
from crm.indicators.coverage import chart, compute
from crm.program.models import ProgramYear
from crm.program.reference import services as reference

bp = Blueprint("coverage", __name__, url_prefix="/indicadores/cobertura")

MIN_YEAR, MAX_YEAR = 2000, 2200
CHARTS = {"paises": 0, "alcaldias": 1}


def _year() -> int:
    """The year asked for; by default the latest one with reference figures, else the current one."""
    raw = request.args.get("anio", "").strip()
    if not raw:
        years = reference.years()
        return years[0] if years else local_today().year
    if not (raw.isascii() and raw.isdigit()) or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        abort(404)
    return int(raw)


def _years(current: int) -> list[int]:
    programs = set(db.session.scalars(select(ProgramYear.year)))
    return sorted(programs | set(reference.years()) | {local_today().year, current}, reverse=True)


@bp.get("/")
@permission_required("view_coverage")
def show():
    year = _year()
    tables = compute.coverage(year)
    return render_template("indicators/coverage.html", year=year, years=_years(year), tables=tables,
                           charts=list(CHARTS), alt_text=chart.alt_text, networks=NETWORKS,
                           has_reference=any(t.with_reference for t in tables))


@bp.get("/grafica/<any(paises, alcaldias):which>.svg")
@permission_required("view_coverage")
def chart_svg(which: str):
    table = compute.coverage(_year())[CHARTS[which]]
    response = Response(chart.render(table), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@bp.get("/cobertura.csv")
@permission_required("view_coverage")
def download():
    year = _year()
    body = csv_bytes(compute.CSV_HEADER, compute.csv_rows(compute.coverage(year)))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="cobertura-{year}.csv"'
    return response
