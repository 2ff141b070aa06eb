"""Writing a question's condition and restriction from the builder, the way the XLSForm import stores them.

The source (from the simple editors of surveys.builder.conditions, or typed as an XLSForm expression) is
compiled by surveys.logic.expressions.compile_expression, the compiler of the import, and stored in
`question.logic` as `{"src", "tree"}` under `relevant` or `constraint`, with `constraint_message` per language:
the respondent page, the responses import and `export-form` read it as they read an imported form's.

Refused, with a Spanish message naming the problem: an expression the compiler refuses; a reference to a
question the survey does not have, to the question itself (a condition), to a section or a note, or into a
repeat; a condition that would make questions depend on each other in a circle; and, on a survey with answers,
a change that would break stored answers (surveys.builder.answers_check).
"""

from __future__ import annotations

from crm.core.extensions import db
from surveys.builder.answers_check import refuse_breaking_answers
from surveys.builder.base import MAX_LABEL, BuilderError, clean_texts, commit_change, is_editable
from surveys.builder.conditions import Candidate
from surveys.builder.safety import CLOSERS, containers
from surveys.logic.expressions import ExpressionError, compile_expression, references
from surveys.models import Question, Survey

EDITED_KEYS = ("relevant", "constraint")
NO_ANSWER = ("begin_group", "end_group", "begin_repeat", "end_repeat", "note")
KEY_NAMES = {"relevant": "La condición", "constraint": "La restricción"}


def ordered(survey: Survey) -> list[Question]:
    return sorted(survey.questions, key=lambda q: (q.position, q.id or 0))


def in_repeat(survey: Survey) -> set[int]:
    """The ids of the questions inside a repeat, and of the repeats themselves."""
    around = containers(ordered(survey))
    return {q.id for q in survey.questions
            if q.type == "begin_repeat" or any(c.type == "begin_repeat" for c in around[id(q)])}


def candidates(question: Question) -> dict[str, Candidate]:
    """The questions before this one that a condition may read (answerable, outside repeats), by code."""
    survey = question.survey
    repeated = in_repeat(survey)
    found: dict[str, Candidate] = {}
    for item in ordered(survey):
        if item is question:
            break
        if item.type in NO_ANSWER or not item.name or "/" in item.name or item.id in repeated:
            continue
        found[item.name] = Candidate(item.name, item.type, item.label("es") or item.name,
                                     [(c.name, c.label("es") or c.name) for c in item.choices])
    return found


def compiled(source: str, what: str) -> list:
    """The tree of `source`, or BuilderError with the compiler's Spanish message."""
    try:
        return compile_expression(source)
    except ExpressionError as exc:
        raise BuilderError(f"{what} no es una expresión XLSForm válida: {exc}. No se guardó ningún "
                           "cambio.") from None


def _refuse_references(question: Question, key: str, tree: list) -> None:
    survey = question.survey
    by_name = {q.name: q for q in survey.questions if q.name}
    repeated = in_repeat(survey)
    what = KEY_NAMES[key]
    for name in sorted(references(tree)):
        target = by_name.get(name)
        if target is None:
            raise BuilderError(f"{what} usa ${{{name}}}, pero la encuesta no tiene una pregunta con ese código. "
                               "Escriba el código de una pregunta existente.")
        if target is question and key == "relevant":
            raise BuilderError(f"{what} usa ${{{name}}}, que es esta misma pregunta: una pregunta no puede "
                               "depender de su propia respuesta para mostrarse.")
        if target.type in NO_ANSWER:
            raise BuilderError(f"{what} usa ${{{name}}}, que es una sección o una nota y no tiene respuesta.")
        if target.id in repeated:
            raise BuilderError(f"{what} usa ${{{name}}}, que está en un grupo repetible: una condición así se "
                               "escribe en el archivo XLSForm.")


def _depends(survey: Survey, start: set[str], goal: str) -> list[str] | None:
    """A chain of conditions and calculations from `start` to `goal`, if there is one."""
    logic_of = {q.name: q.logic or {} for q in survey.questions if q.name}
    seen: set[str] = set()
    stack = [(name, [name]) for name in sorted(start)]
    while stack:
        name, path = stack.pop()
        if name == goal:
            return path
        if name in seen:
            continue
        seen.add(name)
        for key in ("relevant", "calculation"):
            entry = logic_of.get(name, {}).get(key)
            if isinstance(entry, dict) and entry.get("tree"):
                stack.extend((ref, [*path, ref]) for ref in references(entry["tree"]))
    return None


def _refuse_circle(question: Question, tree: list) -> None:
    chain = _depends(question.survey, references(tree), question.name or "")
    if chain:
        shown = " → ".join(f"«{name}»" for name in [question.name, *chain])
        raise BuilderError(f"La condición formaría un círculo ({shown}): cada pregunta esperaría a la otra para "
                           "mostrarse. Elija otra pregunta.")


def _check_editable(question: Question, key: str) -> None:
    if not is_editable(question):
        raise BuilderError("Esta pregunta se edita en el archivo XLSForm: vuelva a importar el formulario con el "
                           "cambio.")
    if question.type in CLOSERS:
        raise BuilderError("El fin de una sección no tiene condición: edite la sección.")
    if key == "constraint" and question.type in NO_ANSWER:
        raise BuilderError("Una sección o una nota no tiene respuesta: no lleva restricción.")
    if question.id in in_repeat(question.survey):
        raise BuilderError("Esta pregunta está en un grupo repetible: su lógica se edita en el archivo XLSForm.")


def _apply(question: Question, key: str, source: str, messages: dict[str, str] | None) -> str | None:
    """Sets the question's `key` (compiled) in the session; the stored source, or None when nothing changed."""
    if key not in EDITED_KEYS:
        raise ValueError(key)
    _check_editable(question, key)
    source = " ".join((source or "").split())
    logic = dict(question.logic or {})
    if source:
        tree = compiled(source, KEY_NAMES[key])
        _refuse_references(question, key, tree)
        if key == "relevant":
            _refuse_circle(question, tree)
        logic[key] = {"src": source, "tree": tree}
    else:
        logic.pop(key, None)
    if key == "constraint":
        languages = list(question.survey.languages or ["es"])
        texts = clean_texts(messages or {}, MAX_LABEL, languages)
        texts = {lang: text.replace("\n", " ") for lang, text in texts.items()}
        kept = {lang: text for lang, text in (logic.get("constraint_message") or {}).items()
                if lang not in ("es", "en")}
        if source and (texts or kept):
            logic["constraint_message"] = {**kept, **texts}
        else:
            logic.pop("constraint_message", None)
    if logic == (question.logic or {}):
        return None
    refuse_breaking_answers(question, logic)
    question.logic = logic
    db.session.flush()
    return source


def set_logic(question: Question, key: str, source: str, *, messages: dict[str, str] | None = None,
              actor=None) -> Question:
    """Stores (or, with an empty source, removes) the question's condition or restriction, compiled."""
    return set_expressions(question, {key: source}, messages=messages, actor=actor)


def set_expressions(question: Question, sources: dict[str, str], *, messages: dict[str, str] | None = None,
                    actor=None) -> Question:
    """Stores several of the question's expressions at once (all or none: the first problem refuses all)."""
    changed = {}
    for key, source in sources.items():
        stored = _apply(question, key, source, messages if key == "constraint" else None)
        if stored is not None:
            changed[key] = stored or None
    if changed:
        commit_change(question.survey, "surveys.question_logic", {"question": question.name, **changed}, actor)
    return question


def source_of(question: Question, key: str) -> str:
    entry = (question.logic or {}).get(key)
    return str(entry.get("src") or "") if isinstance(entry, dict) else ""

