"""The analysis pages of a survey (on the `surveys` blueprint): per-question charts with their data tables, the
cross-tabulation chosen in a GET form, the charts as SVG and the XLSX download. Whoever may read the
responses (view_responses) may open them."""

from __future__ import annotations

from flask import Response, abort, render_template, request
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.core.extensions import db
from crm.core.web import SVG_CSP
from surveys.analysis import charts, downloads
from surveys.analysis.crosstab import COMPLEMENTARY, MIN_CELL, SMALL, CrossTab, crosstab
from surveys.analysis.forms import CROSSED, CrossTabForm
from surveys.analysis.questions import chart_of, charts_for
from surveys.blueprints import surveys_bp
from surveys.models import Survey


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def _lang(survey: Survey) -> str:
    asked = request.args.get("idioma")
    return asked if asked in (survey.languages or []) else survey.default_language


def _chosen(survey: Survey, lang: str) -> tuple[CrossTabForm, CrossTab | None]:
    """The form read from the query string, and its cross-tabulation when a valid question and group are chosen."""
    form = CrossTabForm(formdata=request.args if request.args.get("pregunta") else None)
    form.fill_choices(survey, lang)
    if not request.args.get("pregunta") or not form.validate():
        return form, None
    chosen = form.chosen(lang, survey.default_language)
    if chosen is None:
        return form, None
    question, dimension = chosen
    return form, crosstab(question, dimension, lang, survey.default_language)


def _query(table: CrossTab | None) -> dict:
    """The query string that chose the table (for its download links)."""
    if table is None:
        return {}
    return {"pregunta": table.question.id, "grupo": table.dimension.key,
            **({"edad": table.dimension.source.id} if table.dimension.kind == "age" else {})}


@surveys_bp.get("/<int:survey_id>/analisis")
@permission_required("view_responses")
def analysis(survey_id: int):
    survey = _survey(survey_id)
    lang = _lang(survey)
    total, question_charts = charts_for(survey, lang)
    return render_template("surveys/analysis/index.html", survey=survey, lang=lang, total=total,
                           charts=question_charts, crossable=any(q.type in CROSSED for q in survey.questions))


@surveys_bp.get("/<int:survey_id>/analisis/grafica/<int:question_id>.svg")
@permission_required("view_responses")
def analysis_chart(survey_id: int, question_id: int):
    survey = _survey(survey_id)
    chart = chart_of(survey, question_id, _lang(survey))
    if chart is None:
        abort(404)
    return Response(charts.render(chart, "svg"), mimetype="image/svg+xml",
                    headers={"Content-Security-Policy": SVG_CSP, "Cache-Control": "private, no-store"})


@surveys_bp.get("/<int:survey_id>/analisis/cruce")
@permission_required("view_responses")
def analysis_crosstab(survey_id: int):
    survey = _survey(survey_id)
    lang = _lang(survey)
    form, table = _chosen(survey, lang)
    return render_template("surveys/analysis/crosstab.html", survey=survey, lang=lang, form=form, table=table,
                           query=_query(table), minimum=MIN_CELL, small=SMALL, complementary=COMPLEMENTARY)


MIMETYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "pdf": "application/pdf"}


@surveys_bp.get("/<int:survey_id>/analisis.<any(xlsx, pdf):fmt>")
@permission_required("view_responses")
def analysis_download(survey_id: int, fmt: str):
    """The analysis as XLSX or PDF, with the cross-tabulation chosen in the query string (audited then)."""
    survey = _survey(survey_id)
    lang = _lang(survey)
    _form, table = _chosen(survey, lang)
    build = downloads.xlsx_download if fmt == "xlsx" else downloads.pdf_download
    body = build(survey, lang, table, actor=current_user)
    name = f"{survey.code}-analisis" + (f"-{table.dimension.key}" if table else "") + f".{fmt}"
    return Response(body, mimetype=MIMETYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})
