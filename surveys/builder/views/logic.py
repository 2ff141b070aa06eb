"""The condition and restriction editors of one question (/encuestas/<id>/preguntas/<qid>/logica): simple rows,
a restriction by type, and the expressions typed directly; all written by surveys.builder.logic_edit."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from crm.auth.permissions import permission_required
from crm.core.extensions import db
from surveys.blueprints import surveys_bp
from surveys.builder.base import BuilderError, has_responses, is_editable, kind_label
from surveys.builder.conditions import (
    FAMILIES,
    NUMERIC,
    ConditionProblem,
    Restriction,
    Row,
    condition_source,
    family,
    operator_label,
    read_condition,
    read_restriction,
    restriction_source,
)
from surveys.builder.forms import AdvancedForm, ConditionForm, RestrictionForm
from surveys.builder.logic_edit import NO_ANSWER, candidates, in_repeat, set_expressions, source_of
from surveys.builder.views.pages import question_of, survey_of
from surveys.models import Question
from surveys.responses.describe import logic_lines

MIN_ROWS = 2


def _fill_rows(form: ConditionForm, question: Question, extra: int = 0) -> None:
    found = candidates(question)
    blank = sum(1 for row in form.rows if not row.form.question.data)
    for _ in range(max(MIN_ROWS - len(form.rows.entries), extra, 1 - blank)):
        if len(form.rows.entries) < (form.rows.max_entries or 20):
            form.rows.append_entry()
    names = [("", "Elija una pregunta")] + [(c.name, f"{c.label[:80]} ({c.name})") for c in found.values()]
    groups = {f"{c.label[:60]} ({c.name})": [(f"{c.name}::{code}", label[:80]) for code, label in c.choices]
              for c in found.values() if c.choices}
    for row in form.rows:
        row.form.question.choices = names
        row.form.choice.choices = {"": [("", "Ninguna (use el valor)")], **groups}


def _simple(question: Question) -> tuple[list[Row], str] | None:
    """The stored condition as rows, when every row reads a question the editor offers."""
    read = read_condition(((question.logic or {}).get("relevant") or {}).get("tree"))
    if read is None or any(row.name not in candidates(question) for row in read[0]):
        return None
    return read


def _condition_form(question: Question) -> ConditionForm:
    form = ConditionForm(prefix="cond", formdata=None)
    read = _simple(question)
    if read:
        rows, joiner = read
        form.joiner.data = joiner
        by_name = candidates(question)
        for row in rows:
            is_choice = row.name in by_name and by_name[row.name].choices
            form.rows.append_entry({"question": row.name, "operator": row.op,
                                    "choice": f"{row.name}::{row.value}" if is_choice else "",
                                    "value": "" if is_choice else row.value})
    return form


def _restriction_form(question: Question) -> RestrictionForm:
    read = read_restriction(((question.logic or {}).get("constraint") or {}).get("tree"), question.type)
    data = read or Restriction()
    messages = (question.logic or {}).get("constraint_message") or {}
    return RestrictionForm(prefix="restr", formdata=None, minimum=data.minimum, maximum=data.maximum,
                           min_length=data.min_length, max_length=data.max_length, pattern=data.pattern,
                           message_es=messages.get("es", ""), message_en=messages.get("en", ""))


def _advanced_form(question: Question) -> AdvancedForm:
    messages = (question.logic or {}).get("constraint_message") or {}
    return AdvancedForm(prefix="avz", formdata=None, relevant=source_of(question, "relevant"),
                        constraint=source_of(question, "constraint"), message_es=messages.get("es", ""),
                        message_en=messages.get("en", ""))


def _render(question: Question, forms: dict, status: int = 200):
    survey = question.survey
    _fill_rows(forms["cond"], question)
    found = candidates(question)
    logic = question.logic or {}
    return render_template(
        "surveys/builder/logic.html", survey=survey, question=question, kind_label=kind_label(question),
        cond=forms["cond"], restr=forms["restr"], adv=forms["adv"], candidates=found,
        families={name: family(c.type) for name, c in found.items()}, family_ops=FAMILIES,
        operator_labels={name: {op: operator_label(c.type, op) for op in FAMILIES[family(c.type)]}
                         for name, c in found.items()},
        simple_condition=_simple(question) is not None,
        simple_restriction=read_restriction((logic.get("constraint") or {}).get("tree"), question.type) is not None,
        restriction_kind="number" if question.type in NUMERIC else ("text" if question.type == "text" else None),
        answers=question.type not in NO_ANSWER, logic=logic_lines(question), responses=has_responses(survey)), status


def _rows(form: ConditionForm) -> list[Row]:
    rows = []
    for entry in form.rows:
        name = entry.form.question.data or ""
        choice = entry.form.choice.data or ""
        value = entry.form.value.data or ""
        if choice and choice.startswith(f"{name}::"):
            value = choice.split("::", 1)[1]
        rows.append(Row(name=name, op=entry.form.operator.data or "", value=value))
    return rows


def _save(question: Question, form, sources, messages=None) -> bool:
    """Validates and stores `sources` ({key: source}, or a function returning them); on a problem the form
    shows it and keeps what was typed."""
    if not form.validate_on_submit():
        return False
    try:
        set_expressions(question, sources() if callable(sources) else sources, messages=messages,
                        actor=current_user)
    except (ConditionProblem, BuilderError) as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return False
    return True


def _post(question: Question, forms: dict):
    cond, restr, adv = forms["cond"], forms["restr"], forms["adv"]
    if cond.more.data:
        _fill_rows(cond, question, extra=1)
        return None
    if cond.submit.data or cond.remove.data:
        rows = [] if cond.remove.data else _rows(cond)
        ok = _save(question, cond,
                   lambda: {"relevant": condition_source(rows, cond.joiner.data or "and", candidates(question))})
        return "Condición guardada." if ok and rows else ("Se quitó la condición." if ok else None)
    if restr.submit.data or restr.remove.data:
        data = Restriction() if restr.remove.data else Restriction(
            restr.minimum.data or "", restr.maximum.data or "", restr.min_length.data or "",
            restr.max_length.data or "", restr.pattern.data or "")
        messages = {"es": restr.message_es.data or "", "en": restr.message_en.data or ""}
        ok = _save(question, restr, lambda: {"constraint": restriction_source(data, question.type)}, messages)
        return ("Restricción guardada." if not restr.remove.data else "Se quitó la restricción.") if ok else None
    if adv.submit.data:
        messages = {"es": adv.message_es.data or "", "en": adv.message_en.data or ""}
        sources = {"relevant": adv.relevant.data or ""}
        if question.type not in NO_ANSWER:
            sources["constraint"] = adv.constraint.data or ""
        ok = _save(question, adv, sources, messages)
        return "Expresiones guardadas." if ok else None
    abort(400)


def _pressed(form) -> bool:
    return any(getattr(form, name, None) is not None and getattr(form, name).data for name in ("submit", "remove", "more"))


@surveys_bp.route("/<int:survey_id>/preguntas/<int:question_id>/logica", methods=["GET", "POST"])
@permission_required("manage_surveys")
def builder_question_logic(survey_id: int, question_id: int):
    survey = survey_of(survey_id)
    question = question_of(survey, question_id)
    if question.type in ("end_group", "end_repeat") or not is_editable(question) or question.id in in_repeat(survey):
        abort(404)
    forms = {"cond": _condition_form(question), "restr": _restriction_form(question),
             "adv": _advanced_form(question)}
    if request.method == "GET":
        return _render(question, forms)
    posted = {"cond": ConditionForm(prefix="cond"), "restr": RestrictionForm(prefix="restr"),
              "adv": AdvancedForm(prefix="avz")}
    which = next((key for key, form in posted.items() if _pressed(form)), None)
    if which is None:
        abort(400)
    forms[which] = posted[which]
    if which == "cond":
        _fill_rows(forms["cond"], question)
    done = _post(question, forms)
    if done:
        flash(done, "success")
        return redirect(url_for(".builder_question_logic", survey_id=survey.id, question_id=question.id))
    db.session.refresh(question)
    return _render(question, forms, 200 if forms["cond"].more.data else 422)
