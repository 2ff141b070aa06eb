"""The indicators dashboard, its charts and drill-down, and the quarterly report downloads."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import func, select

from crm.auth.permissions import permission_required
from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.timeutil import local_today, quarter_bounds
from crm.core.web import SVG_CSP
from crm.events.agreements.models import Agreement
from crm.events.models import Activity, PartnerRequest
from crm.indicators import reports, scorecard
from crm.indicators.breakdowns import (
    breakdown_levels,
    compute_breakdowns,
    select_rows,
    survey_response_counts,
    year_components,
)
from crm.indicators.compute import QUARTERS, compute_report, period_labels
from crm.indicators.levels import level_kinds
from crm.indicators.lines import line_view
from crm.indicators.realized import level_lines, line_counts
from crm.program.models import LEVELS, ActionLine, Component, ProgramYear
from crm.program.services import program_for_year

bp = Blueprint("indicators", __name__, url_prefix="/indicadores")

MIN_YEAR, MAX_YEAR = 2000, 2200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def default_year() -> int:
    """The year a page opens on: the latest year up to the current one with a program or activities (a new
    year's empty matrix is not what a coordinator comes to see); else a program loaded ahead, else the current
    year."""
    current = local_today().year
    programs = set(db.session.scalars(select(ProgramYear.year)))
    last = db.session.scalar(select(func.max(Activity.date)).where(Activity.date < date(current + 1, 1, 1)))
    past = {year for year in programs if year <= current} | ({last.year} if last else set())
    return max(past or programs or {current})


def _year() -> int:
    raw = request.args.get("anio", "").strip()
    if not raw:
        return default_year()
    if not (raw.isascii() and raw.isdigit()) or not MIN_YEAR <= int(raw) <= MAX_YEAR:
        abort(404)
    return int(raw)


def _years(current: int) -> list[int]:
    stored = set(db.session.scalars(select(ProgramYear.year)))
    return sorted(stored | {local_today().year, current}, reverse=True)


def _period(year: int) -> str:
    period = request.args.get("periodo", "") or str(year)
    if period not in period_labels(year):
        abort(404)
    return period


def _local_range(year: int, period: str):
    """[start, end) local dates of a period label."""
    if period == str(year):
        return quarter_bounds(year, 1)[0], quarter_bounds(year, 4)[1]
    return quarter_bounds(year, int(period[-1]))


SECTIONS = (("resumen", "Resumen"), ("trimestres", "Por trimestre"), ("desgloses", "Desgloses"),
            ("impacto", "Impacto"), ("definiciones", "Definiciones"))


def report_period(year: int) -> str:
    """The period the report form offers first: the latest quarter already ended (a past year: its T4)."""
    today = local_today()
    if year < today.year:
        return f"{year}-Q4"
    ended = (today.month - 1) // 3 if year == today.year else 0
    return f"{year}-Q{max(ended, 1)}"


@bp.get("/")
@permission_required("view_indicators")
def dashboard():
    """The dashboard in sections (`seccion`), each a plain page: summary, quarters, breakdowns, impact,
    definitions."""
    year = _year()
    section = request.args.get("seccion", "resumen")
    if section not in dict(SECTIONS):
        section = "resumen"
    data = reports.quarterly_data(year)
    levels = breakdown_levels(year)
    level = request.args.get("nivel", "PROPOSITO")
    if level not in levels:
        level = "PROPOSITO"
    period = request.args.get("periodo", "") or str(year)
    if period not in period_labels(year):
        period = str(year)
    breakdowns = [{**b, "selected": select_rows(b, level, period)} for b in data["breakdowns"]]
    for pair in data["impact"]:
        if pair["activity"]:  # the activity's date as a date, for the short local format
            pair["activity"] = {**pair["activity"], "day": date.fromisoformat(pair["activity"]["date"])}
    return render_template("indicators/dashboard.html", data=data, year=year, years=_years(year),
                           section=section, sections=SECTIONS, report_period=report_period(year),
                           breakdowns=breakdowns, level=level, period=period, periods=period_labels(year),
                           breakdown_levels=levels, thresholds=data["thresholds"],
                           definitions=reports.BASE_DEFINITIONS, technical=reports.TECHNICAL_DEFINITIONS,
                           label=scorecard.level_label, chart_alt=scorecard.trend_text,
                           warnings=[scorecard.warning_es(w) for w in data["warnings"]],
                           satisfaction_formula=scorecard.SATISFACTION_FORMULA_ES)


_CHART_REPORTS: dict[tuple, dict] = {}


def _report_for_charts(year: int) -> dict:
    """The year's report, computed once for the eight charts of a dashboard view.

    Keyed by a cheap fingerprint of the data behind it, so a new response, activity or attended
    request gives fresh figures at once; only the last few fingerprints are kept.
    """
    from surveys.models import Response as SurveyResponse

    excluded = SurveyResponse.excluded.is_(True)  # an exclusion or re-inclusion changes the figures too
    parts = [select(func.count(SurveyResponse.id)), select(func.max(SurveyResponse.id)),
             select(func.count(SurveyResponse.id)).where(excluded), select(func.sum(SurveyResponse.id)).where(excluded),
             select(func.count(Activity.id)), select(func.max(Activity.id)), select(func.count(PartnerRequest.id)),
             select(func.count(PartnerRequest.attended_on)), select(func.sum(ActionLine.target)),
             # agreement milestones count as activities; a program load or edit (schedule, thresholds) is audited
             select(func.count(Agreement.id)), select(func.max(Agreement.updated_at)),
             select(func.max(AuditEntry.id)).where(AuditEntry.action.like("program.%"))]
    fingerprint = (year, db.engine.url.render_as_string(),
                   *db.session.execute(select(*(p.scalar_subquery() for p in parts))).one())
    if fingerprint not in _CHART_REPORTS:
        if len(_CHART_REPORTS) > 8:
            _CHART_REPORTS.clear()
        _CHART_REPORTS[fingerprint] = compute_report(year)
    return _CHART_REPORTS[fingerprint]


@bp.get("/lineas")
@permission_required("view_indicators")
def lines():
    """Every action line of the year: realized and programmed per quarter and year, with traffic lights."""
    year = _year()
    program = program_for_year(year)
    report = compute_report(year)
    components = line_view(report, program, local_today())
    return render_template("indicators/lines.html", year=year, years=_years(year), components=components,
                           program=program, thresholds=scorecard.thresholds_text(program),
                           warnings=[scorecard.warning_es(w) for w in report["warnings"]])


@bp.get("/grafica/<level>.svg")
@permission_required("view_indicators")
def chart(level: str):
    if level not in LEVELS:
        abort(404)
    from crm.indicators import charts

    year = _year()
    report = _report_for_charts(year)
    summary = next(s for s in scorecard.summaries(report, program_for_year(year), local_today())
                   if s["level"] == level)
    response = Response(charts.render(summary, "svg"), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response


@bp.get("/nivel/<level>")
@permission_required("view_indicators")
def detail(level: str):
    if level not in LEVELS:
        abort(404)
    year = _year()
    kind = level_kinds(program_for_year(year))[level]
    if not current_user.can("view_responses" if kind == "satisfaction" else "view_events"):
        abort(403)
    period = _period(year)
    report = compute_report(year)
    summary = next(s for s in scorecard.summaries(report, program_for_year(year), local_today())
                   if s["level"] == level)
    context = {"level": level, "label": scorecard.level_label(level), "year": year, "period": period,
               "periods": period_labels(year), "kind": kind, "summary": summary,
               "at": scorecard.at_period([summary], period, year)[0], "summary_alt": scorecard.trend_text(summary),
               "period_name": reports.period_name(period, year),
               "warnings": scorecard.warnings_for(level, report["warnings"])}
    if kind == "satisfaction":
        context.update(_satisfaction_detail(level, year))
    elif level == "AI1":
        context.update(_requests_detail(year, period))
    else:
        context.update(_activities_detail(level, year, period))
    return render_template("indicators/detail.html", **context)


def _satisfaction_detail(level: str, year: int) -> dict:
    levels = year_components(year) if level == "PROPOSITO" else (level,)
    counts = survey_response_counts(year, levels)
    by_survey = compute_breakdowns(year, dimensions=["encuesta"])[0]
    values = {r["group"]: r for r in select_rows(by_survey, level, str(year))}
    for survey in counts:
        survey["year_row"] = values.get(str(survey["id"]))
    return {"surveys": counts, "quarters": QUARTERS}


def _activities_detail(level: str, year: int, period: str) -> dict:
    program = program_for_year(year)
    if program is None:
        return {"lines": [], "page": None, "program": None}
    start, end = _local_range(year, period)
    line_filter = [ActionLine.program_year_id == program.id]
    if level != "FIN":
        line_filter.append(Component.code == level)
    counts = line_counts(program, year)  # activities and agreement milestones, per line and quarter
    quarters = QUARTERS if period == str(year) else (int(period[-1]),)
    lines = []
    for line in level_lines(program, level):
        months = line.monthly()
        programmed = line.target if period == str(year) else sum(months[3 * (int(period[-1]) - 1):3 * int(period[-1])])
        lines.append({"code": line.code, "description": line.description, "programmed": programmed,
                      "realized": sum(counts.get((line.code, q), 0) for q in quarters)})
    query = (select(Activity).join(ActionLine, ActionLine.id == Activity.action_line_id)
             .join(Component, Component.id == ActionLine.component_id)
             .where(*line_filter, Activity.date >= start, Activity.date < end)
             .order_by(Activity.date, Activity.id))
    return {"lines": lines, "page": paginate(query, per_page=50), "program": program}


def _requests_detail(year: int, period: str) -> dict:
    start, end = _local_range(year, period)
    query = (select(PartnerRequest).where(PartnerRequest.received_on >= start, PartnerRequest.received_on < end)
             .order_by(PartnerRequest.received_on, PartnerRequest.id))
    return {"page": paginate(query, per_page=50)}


def _download(fmt: str):
    """The year's workbook, or the PDF report of the period chosen (`periodo`: a quarter, or the year)."""
    year = _year()
    period = _period(year) if fmt == "pdf" else str(year)
    body, generated_at = reports.quarterly_download(year, fmt, actor=current_user, period=period)
    stamp = generated_at.strftime("%Y%m%d")
    name = f"{year}-T{period[-1]}" if period != str(year) else str(year)
    response = Response(body, mimetype=XLSX if fmt == "xlsx" else "application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="indicadores-{name}-{stamp}.{fmt}"'
    return response


@bp.get("/informe.xlsx")
@permission_required("export_reports")
def download_xlsx():
    return _download("xlsx")


@bp.get("/informe.pdf")
@permission_required("export_reports")
def download_pdf():
    return _download("pdf")


def _program_year_arg(name: str, years: list[int]) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):
        abort(404)
    return int(raw) if int(raw) in years else None  # a year without a program (the dashboard's): the default


def _comparison_pair(years: list[int]) -> tuple[int, int] | None:
    """(previous, current) from `anterior` and `actual` (program years), else the default pair."""
    from crm.indicators import comparison

    previous, current = _program_year_arg("anterior", years), _program_year_arg("actual", years)
    if current is not None and previous is None:
        previous = comparison.previous_program_year(current) or next((y for y in years if y != current), None)
    if previous is None or current is None:
        return comparison.default_pair(years, local_today())
    return previous, current


@bp.get("/comparacion")
@permission_required("view_indicators")
def comparison_page():
    """Two program years side by side (`anterior`, `actual`); a message while only one program is loaded."""
    from crm.indicators import comparison

    years = comparison.program_years()
    pair = _comparison_pair(years) if len(years) >= 2 else None
    result = comparison.compare(*pair, local_today()) if pair and pair[0] != pair[1] else None
    year = pair[1] if pair else default_year()
    return render_template("indicators/comparison.html", years=years, pair=pair, result=result, year=year,
                           sections=SECTIONS, alt=comparison.chart_alt(result) if result else "",
                           value_text=comparison.value_text)


@bp.get("/comparacion/grafica-<int:previous>-<int:current>.svg")
@permission_required("view_indicators")
def comparison_chart(previous: int, current: int):
    """The comparison's chart of two program years (the page shows it beside its table)."""
    from crm.indicators import comparison

    years = comparison.program_years()
    if previous == current or previous not in years or current not in years:
        abort(404)
    svg = comparison.render_chart(comparison.compare(previous, current, local_today()))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    return response
