"""The respondent form as the template shows it (`build_form`) and the check of a submission (`validate`).

The layout of the form in a language (its sections, items and choices) depends only on the survey's
questions and its default language, so for the cached question sets of surveys.respond.questions it is
built once per worker and language and shared by every request: FormView, Section, Item and ChoiceView
are read-only after build_form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from surveys.respond.questions import Questions, QuestionSpec, load_questions
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

    kind = "section"


@dataclass
class FormView:
    lang: str
    title: str
    description: str
    items: list[Item | Section]
    questions: list[Item]  # every answerable question, in order
    sections: int  # top-level sections (for "Section k of n")

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
    else:
        layout = _layout(questions, lang, default)
    items, answerable, top_sections = layout
    title, _ = _text(survey.titles, lang, default)
    description, _ = _text(survey.description, lang, default)
    return FormView(lang=lang, title=title or survey.title, description=description, items=items,
                    questions=answerable, sections=top_sections)


def _layout(questions: Sequence[QuestionSpec], lang: str, default: str) -> tuple[list, list[Item], int]:
    """(top-level items, answerable items in order, number of top-level sections)."""
    root: list[Item | Section] = []
    stack: list[Section] = []
    answerable: list[Item] = []
    top_sections = 0
    for question in questions:
        container = stack[-1].items if stack else root
        if question.type == "begin_group":
            title, title_lang = _text(question.labels, lang, default)
            section = Section(id=f"s{question.position}", title=title, title_lang=title_lang,
                              hint=_text(question.hints, lang, default)[0], level=min(2 + len(stack), 6))
            if not stack:
                top_sections += 1
                section.number = top_sections
            container.append(section)
            stack.append(section)
            continue
        if question.type == "end_group":
            if stack:
                stack.pop()
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
        )
        for index, choice in enumerate(question.choices):
            text, text_lang = _text(choice.labels, lang, default)
            item.choices.append(ChoiceView(id=f"{item.id}-{index}", value=choice.name, label=text or choice.name,
                                           lang=text_lang))
        container.append(item)
        if item.kind == "question":
            answerable.append(item)
    return root, answerable, top_sections


# --- checking a submission ------------------------------------------------------------------------


@dataclass
class Validation:
    answers: list[dict]  # rows for Answer: question_id, choice_id, value
    # question name -> error code (required, invalid_choice, integer, decimal, date, text_too_long,
    # text_invalid)
    errors: dict[str, str]
    values: dict[str, Any]  # field name -> posted text or list of chosen values, to show again

    @property
    def ok(self) -> bool:
        return not self.errors


def posted_values(form: FormView, data) -> dict[str, Any]:
    """What the respondent sent, per field, to show it again (`data` is a MultiDict-like mapping)."""
    values: dict[str, Any] = {}
    for item in form.questions:
        if item.type == "select_multiple":
            values[item.name] = [v for v in data.getlist(item.name) if isinstance(v, str)]
        else:
            raw = data.get(item.name)
            values[item.name] = raw if isinstance(raw, str) else ""
    return values


def validate(form: FormView, data) -> Validation:
    """Checks every answerable question with surveys.values.parse_answer (the rules the import uses too)."""
    values = posted_values(form, data)
    answers: list[dict] = []
    errors: dict[str, str] = {}
    for item in form.questions:
        question = item.question
        raw = values[item.name]
        try:
            rows = parse_answer(question, raw)
        except AnswerError:
            errors[question.name] = _error_code(question, raw)
            continue
        if not rows:
            if question.required:
                errors[question.name] = "required"
            continue
        answers.extend(rows)
    return Validation(answers=answers, errors=errors, values=values)


def _error_code(question: QuestionSpec, raw: Any) -> str:
    if question.type in ("select_one", "select_multiple"):
        return "invalid_choice"
    if question.type in ("integer", "decimal", "date"):
        return question.type
    return "text_too_long" if isinstance(raw, str) and len(raw.strip()) > MAX_TEXT else "text_invalid"
