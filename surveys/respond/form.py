"""The respondent form as the template shows it (`build_form`) and the check of a submission (`validate`).

The layout of the form in a language (its sections, items and choices) depends only on the survey's
questions and its default language, so for the cached question sets of surveys.respond.questions it is
built once per worker and language and shared by every request: FormView, Section, Item and ChoiceView
are read-only after build_form. What depends on the answers (which questions are relevant, the choices a
filter keeps, ${ref} in labels) is computed per render by surveys.respond.page_logic.

`validate` checks each answer's type (surveys.values.parse_answer, the rules the import uses too), then the
form's logic on the answers (surveys.logic.runtime): answers to questions that are not relevant are never
stored (their type errors ignored); required (yes/no or an expression) only when relevant; constraints; a
choice outside its filter refused; calculations stored; read-only questions take their default or
calculation, never the posted value; metadata (start, end, today, deviceid, username) filled by the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from surveys.logic.runtime import OPENERS, SELECTS, FormLogic
from surveys.models import CALCULATED, UPLOADS
from surveys.respond.page_logic import (
    NOT_RENDERED,
    added_questions,
    logic_data,
    metadata_texts,
    now_local,
    text,
)
from surveys.respond.questions import Questions, QuestionSpec, load_questions
from surveys.respond.widgets import MULTI_FIELD, answer_value
from surveys.uploads.web import upload_rows
from surveys.values import MAX_TEXT, AnswerError, parse_answer

FIELD_PREFIX = "q_"  # form field names are q_<question name>: they cannot clash with the form's own fields


@dataclass
class ChoiceView:
    id: str
    value: str
    label: str
    lang: str | None  # set when the text is in another language than the page


@dataclass
class Item:
    kind: Literal["question", "note"]
    question: QuestionSpec
    id: str
    name: str  # the form field name
    type: str
    label: str
    label_lang: str | None
    hint: str
    required: bool
    multiline: bool = False
    choices: list[ChoiceView] = field(default_factory=list)
    dynamic: bool = False  # its relevance, or its group's, depends on the answers
    filtered: bool = False  # a choice filter narrows its choices
    templated: bool = False  # its label or hint holds ${ref}

    @property
    def is_choice(self) -> bool:
        return self.type in ("select_one", "select_multiple")

    @property
    def first_input_id(self) -> str:
        """Where the error summary's link leads: the input, or the first option of a group."""
        return self.choices[0].id if self.is_choice and self.choices else self.id


@dataclass
class Section:
    id: str
    title: str
    title_lang: str | None
    hint: str
    level: int  # heading level: 2 for top-level groups
    number: int = 0  # position among the top-level sections (progress), 0 for nested ones
    items: list[Item | Section] = field(default_factory=list)
    name: str = ""  # the group's name (its relevance hides the whole section)
    appearance: str = ""  # the group's XLSForm appearance (field-list: a page, table-list: a grid)
    templated: bool = False  # its title or hint holds ${ref}

    kind = "section"


@dataclass
class FormView:
    lang: str
    title: str
    description: str
    items: list[Item | Section]
    questions: list[Item]  # every answerable question, in order
    sections: int  # top-level sections (for "Section k of n")
    default_lang: str = "es"
    logic: FormLogic | None = None
    has_logic: bool = False  # relevance, constraints, filters, calculations or ${ref}: survey-logic.js is loaded
    computed: list[QuestionSpec] = field(default_factory=list)  # calculate and metadata questions (no field)
    templated: list[tuple[str, str, str]] = field(default_factory=list)  # (element id, label, hint) with ${ref}
    logic_data: str = ""  # the JSON block survey-logic.js reads (surveys.respond.page_logic.logic_data)

    def question(self, name: str) -> Item | None:
        return next((q for q in self.questions if q.question.name == name), None)


def _text(texts: dict | None, lang: str, default: str) -> tuple[str, str | None]:
    """The text in `lang`, else in the survey's default language, else any; and its language if not `lang`."""
    texts = texts or {}
    if texts.get(lang):
        return texts[lang], None
    for other in (default, "es", *texts.keys()):
        if texts.get(other):
            return texts[other], other if other != lang else None
    return "", None


def build_form(survey, lang: str, questions: Sequence[QuestionSpec] | None = None) -> FormView:
    """The form in `lang`; texts missing in it fall back to the survey's default language (marked).

    `survey` is a Survey or a surveys.respond.submission.SurveyRow; `questions` defaults to its (cached) questions.
    """
    default = survey.default_language or "es"
    if questions is None:
        version = getattr(survey, "questions_version", None)
        questions = load_questions(survey.id, version, identity=getattr(survey, "open_token", "") or "")
    if isinstance(questions, Questions):
        layout = questions.layouts.get((lang, default))
        if layout is None:  # two threads may both build it: the same value, either one is kept
            layout = questions.layouts.setdefault((lang, default), _layout(questions, lang, default))
        logic = questions.logic
    else:
        layout = _layout(questions, lang, default)
        logic = FormLogic(questions)
    items, answerable, top_sections, computed, templated = layout
    has_logic = logic.has_logic or bool(templated) or bool(logic.repeats)  # repeats: the scripts add instances
    data = ""
    if has_logic and isinstance(questions, Questions):
        data = questions.layouts.get(("logic", lang, default))
        if data is None:
            data = questions.layouts.setdefault(("logic", lang, default), logic_data(questions, lang, default))
    elif has_logic:
        data = logic_data(questions, lang, default)
    title, _ = _text(survey.titles, lang, default)
    description, _ = _text(survey.description, lang, default)
    return FormView(lang=lang, title=title or survey.title, description=description, items=items,
                    questions=answerable, sections=top_sections, default_lang=default, logic=logic,
                    has_logic=has_logic, computed=computed, templated=templated, logic_data=data)


def _layout(questions: Sequence[QuestionSpec], lang: str, default: str) -> tuple:
    """(top-level items, answerable items in order, number of top-level sections, the calculate and
    metadata questions, the (element id, label, hint) that hold ${ref})."""
    root: list[Item | Section] = []
    stack: list[Section] = []
    dynamic: list[bool] = []  # per open group: its relevance, or an enclosing one's, depends on answers
    answerable: list[Item] = []
    computed: list[QuestionSpec] = []
    templated: list[tuple[str, str, str]] = []
    top_sections = 0
    for question in questions:
        container = stack[-1].items if stack else root
        logic = question.logic or {}
        if question.type in OPENERS:
            title, title_lang = _text(question.labels, lang, default)
            section = Section(id=f"s{question.position}", title=title, title_lang=title_lang,
                              hint=_text(question.hints, lang, default)[0], level=min(2 + len(stack), 6),
                              name=question.name or "", appearance=question.appearance or "")
            section.templated = "${" in section.title + section.hint
            if section.templated:
                templated.append((section.id, section.title, section.hint))
            if not stack:
                top_sections += 1
                section.number = top_sections
            container.append(section)
            stack.append(section)
            dynamic.append((bool(dynamic) and dynamic[-1]) or "relevant" in logic)
            continue
        if question.type in ("end_group", "end_repeat"):
            if stack:
                stack.pop()
                dynamic.pop()
            continue
        if question.type in NOT_RENDERED:
            computed.append(question)
            continue
        label, label_lang = _text(question.labels, lang, default)
        item = Item(
            kind="note" if question.type == "note" else "question",
            question=question,
            id=f"p{question.position}",
            name=FIELD_PREFIX + (question.name or f"p{question.position}"),
            type=question.type,
            label=label or (question.name or ""),
            label_lang=label_lang,
            hint=_text(question.hints, lang, default)[0],
            required=bool(question.required) and question.type != "note",
            multiline="multiline" in (question.appearance or ""),
            dynamic=(bool(dynamic) and dynamic[-1]) or "relevant" in logic,
            filtered="choice_filter" in logic,
        )
        item.templated = "${" in item.label + item.hint
        if item.templated:
            templated.append((item.id, item.label, item.hint))
        for index, choice in enumerate(question.choices):
            text, text_lang = _text(choice.labels, lang, default)
            item.choices.append(ChoiceView(id=f"{item.id}-{index}", value=choice.name, label=text or choice.name,
                                           lang=text_lang))
        container.append(item)
        if item.kind == "question":
            answerable.append(item)
    return root, answerable, top_sections, computed, templated


# --- checking a submission ------------------------------------------------------------------------


@dataclass
class Validation:
    answers: list[dict]  # rows for Answer: question_id, choice_id, value
    # question name -> error code (required, invalid_choice, integer, decimal, date, text_too_long,
    # text_invalid, constraint, filtered)
    errors: dict[str, str]
    values: dict[str, Any]  # field name -> posted text or list of chosen values, to show again
    messages: dict[str, str] = field(default_factory=dict)  # question name -> the form's own error message
    added: set[str] = field(default_factory=set)  # questions the answers made relevant, not yet shown

    @property
    def ok(self) -> bool:
        return not self.errors and not self.added


def posted_values(form: FormView, data) -> dict[str, Any]:
    """What the respondent sent, per field, to show it again (`data` is a MultiDict-like mapping)."""
    values: dict[str, Any] = {}
    for item in form.questions:
        if item.type == "select_multiple" or item.type in MULTI_FIELD:  # MULTI_FIELD: several inputs, in order
            values[item.name] = [v for v in data.getlist(item.name) if isinstance(v, str)]
        else:
            raw = data.get(item.name)
            values[item.name] = raw if isinstance(raw, str) else ""
    return values


def validate(form: FormView, data, *, now: datetime | None = None, started: datetime | None = None,
             device: str = "", anonymous: bool = False, shown: str | None = None,
             scope: set[str] | None = None) -> Validation:
    """Checks every answerable question with surveys.values.parse_answer, then the form's logic.

    `now` (aware; default: now in the platform's zone) is when the response is received; `started` when the
    form was first shown; `device` the open link's keyed browser hash; `anonymous` the survey's setting (its
    times are stored to the hour); `shown` the list of shown questions the page posted without JavaScript
    (surveys.respond.page_logic.shown_tokens), None when it posted none; `scope` the question names of the
    page that posted (surveys.respond.pages): only they can be "added" (None: the whole form).
    """
    values = posted_values(form, data)
    rows_of: dict[str, list[dict]] = {}
    errors: dict[str, str] = {}
    texts: dict[str, str] = {}
    for item in form.questions:
        question = item.question
        raw = answer_value(item.type, values[item.name])  # a geopoint's fields joined
        try:
            # an upload: only what surveys.uploads.web.read_uploads put in `data` (a chosen file, a verified key)
            rows = upload_rows(question, raw) if item.type in UPLOADS else parse_answer(question, raw)
        except AnswerError:
            errors[question.name] = _error_code(question, raw)
            continue
        rows_of[question.name] = rows
        texts[question.name] = (text(values, item.name) if item.type in SELECTS
                                else (rows[0].get("value") or "") if rows else "")
    if form.logic is None or (not form.has_logic and not form.computed):
        answers = []
        for item in form.questions:
            name = item.question.name
            if name in errors:
                continue
            if not rows_of[name] and item.question.required:
                errors[name] = "required"
            answers.extend(rows_of[name])
        return Validation(answers=answers, errors=errors, values=values)
    return _with_logic(form, values, rows_of, errors, texts, now=now or now_local(), started=started,
                       device=device, anonymous=anonymous, shown=shown, scope=scope)


def _with_logic(form: FormView, values: dict, rows_of: dict, errors: dict, texts: dict, *, now: datetime,
                started: datetime | None, device: str, anonymous: bool, shown: str | None,
                scope: set[str] | None = None) -> Validation:
    logic: FormLogic = form.logic
    lang = form.lang
    texts.update(metadata_texts(form.computed, now=now, started=started, device=device, anonymous=anonymous))
    state = logic.run(texts, now=now, lang=lang)
    read_only = logic.read_only(state, now=now, lang=lang)
    if read_only:  # never the posted value: the default (a calculation, if any, is applied by run)
        defaults = logic.defaults(now=now, lang=lang)
        for name in read_only:
            texts[name] = defaults.get(name, "")
        state = logic.run(texts, now=now, lang=lang)
    answers: list[dict] = []
    messages: dict[str, str] = {}
    for item in form.questions:
        question = item.question
        name = question.name
        if not state.relevant.get(name, True):
            errors.pop(name, None)  # not relevant: nothing stored, nothing checked
            continue
        if name in state.calculated or name in read_only:
            fixed = state.calculated.get(name, texts.get(name, ""))
            errors.pop(name, None)
            rows_of[name] = _rows(question, fixed)
            values[item.name] = fixed.split() if item.type == "select_multiple" else fixed
        if name in errors:
            continue
        found = state.errors.get(name)
        if found:
            errors[name] = found[0]
            own = state.message(name, lang, form.default_lang)
            if own:
                messages[name] = own
            continue
        answers.extend(rows_of.get(name, ()))
    for question in form.computed:
        name = question.name
        if not state.relevant.get(name, True):
            continue
        value = state.calculated.get(name, "") if question.type in CALCULATED else texts.get(name, "")
        if value:
            answers.append({"question_id": question.id, "value": value[:MAX_TEXT]})
    on_page = form.questions if scope is None else [i for i in form.questions if i.question.name in scope]
    added = added_questions(on_page, state, shown)
    for name in added:  # a question the person has not seen yet: no error for it on this round
        errors.pop(name, None)
        messages.pop(name, None)
    return Validation(answers=answers, errors=errors, values=values, messages=messages, added=added)


def _rows(question: QuestionSpec, value: str) -> list[dict]:
    """The Answer rows of a computed value (a calculation or a read-only default); none if it does not fit
    the question's type (a form's calculation giving 2.5 for an integer question)."""
    try:
        return parse_answer(question, value)
    except AnswerError:
        return []


def _error_code(question: QuestionSpec, raw: Any) -> str:
    if question.type in ("select_one", "select_multiple"):
        return "invalid_choice"
    if question.type in ("integer", "decimal", "date", "time", "datetime", "range", "rank", "geopoint"):
        return question.type
    return "text_too_long" if isinstance(raw, str) and len(raw.strip()) > MAX_TEXT else "text_invalid"
