"""Building a survey on the web: its questions, choices, sections and their order (a new survey, its
settings and duplicates: surveys.builder.settings; the vocabulary: surveys.builder.base).

Plain functions over the models (the routes in surveys/builder/views.py parse the forms and call these).
They own the transaction and raise BuilderError (a Spanish message for the user) when a rule is broken.

The rule that protects stored answers: once a question has answers its type and code cannot change and it
cannot be deleted, and an answered option cannot be deleted or renamed; labels, hints, the required and
indicator flags and the positive marks can always be corrected, and new questions can always be added.

The rules that protect a form's XLSForm logic are in surveys.builder.safety: these functions keep every
expression, message and parameter as it is (conditions and restrictions are written by
surveys.builder.logic_edit), and only edit the types the builder offers (base.EDITABLE_TYPES). Moves to any
place and sections: surveys.builder.order.
"""

from __future__ import annotations

from crm.core.extensions import db
from surveys.builder.base import (
    BUILDER_LANGUAGES,
    KINDS,
    MAX_CHOICE_LABEL,
    MAX_LABEL,
    SELECT_TYPES,
    XLSFORM_ONLY,
    BuilderError,
    ChoiceData,
    Kind,
    QuestionData,
    answered_choice_ids,
    clean_text,
    clean_texts,
    commit_change,
    is_answered,
    is_editable,
    name_from,
    name_problem,
    preset_choices,
    renumber,
    unique_name,
)
from surveys.builder.safety import (
    CLOSERS,
    OPENERS,
    label_refs,
    refuse_choice_change,
    refuse_if_used,
    refuse_move,
    refuse_retype_with_logic,
    refuse_section_with_condition,
    well_formed,
    with_label_refs,
)
from surveys.models import Choice, Question, Survey
from surveys.xlsform.model import MAX_NAME

# --------------------------------------------------------------------------- questions

def _choices(data: QuestionData, qtype: str, languages: list[str]) -> list[ChoiceData]:
    rows = [c for c in data.choices if c.id is not None or c.name.strip() or any(v.strip() for v in c.labels.values())]
    if not rows and data.kind in ("scale", "yesno"):
        rows = preset_choices(data.kind, data.scale)
    problems = []
    explicit = {clean_text(c.name, MAX_NAME + 1) for c in rows} - {""}
    seen: set[str] = set()
    cleaned = []
    for number, choice in enumerate(rows, start=1):
        labels = clean_texts(choice.labels, MAX_CHOICE_LABEL, languages)
        labels = {lang: text.replace("\n", " ") for lang, text in labels.items()}
        name = clean_text(choice.name, MAX_NAME + 1)
        if not labels.get("es"):
            problems.append(f"Opción {number}: escriba su etiqueta en español.")
        if not name:
            name = unique_name(name_from(labels.get("es", ""), "opcion"), seen | explicit)
        problem = name_problem(name)
        if problem:
            problems.append(f"Opción {number}: el código «{name[:40]}» {problem}.")
        elif name in seen:
            problems.append(f"Opción {number}: el código «{name}» se repite; cada opción necesita uno distinto.")
        seen.add(name)
        cleaned.append(ChoiceData(name=name, labels=labels, positive=bool(choice.positive), id=choice.id))
    minimum = 2 if qtype == "select_one" else 1
    if len(cleaned) < minimum:
        problems.append("Agregue al menos dos opciones." if minimum == 2 else "Agregue al menos una opción.")
    if data.indicator and cleaned and not any(c.positive for c in cleaned):
        problems.append("Una pregunta del indicador necesita al menos una opción marcada como positiva.")
    if problems:
        raise BuilderError(" ".join(problems))
    return cleaned


def _checked(survey: Survey, data: QuestionData) -> tuple[Kind, dict, dict, list]:
    kind = KINDS.get(data.kind)
    if kind is None:
        raise BuilderError("Elija un tipo de pregunta válido.")
    languages = list(survey.languages or ["es"])
    labels = clean_texts(data.labels, MAX_LABEL, languages)
    hints = clean_texts(data.hints, MAX_LABEL, languages)
    if not labels.get("es"):
        what = "el título de la sección" if kind.type == "begin_group" else "el texto de la pregunta"
        raise BuilderError(f"Escriba {what} en español.")
    if kind.type == "begin_group":
        labels = {lang: text.replace("\n", " ") for lang, text in labels.items()}
    if data.indicator and kind.type != "select_one":
        raise BuilderError("Solo una pregunta de opción única (también escala o sí/no) puede ser pregunta del "
                           "indicador.")
    choices = _choices(data, kind.type, languages) if kind.type in SELECT_TYPES else []
    return kind, labels, hints, choices


def _question_name(survey: Survey, data: QuestionData, kind: Kind, labels: dict, question: Question | None) -> str:
    taken = {q.name for q in survey.questions if q.name and q is not question}
    if question is not None and question.name and data.name == question.name:
        return question.name  # kept as imported (a name reused in another group is stored as its path)
    name = clean_text(data.name, MAX_NAME + 1)
    if not name:
        if question is not None and question.name:
            return question.name
        fallback = "seccion" if kind.type == "begin_group" else ("nota" if kind.type == "note" else "pregunta")
        return unique_name(name_from(labels.get("es", ""), fallback), taken)
    problem = name_problem(name)
    if problem:
        raise BuilderError(f"El código de la pregunta «{name[:40]}» {problem}.")
    if name in taken:
        raise BuilderError(f"Ya hay otra pregunta con el código «{name}» en esta encuesta.")
    return name


def add_question(survey: Survey, data: QuestionData, *, actor=None) -> Question:
    """A new question at the end of the survey (a section adds its opening and its closing)."""
    kind, labels, hints, choices = _checked(survey, data)
    name = _question_name(survey, data, kind, labels, None)
    refs = label_refs(survey, None, labels, hints)
    ordered = renumber(survey)
    position = len(ordered)
    structural = kind.type in ("note", "begin_group")
    question = Question(position=position, type=kind.type, name=name,
                        list_name=name if kind.type in SELECT_TYPES else None, labels=labels, hints=hints,
                        required=bool(data.required) and not structural,
                        indicator=bool(data.indicator) and kind.type == "select_one", appearance=kind.appearance,
                        logic=with_label_refs({}, refs))
    for cpos, choice in enumerate(choices):
        question.choices.append(Choice(position=cpos, name=choice.name, labels=choice.labels,
                                       positive=choice.positive))
    survey.questions.append(question)
    if kind.type == "begin_group":
        survey.questions.append(Question(position=position + 1, type="end_group", name=None, labels={}, hints={}))
    db.session.flush()
    commit_change(survey, "surveys.question_add", {"question": name, "type": kind.type}, actor)
    return question


def update_question(question: Question, data: QuestionData, *, actor=None) -> Question:
    """Edits a question; the rules that keep stored answers intact are checked first."""
    survey = question.survey
    if question.type == "end_group":
        raise BuilderError("El fin de una sección no se edita: edite la sección.")
    if not is_editable(question):
        raise BuilderError(f"{XLSFORM_ONLY}: vuelva a importar el formulario con el cambio.")
    kind, labels, hints, choices = _checked(survey, data)
    answered = is_answered(question)
    if kind.type != question.type:
        refuse_retype_with_logic(question)
        refuse_if_used(survey, question, "retype")
        if answered:
            raise BuilderError("Esta pregunta ya tiene respuestas: no puede cambiar su tipo, porque las respuestas "
                               "guardadas dejarían de tener sentido. Puede corregir sus textos o añadir una "
                               "pregunta nueva.")
        if "begin_group" in (kind.type, question.type):
            raise BuilderError("Una sección no puede convertirse en pregunta ni al revés.")
    name = _question_name(survey, data, kind, labels, question)
    if name != question.name and answered:
        raise BuilderError("Esta pregunta ya tiene respuestas: su código no puede cambiar (las exportaciones e "
                           "importaciones de respuestas lo usan).")
    if name != question.name:
        refuse_if_used(survey, question, "rename")
    labels, hints = _keep_other(question.labels, labels), _keep_other(question.hints, hints)
    refs = label_refs(survey, question, labels, hints)
    if kind.type in SELECT_TYPES:
        refuse_choice_change(survey, question, {c.id: c.name for c in choices if c.id is not None})
        _apply_choices(question, choices, answered)
    else:
        question.choices.clear()
    question.list_name = (question.list_name or name) if kind.type in SELECT_TYPES else None
    retyped = kind.type != question.type
    question.type, question.name = kind.type, name
    question.labels, question.hints = labels, hints
    structural = kind.type in ("note", "begin_group")
    if not (question.logic or {}).get("required"):  # «required if …» comes from the XLSForm and is kept
        question.required = bool(data.required) and not structural
    question.indicator = bool(data.indicator) and kind.type == "select_one"
    question.appearance = kind.appearance if retyped else _appearance(question.appearance, kind.appearance)
    question.logic = with_label_refs(question.logic, refs)
    db.session.flush()
    commit_change(survey, "surveys.question_edit", {"question": name}, actor)
    return question


def _apply_choices(question: Question, rows: list[ChoiceData], answered: bool) -> None:
    existing = {c.id: c for c in question.choices}
    used = answered_choice_ids(question) if answered else set()
    kept_ids = {row.id for row in rows if row.id is not None}
    for row in rows:
        if row.id is not None and row.id not in existing:
            raise BuilderError("Una de las opciones ya no existe; recargue la página.")
    for choice in question.choices:
        if choice.id not in kept_ids and choice.id in used:
            raise BuilderError(f"La opción «{choice.label('es')}» ya fue elegida en respuestas guardadas: no se "
                               "puede eliminar. Puede corregir su etiqueta.")
    for row in rows:
        if row.id is not None and row.id in used and existing[row.id].name != row.name:
            raise BuilderError(f"La opción «{existing[row.id].label('es')}» ya fue elegida en respuestas "
                               "guardadas: su código no puede cambiar.")
    # remove first (codes must stay unique per question), then update and add
    for choice in list(question.choices):
        if choice.id not in kept_ids:
            question.choices.remove(choice)
    db.session.flush()
    renamed = [row for row in rows if row.id is not None and existing[row.id].name != row.name]
    for index, row in enumerate(renamed):  # a swap of two codes must not collide in between
        existing[row.id].name = f"__tmp{index}_{row.id}"
    if renamed:
        db.session.flush()
    for position, row in enumerate(rows):
        if row.id is not None:
            choice = existing[row.id]
            choice.name, choice.positive, choice.position = row.name, row.positive, position
            choice.labels = _keep_other(choice.labels, row.labels)
        else:
            question.choices.append(Choice(position=position, name=row.name, labels=row.labels,
                                           positive=row.positive))


def _appearance(stored: str | None, builder: str) -> str:
    """The imported appearance kept (minimal, likert, field-list...), with the builder's multiline on or off."""
    tokens = [t for t in (stored or "").split() if t != "multiline"]
    if builder:
        tokens.append(builder)
    return " ".join(tokens)[:80]


def _keep_other(stored: dict | None, edited: dict[str, str]) -> dict[str, str]:
    """The edited texts, plus those in languages the builder does not edit (from an imported XLSForm)."""
    kept = {lang: text for lang, text in (stored or {}).items() if lang not in BUILDER_LANGUAGES and text}
    return {**kept, **edited}


def _group_end(ordered: list[Question], start: int) -> int:
    depth = 0
    for index in range(start, len(ordered)):
        if ordered[index].type == "begin_group":
            depth += 1
        elif ordered[index].type == "end_group":
            depth -= 1
            if depth == 0:
                return index
    raise BuilderError("La sección no tiene cierre; revise el orden de las preguntas.")


def delete_question(question: Question, *, actor=None) -> None:
    """Deletes an unanswered question; deleting a section keeps its questions."""
    survey = question.survey
    if question.type == "end_group":
        raise BuilderError("Para quitar una sección, elimine la sección (sus preguntas se conservan).")
    if not is_editable(question):
        raise BuilderError(f"{XLSFORM_ONLY}: vuelva a importar el formulario sin ella.")
    refuse_if_used(survey, question, "delete")
    refuse_section_with_condition(question)
    if is_answered(question):
        raise BuilderError("Esta pregunta ya tiene respuestas: no se puede eliminar, porque se perderían las "
                           "respuestas guardadas. Puede corregir sus textos.")
    ordered = renumber(survey)
    doomed = [question]
    if question.type == "begin_group":
        doomed.append(ordered[_group_end(ordered, ordered.index(question))])
    name = question.name
    for item in doomed:
        survey.questions.remove(item)
    db.session.flush()
    renumber(survey)
    commit_change(survey, "surveys.question_delete", {"question": name}, actor)


def move_question(question: Question, direction: str, *, actor=None) -> None:
    """Swaps a question with its neighbour ("up" or "down"); sections must stay well formed."""
    survey = question.survey
    ordered = renumber(survey)
    index = ordered.index(question)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return
    before = list(ordered)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    if not well_formed(ordered):
        raise BuilderError("Ese movimiento dejaría una sección o un grupo repetible sin abrir o sin cerrar.")
    refuse_move(before, ordered)
    for position, item in enumerate(ordered):
        item.position = position
    commit_change(survey, "surveys.question_move", {"question": question.name, "direction": direction}, actor)


def section_titles(survey: Survey) -> dict[int, str]:
    """For each end_group (and end_repeat) question id, the title of the section (or repeat) it closes."""
    titles: dict[int, str] = {}
    stack: list[Question] = []
    for question in sorted(survey.questions, key=lambda q: (q.position, q.id or 0)):
        if question.type in OPENERS:
            stack.append(question)
        elif question.type in CLOSERS and stack:
            titles[question.id] = stack.pop().label("es")
    return titles


def depths(survey: Survey) -> dict[int, int]:
    """Nesting level of each question (0 outside sections) for the builder's indentation."""
    result: dict[int, int] = {}
    depth = 0
    for question in sorted(survey.questions, key=lambda q: (q.position, q.id or 0)):
        if question.type in CLOSERS:
            depth = max(depth - 1, 0)
        result[question.id] = depth
        if question.type in OPENERS:
            depth += 1
    return result
