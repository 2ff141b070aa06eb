"""`select_one LIST or_other`: the choice `other` and its text question, as pyxform makes them.

pyxform adds to such a question the choice `other` and, right after it, a text question `NAME_other`
shown when `other` is chosen. Reading a form does the same (`expand_or_other`), so the respondent pages,
the responses file (a column `NAME_other`), the import and the export treat them as any other question; the
text question carries `logic["other_of"] = NAME`, and writing the form back (`collapse_or_other`) leaves
both out again and writes `or_other` in the type, as the author wrote it.
"""

from __future__ import annotations

from surveys.logic.expressions import compile_expression
from surveys.xlsform.model import ChoiceDef, QuestionDef

OTHER = "other"
CHOICE_LABELS = {"es": "Otra", "en": "Other"}
QUESTION_LABELS = {"es": "Especifique la otra opción", "en": "Specify other"}


def _texts(table: dict, languages: list[str]) -> dict:
    return {lang: table.get(lang.split("-")[0], table["en"]) for lang in languages}


def expand_or_other(questions: list[QuestionDef], languages: list[str]) -> tuple[list[QuestionDef], list[str]]:
    """-> (the questions with each or_other's choice and text question added, problems)."""
    names = {q.name for q in questions if q.name}
    expanded: list[QuestionDef] = []
    problems: list[str] = []
    for question in questions:
        expanded.append(question)
        if not question.logic.get("or_other"):
            continue
        if not any(choice.name == OTHER for choice in question.choices):
            question.choices = [*question.choices, ChoiceDef(OTHER, _texts(CHOICE_LABELS, languages))]
        name = f"{question.name}_other"
        if name in names:
            problems.append(f"survey: «{question.name}» usa or_other, que agrega la pregunta «{name}», y ese "
                            "nombre ya existe en el formulario")
            continue
        src = f"selected(${{{question.name}}}, '{OTHER}')"
        expanded.append(QuestionDef(type="text", name=name, labels=_texts(QUESTION_LABELS, languages),
                                    logic={"relevant": {"src": src, "tree": compile_expression(src)},
                                           "other_of": question.name}))
        names.add(name)
    return expanded, problems


def collapse_or_other(questions: list[QuestionDef]) -> list[QuestionDef]:
    """The questions as the author wrote them: without the added text questions and `other` choices."""
    kept: list[QuestionDef] = []
    for question in questions:
        if question.logic.get("other_of"):
            continue
        if question.logic.get("or_other") and question.choices and question.choices[-1].name == OTHER:
            question = QuestionDef(**{**question.__dict__, "choices": question.choices[:-1]})
        kept.append(question)
    return kept
