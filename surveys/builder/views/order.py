"""The order of the questions and the sections, from the questions page: move to a position, into or out of a
section, a whole new order (sent by crm/static/staff/builder.js after a drag or a keyboard move), and sections
created and renamed (removed by the questions page's «Quitar sección», which keeps their questions)."""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.core.extensions import db
from surveys.blueprints import surveys_bp
from surveys.builder.base import BuilderError, QuestionData
from surveys.builder.forms import SectionForm
from surveys.builder.order import move_before, move_into_section, rename_section, reorder
from surveys.builder.questions import add_question
from surveys.builder.views.pages import question_of, survey_of

MAX_IDS = 5000


def _back(survey_id: int, question_id: int | None = None):
    anchor = f"#q-{question_id}" if question_id else ""
    return redirect(url_for(".builder_questions", survey_id=survey_id) + anchor)


def _id(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _run(action, survey_id: int, question_id: int | None, done: str):
    try:
        action()
    except BuilderError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(done, "success")
    return _back(survey_id, question_id)


@surveys_bp.post("/<int:survey_id>/preguntas/mover-a")
@permission_required("manage_surveys")
def builder_question_move_to(survey_id: int):
    survey = survey_of(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    question = question_of(survey, _id(request.form.get("pregunta")) or 0)
    raw = request.form.get("destino", "")
    target = None if raw == "fin" else question_of(survey, _id(raw) or 0)
    return _run(lambda: move_before(question, target, actor=current_user), survey.id, question.id,
                f"Se movió «{question.label('es')[:80]}».")


@surveys_bp.post("/<int:survey_id>/preguntas/seccion")
@permission_required("manage_surveys")
def builder_question_section(survey_id: int):
    survey = survey_of(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    question = question_of(survey, _id(request.form.get("pregunta")) or 0)
    raw = request.form.get("seccion", "")
    section = question_of(survey, _id(raw) or 0) if raw else None
    done = f"«{question.label('es')[:80]}» quedó " + (f"en la sección «{section.label('es')[:80]}»." if section
                                                      else "fuera de las secciones.")
    return _run(lambda: move_into_section(question, section, actor=current_user), survey.id, question.id, done)


@surveys_bp.post("/<int:survey_id>/preguntas/orden")
@permission_required("manage_surveys")
def builder_questions_order(survey_id: int):
    """A whole new order: `orden`, every question id (closings included) separated by commas. Answers JSON to
    the script ({"ok", "mensaje"}), or goes back to the questions page."""
    survey = survey_of(survey_id)
    wants_json = request.accept_mimetypes.best == "application/json"
    if not ConfirmForm().validate_on_submit():
        if wants_json:
            return jsonify(ok=False, mensaje="La sesión expiró; recargue la página."), 400
        abort(400)
    parts = request.form.get("orden", "").split(",")
    ids = [_id(part) for part in parts[:MAX_IDS]]
    try:
        if None in ids or len(parts) > MAX_IDS:
            raise BuilderError("El orden enviado no es válido; recargue la página.")
        reorder(survey, ids, actor=current_user)
    except BuilderError as exc:
        db.session.rollback()
        if wants_json:
            return jsonify(ok=False, mensaje=str(exc)), 422
        flash(str(exc), "danger")
        return _back(survey.id)
    if wants_json:
        return jsonify(ok=True, mensaje="Orden guardado.")
    flash("Orden guardado.", "success")
    return _back(survey.id)


def _valid(form: SectionForm) -> bool:
    if form.validate_on_submit():
        return True
    if "csrf_token" in form.errors:
        abort(400)
    flash(" ".join(e for errors in form.errors.values() for e in errors), "danger")
    return False


@surveys_bp.post("/<int:survey_id>/secciones/nueva")
@permission_required("manage_surveys")
def builder_section_new(survey_id: int):
    survey = survey_of(survey_id)
    form = SectionForm()
    if not _valid(form):
        return _back(survey.id)
    data = QuestionData(kind="section", labels={"es": form.title_es.data or "", "en": form.title_en.data or ""})
    try:
        section = add_question(survey, data, actor=current_user)
    except BuilderError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
        return _back(survey.id)
    flash(f"Sección «{section.label('es')[:80]}» creada al final. Para meter preguntas en ella, use «Cambiar "
          "de sección», bajo la lista.", "success")
    return _back(survey.id, section.id)


@surveys_bp.post("/<int:survey_id>/secciones/<int:question_id>/renombrar")
@permission_required("manage_surveys")
def builder_section_rename(survey_id: int, question_id: int):
    survey = survey_of(survey_id)
    section = question_of(survey, question_id)
    form = SectionForm()
    if not _valid(form):
        return _back(survey.id, section.id)
    return _run(lambda: rename_section(section, form.title_es.data or "", form.title_en.data or "",
                                       actor=current_user), survey.id, section.id, "Sección renombrada.")
