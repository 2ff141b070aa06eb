"""The safe-editing rule for logic on a survey with answers: a new condition or restriction may not make
stored answers wrong.

Like the other rules (surveys.builder.questions: answered questions keep their type, code and answered
options), a change of logic is allowed while it keeps the stored answers meaningful, and refused otherwise:
every stored response is read with the form's logic before and after the change (surveys.logic.runtime, the
respondent page's rules), and the change is refused when, in some response, an answered question would become
hidden (its answer would then be one the form never asks for) or a stored answer would fail a restriction it
met before. Removing or loosening a condition or a restriction, and any change on a survey without answers,
is always allowed. A form with repeats and answers is left to the XLSForm (its instances are not checked here).
"""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from sqlalchemy import select

from crm.core.extensions import db
from crm.core.timeutil import utcnow
from surveys.builder.base import BuilderError
from surveys.logic.runtime import FormLogic
from surveys.models import Answer, Question
from surveys.models import Response as SurveyResponse

SHOWN = 3  # how many response numbers a refusal names


def stored_texts(survey_id: int, questions: list[Question]) -> dict[int, dict[str, str]]:
    """Each stored response's answers as the logic reads them: {response id: {name: text}}."""
    names = {q.id: q.name for q in questions if q.name}
    choice_names = {c.id: c.name for q in questions for c in q.choices}
    rows = db.session.execute(
        select(Answer.response_id, Answer.question_id, Answer.choice_id, Answer.value)
        .join(SurveyResponse, SurveyResponse.id == Answer.response_id)
        .where(SurveyResponse.survey_id == survey_id).order_by(Answer.response_id, Answer.id))
    texts: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for response_id, question_id, choice_id, value in rows:
        name = names.get(question_id)
        if name is None:
            continue
        text = choice_names.get(choice_id, "") if choice_id is not None else (value or "")
        if text:
            texts[response_id][name].append(text)
    return {rid: {name: " ".join(parts) for name, parts in answers.items()} for rid, answers in texts.items()}


def _problems(logic: FormLogic, texts: dict[str, str], now) -> set[tuple[str, str]]:
    state = logic.run(texts, now=now)
    found = {("hidden", name) for name in texts if name in state.relevant and not state.relevant[name]}
    found |= {("constraint", name) for name, (code, _m) in state.errors.items()
              if code == "constraint" and texts.get(name)}
    return found


def _proxy(question: Question, logic: dict | None = None) -> SimpleNamespace:
    return SimpleNamespace(type=question.type, name=question.name, required=question.required,
                           logic=question.logic if logic is None else logic, choices=list(question.choices))


def refuse_breaking_answers(question: Question, new_logic: dict) -> None:
    """Refuses giving `question` the logic `new_logic` when it would hide or invalidate stored answers."""
    survey = question.survey
    questions = sorted(survey.questions, key=lambda q: (q.position, q.id or 0))
    responses = stored_texts(survey.id, questions)
    if not responses:
        return
    if any(q.type == "begin_repeat" for q in questions):
        raise BuilderError("Esta encuesta ya tiene respuestas y grupos repetibles: cambie su lógica en el archivo "
                           "XLSForm, donde se revisan las respuestas de cada repetición.")
    before = FormLogic([_proxy(q) for q in questions])
    after = FormLogic([_proxy(q, new_logic if q is question else None) for q in questions])
    now = utcnow()
    broken: dict[tuple[str, str], list[int]] = defaultdict(list)
    for response_id, texts in sorted(responses.items()):
        for problem in sorted(_problems(after, texts, now) - _problems(before, texts, now)):
            broken[problem].append(response_id)
    if not broken:
        return
    (kind, name), ids = next(iter(sorted(broken.items())))
    count = len(ids)
    which = f"{count} respuesta{'' if count == 1 else 's'} guardada{'' if count == 1 else 's'}"
    if kind == "hidden":
        raise BuilderError(f"Con esa condición, «{name}» quedaría oculta en {which} que sí la contestaron, y esas "
                           "respuestas perderían su sentido. La encuesta ya tiene respuestas: elija una condición que "
                           "se cumpla en ellas o deje la pregunta sin condición.")
    raise BuilderError(f"Con esa restricción, la respuesta guardada de «{name}» dejaría de cumplirla en {which}. "
                       "La encuesta ya tiene respuestas: use una restricción que las respuestas recibidas cumplan.")
