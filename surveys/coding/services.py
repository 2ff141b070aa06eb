"""The operations on a question's code book and on the codes of its answers: plain functions that raise
DomainError with a Spanish message, own their transaction and record who did what in the audit log (the
comments may hold personal data, so the answers coded are named by id, never by their text)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from crm.core import audit
from crm.core.errors import DomainError
from crm.core.extensions import db
from crm.core.text import clean, fold
from surveys.coding.models import LABEL_MAX, AnswerCode, CodeAssignment
from surveys.models import Answer, Question

CODED_TYPES = ("text",)  # the open-text questions
DESCRIPTION_MAX = 500


def check_codable(question: Question) -> None:
    if question.type not in CODED_TYPES:
        raise DomainError("Solo las preguntas de texto abierto se codifican.")


def codes_of(question: Question) -> list[AnswerCode]:
    """The question's code book, in its order."""
    return list(db.session.scalars(select(AnswerCode).where(AnswerCode.question_id == question.id)
                                   .order_by(AnswerCode.position, AnswerCode.id)))


def _label(label: str) -> tuple[str, str]:
    text = clean(label)
    if not text:
        raise DomainError("Escriba el nombre del código.")
    if len(text) > LABEL_MAX:
        raise DomainError(f"El nombre del código admite hasta {LABEL_MAX} caracteres.")
    return text, fold(text)


def _description(description: str) -> str:
    text = clean(description)
    if len(text) > DESCRIPTION_MAX:
        raise DomainError(f"La descripción admite hasta {DESCRIPTION_MAX} caracteres.")
    return text


def _duplicate(question: Question, key: str, *, besides: int | None = None) -> AnswerCode | None:
    query = select(AnswerCode).where(AnswerCode.question_id == question.id, AnswerCode.label_key == key)
    if besides is not None:
        query = query.where(AnswerCode.id != besides)
    return db.session.scalar(query)


def _duplicate_message(label: str) -> str:
    return f"Ya existe el código «{label}» en esta pregunta (sin distinguir mayúsculas ni acentos)."


def _commit(label: str) -> None:
    """Commit; two people adding the same code at once: the database's unique key refuses the second."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise DomainError(_duplicate_message(label)) from None


def create_code(question: Question, label: str, description: str = "", *, actor) -> AnswerCode:
    check_codable(question)
    text, key = _label(label)
    if (existing := _duplicate(question, key)) is not None:
        raise DomainError(_duplicate_message(existing.label))
    position = db.session.scalar(select(func.coalesce(func.max(AnswerCode.position), -1))
                                 .where(AnswerCode.question_id == question.id)) + 1
    code = AnswerCode(question_id=question.id, label=text, label_key=key, description=_description(description),
                      position=position)
    db.session.add(code)
    db.session.flush()
    audit.record(actor, "surveys.code_create", question.survey,
                 {"question": question.name, "code": code.id, "label": text})
    _commit(text)
    return code


def rename_code(code: AnswerCode, label: str, description: str | None = None, *, actor) -> AnswerCode:
    text, key = _label(label)
    if (existing := _duplicate(code.question, key, besides=code.id)) is not None:
        raise DomainError(_duplicate_message(existing.label))
    before = code.label
    code.label, code.label_key = text, key
    if description is not None:
        code.description = _description(description)
    audit.record(actor, "surveys.code_rename", code.question.survey,
                 {"question": code.question.name, "code": code.id, "from": before, "to": text})
    _commit(text)
    return code


def assignment_count(code: AnswerCode) -> int:
    return db.session.scalar(select(func.count(CodeAssignment.id)).where(CodeAssignment.code_id == code.id)) or 0


def delete_code(code: AnswerCode, *, confirmed: bool = False, actor) -> int:
    """Delete a code; one assigned to answers only when `confirmed` (its assignments go with it). Returns how
    many assignments were removed."""
    assigned = assignment_count(code)
    if assigned and not confirmed:
        raise DomainError(f"El código «{code.label}» está asignado a {assigned} respuesta"
                          f"{'' if assigned == 1 else 's'}: confirme que desea eliminarlo con sus asignaciones.")
    question = code.question
    db.session.execute(delete(CodeAssignment).where(CodeAssignment.code_id == code.id))
    audit.record(actor, "surveys.code_delete", question.survey,
                 {"question": question.name, "code": code.id, "label": code.label, "assignments": assigned})
    db.session.delete(code)
    db.session.commit()
    return assigned


def _checked(question: Question, answer_ids: Iterable[int], code_ids: Iterable[int]) -> tuple[list[int], list[int]]:
    """The ids, each checked to belong to the question (its answers, its code book)."""
    answers, codes = sorted(set(answer_ids)), sorted(set(code_ids))
    if answers:
        found = set(db.session.scalars(select(Answer.id).where(Answer.id.in_(answers),
                                                                Answer.question_id == question.id)))
        if found != set(answers):
            raise DomainError("Algunas respuestas ya no existen o no son de esta pregunta; recargue la página.")
    if codes:
        found = set(db.session.scalars(select(AnswerCode.id).where(AnswerCode.id.in_(codes),
                                                                    AnswerCode.question_id == question.id)))
        if found != set(codes):
            raise DomainError("Algunos códigos ya no existen o no son de esta pregunta; recargue la página.")
    return answers, codes


def _current(answer_ids: list[int]) -> set[tuple[int, int]]:
    if not answer_ids:
        return set()
    return {(a, c) for a, c in db.session.execute(select(CodeAssignment.answer_id, CodeAssignment.code_id)
                                                  .where(CodeAssignment.answer_id.in_(answer_ids)))}


def _apply(question: Question, add: set[tuple[int, int]], remove: set[tuple[int, int]], actor, action: str) -> None:
    for answer_id, code_id in sorted(remove):
        db.session.execute(delete(CodeAssignment).where(CodeAssignment.answer_id == answer_id,
                                                        CodeAssignment.code_id == code_id))
    by = actor.id if getattr(actor, "id", None) is not None and hasattr(actor, "email") else None
    for answer_id, code_id in sorted(add):
        db.session.add(CodeAssignment(answer_id=answer_id, code_id=code_id, assigned_by_id=by))
    if add or remove:
        audit.record(actor, action, question.survey,
                     {"question": question.name, "assigned": [list(p) for p in sorted(add)],
                      "removed": [list(p) for p in sorted(remove)]})
    try:
        db.session.commit()
    except IntegrityError:  # someone assigned the same code to the same answer meanwhile
        db.session.rollback()
        raise DomainError("Otra persona cambió los códigos de estas respuestas al mismo tiempo; "
                          "recargue la página e inténtelo de nuevo.") from None


def assign(question: Question, answer_ids: Iterable[int], code_ids: Iterable[int], *, actor) -> int:
    """Assign every code to every answer (those already assigned are left); returns how many were added."""
    check_codable(question)
    answers, codes = _checked(question, answer_ids, code_ids)
    add = {(a, c) for a in answers for c in codes} - _current(answers)
    _apply(question, add, set(), actor, "surveys.code_assign")
    return len(add)


def unassign(question: Question, answer_ids: Iterable[int], code_ids: Iterable[int], *, actor) -> int:
    """Take every code from every answer; returns how many assignments were removed."""
    check_codable(question)
    answers, codes = _checked(question, answer_ids, code_ids)
    remove = {(a, c) for a in answers for c in codes} & _current(answers)
    _apply(question, set(), remove, actor, "surveys.code_unassign")
    return len(remove)


def save_page(question: Question, chosen: dict[int, Iterable[int]], *, actor) -> tuple[int, int]:
    """The codes of the answers of one page, as checked: `chosen` maps each answer shown to the codes ticked for
    it (none: every code taken from it). Returns (added, removed)."""
    check_codable(question)
    answers, _codes = _checked(question, chosen, (c for codes in chosen.values() for c in codes))
    wanted = {(a, c) for a in answers for c in set(chosen[a])}
    current = _current(answers)
    add, remove = wanted - current, current - wanted
    _apply(question, add, remove, actor, "surveys.coding_save")
    return len(add), len(remove)


def answer_codes(answer_ids: list[int]) -> dict[int, set[int]]:
    """answer id -> the ids of its codes."""
    result: dict[int, set[int]] = {a: set() for a in answer_ids}
    for answer_id, code_id in _current(answer_ids):
        result[answer_id].add(code_id)
    return result
