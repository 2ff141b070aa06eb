"""The coding page of an open-text question (under the survey): its answers, paged and filtered, each with
check boxes of the codes, saved in one POST per page; and the question's code book. Reading: view_responses;
changing: manage_surveys."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.pagination import paginate
from surveys.blueprints import surveys_bp
from surveys.coding import forms, listing, services
from surveys.coding.counts import question_codes
from surveys.coding.models import AnswerCode
from surveys.models import Question

BASE = "/<int:survey_id>/preguntas/<int:question_id>"
PER_PAGE = 25


def _question(survey_id: int, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.survey_id != survey_id or question.type not in services.CODED_TYPES:
        abort(404)
    return question


def _posted_code(question: Question) -> AnswerCode:
    """The code named by the form's `codigo` field, of this question (404 otherwise)."""
    value = request.form.get("codigo", "")
    code = db.session.get(AnswerCode, int(value)) if value.isascii() and value.isdigit() and len(value) < 12 else None
    if code is None or code.question_id != question.id:
        abort(404)
    return code


def _flash_problems(form) -> None:
    """A refused form's messages, in one line (the page it returns to shows the flash)."""
    flash(" ".join(message for messages in form.errors.values() for message in messages), "danger")


def _back(question: Question, filters: listing.Filters | None = None, page: int | None = None, anchor: str = ""):
    args = filters.args() if filters else {}
    if page and page > 1:
        args["pagina"] = str(page)
    return redirect(url_for("surveys.coding", survey_id=question.survey_id, question_id=question.id, **args)
                    + (f"#{anchor}" if anchor else ""))


def _page_number() -> int:
    value = request.args.get("pagina", "")
    return min(int(value), 1_000_000) if value.isascii() and value.isdigit() and 0 < len(value) < 12 and int(value) > 0 else 1


@surveys_bp.get(f"{BASE}/codificacion")
@permission_required("view_responses")
def coding(survey_id: int, question_id: int):
    question = _question(survey_id, question_id)
    codes = services.codes_of(question)
    filters = listing.Filters.from_args(request.args, codes)
    page = paginate(listing.answers_query(question, filters), per_page=PER_PAGE)
    listing.audit_page(question, page, filters, actor=current_user)
    ids = [a.id for a in page.items]
    assigned = services.answer_codes(ids)
    form = forms.page_form(ids, [(c.id, c.label) for c in codes], data=assigned)
    return render_template("surveys/coding/page.html", survey=question.survey, question=question, codes=codes,
                           counts=question_codes([question]).get(question.id), filters=filters, page=page,
                           form=form, assigned=assigned, field_name=forms.field_name,
                           when=listing.submitted(page.items), new_code=forms.CodeForm(prefix="nuevo"),
                           code_forms={c.id: forms.CodeForm(prefix=f"c{c.id}", obj=None, data={
                               "label": c.label, "description": c.description}) for c in codes},
                           delete_form=forms.DeleteCodeForm(), uncoded=listing.UNCODED, coded=listing.CODED)


@surveys_bp.post(f"{BASE}/codificacion")
@permission_required("manage_surveys")
def coding_save(survey_id: int, question_id: int):
    question = _question(survey_id, question_id)
    codes = services.codes_of(question)
    filters = listing.Filters.from_args(request.args, codes)
    ids = forms.posted_answer_ids(request.form.get("answers"))
    form = forms.page_form(ids, [(c.id, c.label) for c in codes], formdata=request.form)
    if not form.validate():
        flash("No se guardaron los códigos: la página cambió mientras la tenía abierta; revise y vuelva a "
              "guardar.", "danger")
        return _back(question, filters, _page_number())
    try:
        added, removed = services.save_page(
            question, {a: form[forms.field_name(a)].data or [] for a in ids}, actor=current_user)
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Códigos guardados: {added} asignado{'' if added == 1 else 's'} y {removed} "
              f"retirado{'' if removed == 1 else 's'}." if added or removed else "No hubo cambios que guardar.",
              "success")
    return _back(question, filters, _page_number(), "respuestas")


@surveys_bp.post(f"{BASE}/codigos")
@permission_required("manage_surveys")
def code_create(survey_id: int, question_id: int):
    question = _question(survey_id, question_id)
    form = forms.CodeForm(prefix="nuevo")
    if not form.validate():
        _flash_problems(form)
        return _back(question, anchor="libro")
    try:
        code = services.create_code(question, form.label.data, form.description.data or "", actor=current_user)
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Código «{code.label}» agregado.", "success")
    return _back(question, anchor="libro")


@surveys_bp.post(f"{BASE}/codigos/guardar")
@permission_required("manage_surveys")
def code_rename(survey_id: int, question_id: int):
    question = _question(survey_id, question_id)
    code = _posted_code(question)
    form = forms.CodeForm(prefix=f"c{code.id}")
    if not form.validate():
        _flash_problems(form)
        return _back(question, anchor="libro")
    try:
        services.rename_code(code, form.label.data, form.description.data or "", actor=current_user)
    except DomainError as exc:
        flash(str(exc), "danger")
    else:
        flash(f"Código «{code.label}» guardado.", "success")
    return _back(question, anchor="libro")


@surveys_bp.post(f"{BASE}/codigos/eliminar")
@permission_required("manage_surveys")
def code_delete(survey_id: int, question_id: int):
    """Deletes an unassigned code at once; one assigned to answers asks first (a page with the count)."""
    question = _question(survey_id, question_id)
    code = _posted_code(question)
    form = forms.DeleteCodeForm()
    if not form.validate():
        abort(400)
    assigned = services.assignment_count(code)
    if assigned and not form.confirm.data:
        return render_template("surveys/coding/confirm_delete.html", survey=question.survey, question=question,
                               code=code, assigned=assigned, form=form)
    label = code.label
    removed = services.delete_code(code, confirmed=True, actor=current_user)
    flash(f"Código «{label}» eliminado" + (f" con sus {removed} asignaciones." if removed > 1 else
                                          " con su asignación." if removed else "."), "success")
    return _back(question, anchor="libro")
