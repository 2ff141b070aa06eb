"""The rules that keep a form's XLSForm logic intact while the builder edits it.

The builder writes two kinds of expression, a question's condition (relevant) and restriction (constraint),
through surveys.builder.logic_edit with the import's compiler (on a survey with answers only when no stored
answer breaks: surveys.builder.answers_check); every other expression (calculations, filters, required-if,
defaults, repeat counts) comes from an imported XLSForm and is kept as it is. So a change that would leave an
expression pointing at nothing or change what it means is refused, with a message naming the questions
concerned:

- a question other questions refer to (${name} in an expression, a label or a hint) keeps its code and cannot
  be deleted, and its type cannot change;
- a question with logic of its own keeps its type (a restriction or a filter is written for that type);
- a section with a condition cannot be removed (its questions would lose the condition), and no move may put
  a question into, or take it out of, a section with a condition or a repeat;
- an option whose code an expression of a question that uses its question writes ('si' in
  `selected(${trabajo}, 'si')`) keeps its code and cannot be removed;
- a label or hint may refer only to questions of the survey (${name}), and marks the question as such.
"""

from __future__ import annotations

from surveys.builder.base import BuilderError
from surveys.models import Question, Survey
from surveys.responses.describe import (
    EXPRESSION_LABELS,
    REF_PATTERN,
    expression_entries,
    logic_lines,
    users_of,
)

OPENERS = ("begin_group", "begin_repeat")
CLOSERS = {"end_group": "begin_group", "end_repeat": "begin_repeat"}
TYPED_LOGIC = (*(key for key, _label in EXPRESSION_LABELS), "or_other", "parameters")


def _names(questions: list[Question]) -> str:
    return ", ".join(f"«{q.name}»" for q in questions)


def refuse_if_used(survey: Survey, question: Question, action: str) -> None:
    """Refuses `action` ("delete", "rename", "retype") when other questions refer to the question."""
    if not question.name:
        return
    users = users_of(survey.questions, question.name, besides=question)
    if not users:
        return
    what = {"delete": "no se puede eliminar", "rename": "su código no puede cambiar",
            "retype": "su tipo no puede cambiar"}[action]
    raise BuilderError(f"La pregunta «{question.name}» {what}: la usan las condiciones, cálculos o textos de "
                       f"{_names(users)}. Cambie primero la lógica de esas preguntas («Condición y restricción», o el archivo "
                       "XLSForm).")


def refuse_retype_with_logic(question: Question) -> None:
    logic = question.logic or {}
    if any(logic.get(key) for key in TYPED_LOGIC):
        shown = "; ".join(line.label + (f": {line.src}" if line.src else "") for line in logic_lines(question))
        raise BuilderError(f"Esta pregunta tiene lógica del archivo XLSForm ({shown}): no puede cambiar su tipo "
                           "aquí, porque esa lógica está escrita para el tipo actual.")


def refuse_section_with_condition(question: Question) -> None:
    relevant = (question.logic or {}).get("relevant")
    if question.type == "begin_group" and relevant:
        raise BuilderError(f"La sección «{question.label('es')}» tiene una condición (Se muestra si: "
                           f"{relevant.get('src', '')}) que se aplica a sus preguntas: quitarla cambiaría cuándo "
                           "se muestran. Quite primero la condición de la sección (botón «Condición»).")


def label_refs(survey: Survey, question: Question | None, labels: dict, hints: dict) -> bool:
    """Whether the texts refer to questions (${name}); refuses a name that is not a question of the survey."""
    used = {name for texts in (labels, hints) for text in texts.values() for name in REF_PATTERN.findall(text)}
    known = {q.name for q in survey.questions if q.name}
    if question is not None and question.name:
        known.add(question.name)
    unknown = sorted(used - known)
    if unknown:
        listed = ", ".join(f"${{{name}}}" for name in unknown)
        raise BuilderError(f"El texto usa {listed}, pero la encuesta no tiene una pregunta con ese código. "
                           "Escriba el código de una pregunta existente o quite la referencia.")
    return bool(used)


def with_label_refs(logic: dict | None, refs: bool) -> dict:
    """The question's logic with `label_refs` set or cleared (a new dict: the column notices the change)."""
    updated = {key: value for key, value in (logic or {}).items() if key != "label_refs"}
    if refs:
        updated["label_refs"] = True
    return updated


def well_formed(ordered: list[Question]) -> bool:
    """Every section and repeat closes after it opens, with its own kind of end."""
    stack: list[str] = []
    for question in ordered:
        if question.type in OPENERS:
            stack.append(question.type)
        elif question.type in CLOSERS:
            if not stack or stack.pop() != CLOSERS[question.type]:
                return False
    return not stack


def containers(ordered: list[Question]) -> dict[int, tuple[Question, ...]]:
    """For each question (by id()), the sections and repeats around it, outermost first."""
    result: dict[int, tuple[Question, ...]] = {}
    stack: list[Question] = []
    for question in ordered:
        if question.type in CLOSERS and stack:
            stack.pop()
        result[id(question)] = tuple(stack)
        if question.type in OPENERS:
            stack.append(question)
    return result


def refuse_move(before: list[Question], after: list[Question]) -> None:
    """Refuses a new order that moves a question into or out of a repeat or a section with a condition."""
    old, new = containers(before), containers(after)
    for question in after:
        if question.type in CLOSERS:
            continue
        changed = set(old[id(question)]) ^ set(new[id(question)])
        for container in changed:
            if container.type == "begin_repeat":
                raise BuilderError(f"Ese movimiento metería o sacaría «{question.name}» del grupo repetible "
                                   f"«{container.label('es')}», lo que cambiaría la forma de sus respuestas. "
                                   "Cambie el orden en el archivo XLSForm.")
            if (container.logic or {}).get("relevant"):
                raise BuilderError(f"Ese movimiento metería o sacaría «{question.name}» de la sección "
                                   f"«{container.label('es')}», que tiene una condición (Se muestra si: "
                                   f"{container.logic['relevant'].get('src', '')}): cambiaría cuándo se muestra.")


def _literals(tree) -> set[str]:
    """The string literals of an expression tree."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list) and node:
            if node[0] == "str" and len(node) == 2 and isinstance(node[1], str):
                found.add(node[1])
            else:
                stack.extend(item for item in node[1:] if isinstance(item, list))
    return found


def refuse_choice_change(survey: Survey, question: Question, kept: dict[int, str]) -> None:
    """Refuses removing or renaming an option (kept: choice id -> its new code) whose code is written in an
    expression of a question that uses this one."""
    if not question.name:
        return
    users = users_of(survey.questions, question.name, besides=question)
    written = {}
    for user in users:
        for _key, entry in expression_entries(user):
            for literal in _literals(entry.get("tree")):
                written.setdefault(literal, user)
    for choice in question.choices:
        if choice.name in written and kept.get(choice.id) != choice.name:
            raise BuilderError(f"La opción «{choice.label('es')}» no puede quitarse ni cambiar su código "
                               f"«{choice.name}»: la condición o el cálculo de «{written[choice.name].name}» lo usa. "
                               "Cambie primero esa lógica («Condición y restricción», o el archivo XLSForm).")
