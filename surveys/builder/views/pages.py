"""The builder's main pages: new survey (blank or from a template), settings, the questions page, a question's
form, moving one step, deleting, duplicating, preview."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from crm.auth.permissions import permission_required
from crm.contacts.forms import ConfirmForm
from crm.core.display import short_date
from crm.core.extensions import db
from crm.events.models import Activity, ObservationProgram
from surveys import services
from surveys.blueprints import surveys_bp
from surveys.builder.base import (
    KINDS,
    SCALES,
    SELECT_TYPES,
    XLSFORM_ONLY,
    BuilderError,
    ChoiceData,
    QuestionData,
    SurveySettings,
    answered_choice_ids,
    answered_question_ids,
    has_responses,
    is_answered,
    is_editable,
    kind_label,
    kind_of,
    preset_choices,
)
from surveys.builder.forms import QuestionForm, SectionForm, SurveyForm, TemplateForm
from surveys.builder.logic_edit import in_repeat
from surveys.builder.order import section_of
from surveys.builder.questions import (
    add_question,
    delete_question,
    depths,
    move_question,
    section_titles,
    update_question,
)
from surveys.builder.settings import create_blank, duplicate, settings_of, update_settings
from surveys.builder.templates import TEMPLATES, create_from_template
from surveys.models import Question, Survey
from surveys.respond.form import build_form
from surveys.responses.describe import logic_lines, referenced_names

BLANK_ROWS = 3


def survey_of(survey_id: int) -> Survey:
    return db.get_or_404(Survey, survey_id)


def question_of(survey: Survey, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.survey_id != survey.id:
        abort(404)
    return question


def _fill_links(form: SurveyForm) -> None:
    activities = db.session.execute(select(Activity.id, Activity.date, Activity.title)
                                    .order_by(Activity.date.desc(), Activity.id.desc()).limit(300)).all()
    form.activity.choices = [("", "Ninguna")] + [(str(a.id), f"{short_date(a.date)} · {a.title}"[:120])
                                                 for a in activities]
    programs = db.session.execute(select(ObservationProgram.id, ObservationProgram.name)
                                  .order_by(ObservationProgram.election_date.desc())).all()
    form.program.choices = [("", "Ninguno")] + [(str(p.id), p.name[:120]) for p in programs]


def _settings(form: SurveyForm) -> SurveySettings:
    return SurveySettings(
        title_es=form.title_es.data or "", title_en=form.title_en.data or "", languages=form.languages.data or "es",
        anonymous=bool(form.anonymous.data), component_code=form.component.data or None, year=form.year.data,
        activity_id=form.activity.data, observation_program_id=form.program.data, opens_at=form.opens_at.data,
        closes_at=form.closes_at.data, open_link_limited=bool(form.open_link_limited.data),
        open_link_per_browser=form.open_link_per_browser.data,
        open_link_per_address_hour=form.open_link_per_address_hour.data)


# --------------------------------------------------------------------------- new survey, settings

@surveys_bp.route("/nueva", methods=["GET", "POST"])
@permission_required("manage_surveys")
def builder_new():
    form = SurveyForm()
    _fill_links(form)
    template_form = TemplateForm(formdata=None)
    if form.validate_on_submit():
        try:
            survey = create_blank(_settings(form), actor=current_user)
        except BuilderError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash(f"Encuesta creada en borrador con el código {survey.code}. Añada sus preguntas.", "success")
            return redirect(url_for(".builder_questions", survey_id=survey.id))
    status = 422 if request.method == "POST" else 200
    return render_template("surveys/builder/new.html", form=form, template_form=template_form,
                           templates=TEMPLATES), status


@surveys_bp.post("/nueva/plantilla")
@permission_required("manage_surveys")
def builder_from_template():
    template_form = TemplateForm()
    if template_form.validate_on_submit():
        try:
            survey = create_from_template(
                template_form.template.data, component_code=template_form.component.data or None,
                year=template_form.year.data, anonymous=bool(template_form.anonymous.data),
                title=template_form.title.data or "", actor=current_user)
        except services.SurveyError as exc:
            db.session.rollback()
            template_form.form_errors.append(str(exc))
        else:
            flash(f"Encuesta creada desde la plantilla, en borrador, con el código {survey.code}. Revise sus "
                  "preguntas antes de abrirla.", "success")
            return redirect(url_for(".builder_questions", survey_id=survey.id))
    form = SurveyForm(formdata=None)
    _fill_links(form)
    return render_template("surveys/builder/new.html", form=form, template_form=template_form,
                           templates=TEMPLATES), 422


@surveys_bp.route("/<int:survey_id>/editar", methods=["GET", "POST"])
@permission_required("manage_surveys")
def builder_settings(survey_id: int):
    survey = survey_of(survey_id)
    if request.method == "GET":
        current = settings_of(survey)
        form = SurveyForm(formdata=None, title_es=current.title_es, title_en=current.title_en,
                          languages=current.languages, anonymous=current.anonymous,
                          component=current.component_code or "", year=current.year, activity=current.activity_id,
                          program=current.observation_program_id, opens_at=current.opens_at,
                          closes_at=current.closes_at, open_link_limited=current.open_link_limited,
                          open_link_per_browser=current.open_link_per_browser,
                          open_link_per_address_hour=current.open_link_per_address_hour)
    else:
        form = SurveyForm()
    _fill_links(form)
    if form.validate_on_submit():
        try:
            update_settings(survey, _settings(form), actor=current_user)
        except BuilderError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            flash("Configuración guardada.", "success")
            return redirect(url_for(".builder_questions", survey_id=survey.id))
    status = 422 if request.method == "POST" else 200
    return render_template("surveys/builder/settings.html", survey=survey, form=form,
                           responses=has_responses(survey)), status


# --------------------------------------------------------------------------- questions

@surveys_bp.get("/<int:survey_id>/preguntas")
@permission_required("manage_surveys")
def builder_questions(survey_id: int):
    survey = survey_of(survey_id)
    questions = sorted(survey.questions, key=lambda q: (q.position, q.id))
    shown = [q for q in questions if q.type not in ("end_group", "end_repeat")]
    return render_template("surveys/builder/questions.html", survey=survey, questions=questions,
                           answered=answered_question_ids(survey), responses=has_responses(survey),
                           depths=depths(survey), section_titles=section_titles(survey),
                           kinds=KINDS, kind_label=kind_label, states=services.STATES, confirm=ConfirmForm(),
                           logic_lines=logic_lines, is_editable=is_editable, xlsform_only=XLSFORM_ONLY,
                           used_names=set().union(*(referenced_names(q) - {q.name} for q in questions)),
                           sections=[q for q in shown if q.type == "begin_group"], section_of=section_of(survey),
                           targets=shown, repeated=in_repeat(survey), section_form=SectionForm(formdata=None),
                           open_link=services.open_link(survey) if survey.state == "open" else None)


def _question_data(form: QuestionForm, kind: str) -> QuestionData:
    choices = []
    for row in form.choices:
        if row.form.remove.data:
            continue
        raw_id = (row.form.choice_id.data or "").strip()
        choices.append(ChoiceData(
            id=int(raw_id) if raw_id.isascii() and raw_id.isdigit() and len(raw_id) < 10 else None, name=row.form.code.data or "",
            labels={"es": row.form.label_es.data or "", "en": row.form.label_en.data or ""},
            positive=bool(row.form.positive.data)))
    return QuestionData(
        kind=kind, name=form.name.data or "", labels={"es": form.label_es.data or "", "en": form.label_en.data or ""},
        hints={"es": form.hint_es.data or "", "en": form.hint_en.data or ""}, required=bool(form.required.data),
        indicator=bool(form.indicator.data), choices=choices, scale=form.scale.data or "calificacion")


def _add_blank_rows(form: QuestionForm, count: int = BLANK_ROWS) -> None:
    for _ in range(count):
        if len(form.choices.entries) >= (form.choices.max_entries or 60):
            break
        form.choices.append_entry()


def _render_question(survey: Survey, form: QuestionForm, question: Question | None, status: int = 200):
    kind = form.kind.data if form.kind.data in KINDS else "single"
    is_select = KINDS[kind].type in SELECT_TYPES
    if is_select and not any(not (row.form.code.data or row.form.label_es.data) for row in form.choices):
        _add_blank_rows(form, 2)
    answered = question is not None and is_answered(question)
    used = {str(cid) for cid in answered_choice_ids(question)} if answered else set()
    if kind != "section":
        form.kind.choices = [(key, label) for key, label in form.kind.choices if key != "section"]
    return render_template("surveys/builder/question.html", survey=survey, form=form, question=question, kind=kind,
                           kinds=KINDS, is_select=is_select, answered=answered, used_choices=used,
                           responses=has_responses(survey), scales=SCALES,
                           logic=logic_lines(question) if question is not None else [],
                           required_if=question is not None and bool((question.logic or {}).get("required")),
                           logic_link=question is not None and question.id not in in_repeat(survey)), status


def _handle_question(survey: Survey, form: QuestionForm, question: Question | None):
    kind = form.kind.data if form.kind.data in KINDS else ""
    if form.more.data:  # "add rows": show the form again with more empty options
        _add_blank_rows(form)
        return _render_question(survey, form, question)
    if not form.validate_on_submit():
        return _render_question(survey, form, question, 422)
    data = _question_data(form, kind)
    try:
        if question is None:
            saved = add_question(survey, data, actor=current_user)
        else:
            saved = update_question(question, data, actor=current_user)
    except BuilderError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _render_question(survey, form, question, 422)
    flash(f"Pregunta «{saved.name}» guardada.", "success")
    return redirect(url_for(".builder_questions", survey_id=survey.id) + f"#q-{saved.id}")


@surveys_bp.route("/<int:survey_id>/preguntas/nueva", methods=["GET", "POST"])
@permission_required("manage_surveys")
def builder_question_new(survey_id: int):
    survey = survey_of(survey_id)
    if request.method == "POST":
        return _handle_question(survey, QuestionForm(), None)
    kind = request.args.get("tipo", "single")
    kind = kind if kind in KINDS else "single"
    scale = request.args.get("escala", "calificacion")
    scale = scale if scale in SCALES else "calificacion"
    form = QuestionForm(formdata=None, kind=kind, scale=scale)
    for choice in preset_choices(kind, scale):
        form.choices.append_entry({"code": choice.name, "label_es": choice.labels.get("es", ""),
                                   "label_en": choice.labels.get("en", ""), "positive": choice.positive})
    if kind in ("single", "multiple"):
        _add_blank_rows(form, 4)
    if kind in ("scale", "yesno"):
        form.indicator.data = kind == "scale"
    return _render_question(survey, form, None)


@surveys_bp.route("/<int:survey_id>/preguntas/<int:question_id>", methods=["GET", "POST"])
@permission_required("manage_surveys")
def builder_question_edit(survey_id: int, question_id: int):
    survey = survey_of(survey_id)
    question = question_of(survey, question_id)
    if question.type in ("end_group", "end_repeat"):
        abort(404)
    if not is_editable(question):  # from an imported XLSForm: shown, not edited
        status = 409 if request.method == "POST" else 200
        return render_template("surveys/builder/question_readonly.html", survey=survey, question=question,
                               kind_label=kind_label(question), logic=logic_lines(question),
                               xlsform_only=XLSFORM_ONLY, refused=request.method == "POST"), status
    if request.method == "POST":
        return _handle_question(survey, QuestionForm(), question)
    labels, hints = question.labels or {}, question.hints or {}
    form = QuestionForm(formdata=None, kind=kind_of(question), name=question.name or "",
                        label_es=labels.get("es", ""), label_en=labels.get("en", ""), hint_es=hints.get("es", ""),
                        hint_en=hints.get("en", ""), required=question.required, indicator=question.indicator)
    for choice in question.choices:
        form.choices.append_entry({"choice_id": str(choice.id), "code": choice.name,
                                   "label_es": (choice.labels or {}).get("es", ""),
                                   "label_en": (choice.labels or {}).get("en", ""), "positive": choice.positive})
    return _render_question(survey, form, question)


@surveys_bp.post("/<int:survey_id>/preguntas/<int:question_id>/mover")
@permission_required("manage_surveys")
def builder_question_move(survey_id: int, question_id: int):
    survey = survey_of(survey_id)
    question = question_of(survey, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    direction = {"arriba": "up", "abajo": "down"}.get(request.form.get("direccion", ""))
    if direction is None:
        abort(400)
    try:
        move_question(question, direction, actor=current_user)
    except BuilderError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    return redirect(url_for(".builder_questions", survey_id=survey.id) + f"#q-{question.id}")


@surveys_bp.post("/<int:survey_id>/preguntas/<int:question_id>/eliminar")
@permission_required("manage_surveys")
def builder_question_delete(survey_id: int, question_id: int):
    survey = survey_of(survey_id)
    question = question_of(survey, question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    name = question.name or ""
    try:
        delete_question(question, actor=current_user)
    except BuilderError as exc:
        db.session.rollback()
        flash(str(exc), "danger")
    else:
        flash(f"Se eliminó «{name}».", "success")
    return redirect(url_for(".builder_questions", survey_id=survey.id))


# --------------------------------------------------------------------------- duplicate, preview

@surveys_bp.post("/<int:survey_id>/duplicar")
@permission_required("manage_surveys")
def builder_duplicate(survey_id: int):
    survey = survey_of(survey_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    copy = duplicate(survey, actor=current_user)
    flash(f"Se creó una copia en borrador con el código {copy.code}; no tiene respuestas ni invitaciones.", "success")
    return redirect(url_for(".builder_questions", survey_id=copy.id))


@surveys_bp.get("/<int:survey_id>/vista-previa")
@permission_required("manage_surveys")
def builder_preview(survey_id: int):
    survey = survey_of(survey_id)
    languages = list(survey.languages or ["es"])
    lang = request.args.get("lang", "")
    lang = lang if lang in languages else (survey.default_language or "es")
    form = build_form(survey, lang)
    return render_template("surveys/builder/preview.html", survey=survey, form=form, lang=lang, languages=languages)

