"""Staff pages for surveys: list, detail with summaries, state, links, exports, responses."""

from __future__ import annotations

import io

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.core.errors import ImportProblems
from crm.core.extensions import db
from crm.core.pagination import paginate
from crm.core.tabular import TableError
from crm.core.web import SVG_CSP
from crm.exports import service as export_service
from surveys import services
from surveys.blueprints import surveys_bp
from surveys.forms import XLSFormUploadForm
from surveys.manage import labels
from surveys.manage.listing import figures_for, key_figures, listing_query, sort_key
from surveys.models import METADATA, Survey
from surveys.responses import browse, bursts, summaries
from surveys.responses.describe import question_label
from surveys.responses.export import EXPORT_KIND, count_responses, export_download
from surveys.responses.repeats import repeat_layout
from surveys.xlsform.model import XLSFormError
from surveys.xlsform.reader import read_xlsform
from surveys.xlsform.writer import xlsform_bytes


def _survey(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def absolute_url(path: str) -> str:
    """A respondent path as the full address people open: on CRM_BASE_URL, else on this request's host."""
    base = (current_app.config.get("CRM_BASE_URL") or request.host_url).rstrip("/")
    return base + path


@surveys_bp.get("/")
@permission_required("view_surveys")
def index():
    state = request.args.get("estado", "")
    sort = sort_key(request.args.get("orden"))
    page = paginate(listing_query(state=state if state in services.STATES else "", sort=sort), per_page=30)
    figures = figures_for([s.id for s in page.items])
    rows = [(s, figures[s.id]) for s in page.items]
    return render_template("surveys/index.html", page=page, rows=rows, states=services.STATES, state=state,
                           sort=sort)


@surveys_bp.route("/importar-formulario", methods=["GET", "POST"])
@permission_required("manage_surveys")
def import_form():
    form = XLSFormUploadForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            result = read_xlsform(data, filename=form.file.data.filename)
            survey = services.create_survey(result.definition, component_code=form.component.data or None,
                                            year=form.year.data, actor=current_user, anonymous=form.anonymous.data)
        except (XLSFormError, TableError, services.SurveyError) as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems] if isinstance(exc, ImportProblems) else [str(exc)]
        else:
            for warning in result.warnings:
                flash(f"Aviso: {warning}", "warning")
            flash(f"Encuesta creada en borrador con el código {survey.code}.", "success")
            return redirect(url_for(".detail", survey_id=survey.id))
    status = 422 if (problems or form.errors) else 200
    return render_template("surveys/import_form.html", form=form, problems=problems), status


@surveys_bp.get("/<int:survey_id>")
@permission_required("view_surveys")
def detail(survey_id: int):
    survey = _survey(survey_id)
    lang = request.args.get("idioma") if request.args.get("idioma") in (survey.languages or []) else \
        survey.default_language
    labels.language_labels(survey.languages)
    metadata = request.args.get("metadatos") == "1"
    total, question_summaries = summaries.summarize(survey, lang, metadata=metadata)
    rates = summaries.response_rates(survey)
    return render_template("surveys/detail.html", survey=survey, total=total, summaries=question_summaries,
                           rates=rates, sources=labels.source_labels(r["source"] for r in rates),
                           figures=key_figures(survey), lang=lang, metadata=metadata,
                           has_metadata=any(q.type in METADATA for q in survey.questions),
                           question_label=question_label, open_url=absolute_url(services.open_link(survey)),
                           confirm=ConfirmForm(), bursts=bursts.find_bursts(survey),
                           burst_thresholds=bursts.thresholds(survey), excluded=summaries.excluded_count(survey))


@surveys_bp.get("/<int:survey_id>/qr.svg")
@permission_required("view_surveys")
def qr_code(survey_id: int):
    """The open link as a QR code (SVG, made by segno), for posters and screens at events."""
    import segno  # on first use

    survey = _survey(survey_id)
    body = io.BytesIO()
    segno.make(absolute_url(services.open_link(survey)), error="m").save(
        body, kind="svg", scale=10, border=4, dark="#000", light="#fff", omitsize=True, xmldecl=True,
        title=f"Código QR del enlace abierto de «{survey.title}»")
    disposition = "attachment" if request.args.get("descargar") == "1" else "inline"
    return Response(body.getvalue(), mimetype="image/svg+xml", headers={
        "Content-Disposition": f'{disposition}; filename="{survey.code}-qr.svg"', "Cache-Control": "private, no-store",
        "Content-Security-Policy": SVG_CSP})


@surveys_bp.get("/<int:survey_id>/cartel")
@permission_required("view_surveys")
def poster(survey_id: int):
    """A printable page: the survey's title, its QR code and the open link written out."""
    survey = _survey(survey_id)
    return render_template("surveys/poster.html", survey=survey, open_url=absolute_url(services.open_link(survey)))


@surveys_bp.post("/<int:survey_id>/rafagas")
@permission_required("manage_surveys")
def review_burst(survey_id: int):
    """Excludes a burst of responses from the indicators, or includes it again (audited)."""
    survey = _survey(survey_id)
    action = request.form.get("accion")
    if not ConfirmForm().validate_on_submit() or action not in ("excluir", "incluir"):
        abort(400)
    try:
        burst = bursts.review_burst(survey, request.form.get("rafaga", ""), action == "excluir", actor=current_user)
    except services.SurveyError as exc:
        db.session.rollback()
        flash(str(exc), "warning")
    else:
        if action == "excluir":
            flash(f"Se excluyeron {burst.count} respuestas de los indicadores, resúmenes y desgloses. "
                  "Siguen guardadas y puede volver a incluirlas.", "success")
        else:
            flash(f"Se volvieron a incluir {burst.count} respuestas en los indicadores.", "success")
    return redirect(url_for(".detail", survey_id=survey.id) + "#h-rafagas")


@surveys_bp.post("/<int:survey_id>/estado")
@permission_required("manage_surveys")
def change_state(survey_id: int):
    survey = _survey(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    action = request.form.get("accion")
    if action == "abrir":
        services.open_survey(survey, actor=current_user)
        flash("La encuesta está abierta: los enlaces ya reciben respuestas.", "success")
    elif action == "cerrar":
        services.close_survey(survey, actor=current_user)
        flash("La encuesta quedó cerrada: los enlaces ya no reciben respuestas.", "success")
    else:
        abort(400)
    return redirect(url_for(".detail", survey_id=survey.id))


@surveys_bp.get("/<int:survey_id>/formulario.xlsx")
@permission_required("view_surveys")
def export_form(survey_id: int):
    survey = _survey(survey_id)
    body = xlsform_bytes(services.definition_of(survey))
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{survey.code}-xlsform.xlsx"'})


@surveys_bp.get("/<int:survey_id>/respuestas.<fmt>")
@permission_required("export_data")
def export_responses(survey_id: int, fmt: str):
    survey = _survey(survey_id)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    if fmt == "csv" and repeat_layout(survey.questions):  # one file: the main sheet and a sheet per repeat
        return redirect(url_for(".export_responses", survey_id=survey.id, fmt="xlsx"))
    total = count_responses(survey)
    if total > export_service.inline_limit():  # a large file is written by a background task
        job = export_service.start(EXPORT_KIND, {"survey": survey.id}, fmt, owner_id=current_user.id, total=total,
                                   filename=f"{survey.code}-respuestas.{fmt}",
                                   back=url_for(".detail", survey_id=survey.id), address=request.remote_addr)
        return redirect(url_for("exports.status", token=job.token))
    body = export_download(survey, fmt, actor=current_user)
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{survey.code}-respuestas.{fmt}"'})


@surveys_bp.get("/<int:survey_id>/respuestas")
@permission_required("view_responses")
def responses(survey_id: int):
    survey = _survey(survey_id)
    language = request.args.get("idioma", "")
    channel = request.args.get("canal", "")
    status = request.args.get("estado", "")
    page = paginate(browse.responses_query(survey, language=language, channel=channel, status=status), per_page=20)
    answers = browse.page_answers(survey, page, actor=current_user)
    labels.language_labels(survey.languages)
    return render_template("surveys/responses.html", survey=survey, page=page, answers=answers, language=language,
                           channel=channel, status=status, channels=browse.CHANNELS)

