"""The analysis downloads (XLSX, PDF), one service each for the web: a download with a cross-tabulation holds
counts of people's groups (sex, country, network...), so it is audited as an export of the survey's answers."""

from __future__ import annotations

from crm.core import audit
from crm.core.extensions import db
from surveys.analysis.crosstab import CrossTab
from surveys.analysis.questions import charts_for
from surveys.analysis.workbook import analysis_xlsx
from surveys.models import Survey


def _audit(survey: Survey, table: CrossTab | None, fmt: str, actor) -> None:
    if table is None:
        return
    audit.record(actor, "surveys.export", survey, {
        "format": fmt, "code": survey.code, "kind": "analisis", "question": table.question.name,
        "filters": table.dimension.key, "responses": table.answered})
    db.session.commit()


def xlsx_download(survey: Survey, lang: str, table: CrossTab | None, *, actor) -> bytes:
    total, charts = charts_for(survey, lang)
    body = analysis_xlsx(survey.label(lang), total, charts, table)
    _audit(survey, table, "xlsx", actor)
    return body


def pdf_download(survey: Survey, lang: str, table: CrossTab | None, *, actor) -> bytes:
    """The analysis as an A4 PDF (WeasyPrint, as the indicators' quarterly report): each closed question's chart
    (an SVG data URI with its text alternative) and data table, then the cross-tabulation when one was chosen."""
    import base64

    from flask import render_template
    from weasyprint import HTML

    from surveys.analysis import charts

    total, question_charts = charts_for(survey, lang)
    drawn = [{"chart": chart, "src": "data:image/svg+xml;base64," + base64.b64encode(charts.render(chart)).decode()}
             for chart in question_charts if chart.bars]
    html = render_template("surveys/analysis/report_pdf.html", survey=survey, lang=lang, total=total,
                           charts=question_charts, drawn={d["chart"].question.id: d["src"] for d in drawn},
                           table=table)
    body = HTML(string=html).write_pdf()
    _audit(survey, table, "pdf", actor)
    return body
