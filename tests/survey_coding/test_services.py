"""The code book and the assignments: constraints in the database and in Spanish, bulk assignment, cascades,
and the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from crm.core.audit import AuditEntry
from crm.core.errors import DomainError
from crm.core.extensions import db
from surveys.coding import services
from surveys.coding.models import AnswerCode, CodeAssignment
from surveys.models import Response, Survey
from tests.factories import make_user
from tests.survey_coding.helpers import commented_survey, opinion_answers


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_a_duplicate_label_is_refused_in_spanish_whatever_its_case_accents_or_spaces(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    services.create_code(question, "Trato del personal", actor=user)
    for same in ("trato del personal", "  TRATO   DEL PERSONAL ", "Trató del personal"):
        with pytest.raises(DomainError, match="Ya existe el código «Trato del personal» en esta pregunta"):
            services.create_code(question, same, actor=user)
    with pytest.raises(DomainError, match="Escriba el nombre del código"):
        services.create_code(question, "   ", actor=user)
    with pytest.raises(DomainError, match="Solo las preguntas de texto abierto"):
        services.create_code(survey.questions[0], "Horario", actor=user)
    # another question may have a code of that name
    other = commented_survey()
    services.create_code(other.questions[1], "Trato del personal", actor=user)
    horario = services.create_code(question, "Horario", actor=user)
    with pytest.raises(DomainError, match="Ya existe el código «Trato del personal»"):
        services.rename_code(horario, "TRATO del personal", actor=user)
    assert [c.label for c in services.codes_of(question)] == ["Trato del personal", "Horario"]


def test_the_database_itself_refuses_a_duplicate_key_an_empty_label_and_a_repeated_assignment(app):
    survey = commented_survey()
    question = survey.questions[1]
    db.session.add(AnswerCode(question_id=question.id, label="Horario", label_key="horario"))
    db.session.commit()
    for bad in (AnswerCode(question_id=question.id, label="HORARIO", label_key="horario"),
                AnswerCode(question_id=question.id, label="", label_key="")):
        db.session.add(bad)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    code = db.session.scalar(select(AnswerCode))
    answer_id = next(iter(opinion_answers(survey).values()))
    db.session.add(CodeAssignment(answer_id=answer_id, code_id=code.id))
    db.session.commit()
    db.session.add(CodeAssignment(answer_id=answer_id, code_id=code.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_assign_and_unassign_in_bulk_and_save_a_page(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    horario = services.create_code(question, "Horario", actor=user)
    trato = services.create_code(question, "Trato del personal", actor=user)
    ids = list(opinion_answers(survey).values())
    assert services.assign(question, ids[:3], [horario.id, trato.id], actor=user) == 6
    assert services.assign(question, ids[:4], [horario.id], actor=user) == 1  # the three already coded are left
    assert services.unassign(question, ids[:2], [trato.id], actor=user) == 2
    codes = services.answer_codes(ids)
    assert codes[ids[0]] == {horario.id} and codes[ids[2]] == {horario.id, trato.id} and codes[ids[4]] == set()
    # a page saved as ticked: what is not ticked on the page is taken away, other pages stay
    assert services.save_page(question, {ids[0]: [trato.id], ids[1]: []}, actor=user) == (1, 2)
    codes = services.answer_codes(ids)
    assert codes[ids[0]] == {trato.id} and codes[ids[1]] == set() and codes[ids[2]] == {horario.id, trato.id}
    assignment = db.session.scalar(select(CodeAssignment).where(CodeAssignment.answer_id == ids[0]))
    assert assignment.assigned_by_id == user.id and assignment.assigned_at is not None
    # answers or codes of another question are refused, and nothing is written
    other = commented_survey()
    foreign = services.create_code(other.questions[1], "Sede", actor=user)
    before = _count(CodeAssignment)
    with pytest.raises(DomainError, match="Algunos códigos ya no existen o no son de esta pregunta"):
        services.assign(question, ids, [foreign.id], actor=user)
    with pytest.raises(DomainError, match="Algunas respuestas ya no existen o no son de esta pregunta"):
        services.assign(question, list(opinion_answers(other).values()), [horario.id], actor=user)
    assert _count(CodeAssignment) == before


def test_deleting_an_assigned_code_asks_for_confirmation_and_removes_its_assignments(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    horario = services.create_code(question, "Horario", actor=user)
    sede = services.create_code(question, "Sugerencia de sede", actor=user)
    ids = list(opinion_answers(survey).values())
    services.assign(question, ids[:2], [horario.id], actor=user)
    with pytest.raises(DomainError, match="está asignado a 2 respuestas: confirme"):
        services.delete_code(horario, actor=user)
    assert _count(CodeAssignment) == 2
    assert services.delete_code(sede, actor=user) == 0  # unassigned: at once
    assert services.delete_code(horario, confirmed=True, actor=user) == 2
    assert _count(CodeAssignment) == 0 and _count(AnswerCode) == 0


def test_assignments_go_with_their_response_and_everything_with_the_survey(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    code = services.create_code(question, "Horario", actor=user)
    ids = list(opinion_answers(survey).values())
    services.assign(question, ids, [code.id], actor=user)
    response = db.session.scalar(select(Response).join(Response.answers).where(Response.answers.any(id=ids[0])))
    db.session.delete(response)
    db.session.commit()
    assert _count(CodeAssignment) == len(ids) - 1
    db.session.delete(db.session.get(Survey, survey.id))
    db.session.commit()
    assert _count(CodeAssignment) == 0 and _count(AnswerCode) == 0


def test_every_change_is_audited_with_ids_never_the_comments(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    code = services.create_code(question, "Horario", actor=user)
    services.rename_code(code, "Horarios", actor=user)
    ids = list(opinion_answers(survey).values())
    services.assign(question, ids[:2], [code.id], actor=user)
    services.unassign(question, ids[:1], [code.id], actor=user)
    services.save_page(question, {ids[2]: [code.id]}, actor=user)
    services.delete_code(code, confirmed=True, actor=user)
    assert _actions() == ["surveys.code_create", "surveys.code_rename", "surveys.code_assign",
                          "surveys.code_unassign", "surveys.coding_save", "surveys.code_delete"]
    entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
    assert all(e.actor_id == user.id and e.target_type == "Survey" and e.target_id == str(survey.id)
               for e in entries)
    assert entries[1].details["from"] == "Horario" and entries[1].details["to"] == "Horarios"
    assert entries[2].details["assigned"] == [[ids[0], code.id], [ids[1], code.id]]
    assert entries[5].details["assignments"] == 2
    assert "horario fue" not in repr([e.details for e in entries]).lower()
