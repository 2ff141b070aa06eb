"""The order of a survey's questions and its sections as first-class items (the builder's questions page).

- `move_before(question, target)`: a question, or a whole section or repeat (its opening, its questions and its
  end), moves before another item or to the end; the «move to position» select and keyboard or drag reordering
  use it, and `reorder(survey, ids)` saves a whole new order (the browser script sends it).
- `move_into_section(question, section)`: a question goes to the end of a section, or out of every section.
- `rename_section` and `delete_section`: a section's title; removing it keeps its questions where they are.

Every new order keeps sections well formed and passes surveys.builder.safety.refuse_move (no question enters
or leaves a repeat or a section with a condition).
"""

from __future__ import annotations

from crm.core.extensions import db
from surveys.builder.base import MAX_LABEL, BuilderError, clean_text, commit_change, renumber
from surveys.builder.safety import CLOSERS, OPENERS, refuse_move, well_formed
from surveys.models import Question, Survey


def block_of(ordered: list[Question], question: Question) -> list[Question]:
    """The question, or a section or repeat with everything up to its own end."""
    start = ordered.index(question)
    if question.type not in OPENERS:
        return [question]
    depth = 0
    for index in range(start, len(ordered)):
        if ordered[index].type in OPENERS:
            depth += 1
        elif ordered[index].type in CLOSERS:
            depth -= 1
            if depth == 0:
                return ordered[start:index + 1]
    raise BuilderError("La sección no tiene cierre; revise el orden de las preguntas.")


def _save(survey: Survey, before: list[Question], after: list[Question], details: dict, actor) -> None:
    if not well_formed(after):
        raise BuilderError("Ese orden dejaría una sección o un grupo repetible sin abrir o sin cerrar.")
    refuse_move(before, after)
    if [q.id for q in before] == [q.id for q in after]:
        return
    for position, item in enumerate(after):
        item.position = position
    commit_change(survey, "surveys.question_move", details, actor)


def move_before(question: Question, target: Question | None, *, actor=None) -> None:
    """Moves the question (a section or repeat with its content) before `target`, or to the end (None)."""
    survey = question.survey
    if question.type in CLOSERS:
        raise BuilderError("El fin de una sección se mueve con su sección.")
    ordered = renumber(survey)
    block = block_of(ordered, question)
    if target is not None and target in block:
        raise BuilderError("Una sección no puede moverse dentro de sí misma.")
    rest = [q for q in ordered if q not in block]
    index = rest.index(target) if target is not None else len(rest)
    after = rest[:index] + block + rest[index:]
    _save(survey, ordered, after, {"question": question.name, "before": target.name if target else None}, actor)


def reorder(survey: Survey, ids: list[int], *, actor=None) -> None:
    """Saves a whole new order, given as every question id of the survey (closings included) once."""
    ordered = renumber(survey)
    by_id = {q.id: q for q in ordered}
    if sorted(ids) != sorted(by_id):
        raise BuilderError("El orden enviado no corresponde a las preguntas actuales de la encuesta; recargue la "
                           "página e inténtelo de nuevo.")
    _save(survey, ordered, [by_id[i] for i in ids], {"order": "reordered"}, actor)


def sections(survey: Survey) -> list[Question]:
    """The survey's sections (begin_group), in order."""
    return [q for q in renumber(survey) if q.type == "begin_group"]


def move_into_section(question: Question, section: Question | None, *, actor=None) -> None:
    """Puts the question at the end of `section`, or (None) right after the outermost section around it."""
    survey = question.survey
    if question.type in CLOSERS:
        raise BuilderError("El fin de una sección se mueve con su sección.")
    ordered = renumber(survey)
    block = block_of(ordered, question)
    if section is not None:
        if section.type != "begin_group" or section.survey_id != survey.id:
            raise BuilderError("Elija una sección de esta encuesta.")
        if section in block:
            raise BuilderError("Una sección no puede meterse dentro de sí misma.")
        rest = [q for q in ordered if q not in block]
        end = block_of(rest, section)[-1]
        index = rest.index(end)
    else:
        outer = _outermost_section(ordered, question)
        if outer is None:
            return
        rest = [q for q in ordered if q not in block]
        index = rest.index(block_of(rest, outer)[-1]) + 1
    after = rest[:index] + block + rest[index:]
    _save(survey, ordered, after, {"question": question.name, "section": section.name if section else None}, actor)


def _outermost_section(ordered: list[Question], question: Question) -> Question | None:
    stack: list[Question] = []
    for item in ordered:
        if item is question:
            return next((q for q in stack if q.type == "begin_group"), None)
        if item.type in OPENERS:
            stack.append(item)
        elif item.type in CLOSERS and stack:
            stack.pop()
    return None


def section_of(survey: Survey) -> dict[int, int | None]:
    """For each question id, the id of the innermost section around it (None outside every section)."""
    result: dict[int, int | None] = {}
    stack: list[Question] = []
    for item in renumber(survey):
        if item.type in CLOSERS and stack:
            stack.pop()
            continue
        result[item.id] = next((q.id for q in reversed(stack) if q.type == "begin_group"), None)
        if item.type in OPENERS:
            stack.append(item)
    return result


def rename_section(section: Question, title_es: str, title_en: str = "", *, actor=None) -> None:
    if section.type != "begin_group":
        raise BuilderError("Solo se puede renombrar una sección.")
    title = clean_text(title_es, MAX_LABEL).replace("\n", " ")
    if not title:
        raise BuilderError("Escriba el título de la sección en español.")
    labels = dict(section.labels or {})
    labels["es"] = title
    english = clean_text(title_en, MAX_LABEL).replace("\n", " ")
    if "en" in (section.survey.languages or []):
        if english:
            labels["en"] = english
        else:
            labels.pop("en", None)
    section.labels = labels
    db.session.flush()
    commit_change(section.survey, "surveys.question_edit", {"question": section.name, "section": "rename"}, actor)
