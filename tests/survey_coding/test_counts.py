"""Counts per code: responses with at least one answer coded with it, over the responses that answered the
question; the «sin codificar» remainder; excluded responses count nowhere."""

from __future__ import annotations

from crm.core.extensions import db
from surveys.coding import services
from surveys.coding.counts import question_codes
from surveys.models import Answer, Response
from surveys.responses.summaries import summarize
from tests.factories import make_survey, make_user
from tests.survey_coding.helpers import COMMENTS, commented_survey, opinion_answers


def test_counts_over_the_responses_that_answered_with_the_uncoded_remainder(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    horario = services.create_code(question, "Horario", actor=user)
    trato = services.create_code(question, "Trato del personal", actor=user)
    sede = services.create_code(question, "Sugerencia de sede", actor=user)
    ids = opinion_answers(survey)
    services.assign(question, [ids[COMMENTS[0]], ids[COMMENTS[3]]], [horario.id], actor=user)
    services.assign(question, [ids[COMMENTS[1]], ids[COMMENTS[3]]], [trato.id], actor=user)
    # the excluded response's comment is coded too: it must count nowhere
    services.assign(question, [ids["Ráfaga: horario horario horario."]], [horario.id, sede.id], actor=user)
    counts = question_codes([question])[question.id]
    assert counts.answered == 5  # 5 counted responses commented (one skipped it, one is excluded)
    assert [(c.label, c.count, c.percent) for c in counts.codes] == [
        ("Horario", 2, 40.0), ("Trato del personal", 2, 40.0), ("Sugerencia de sede", 0, 0.0)]
    assert (counts.coded, counts.uncoded, counts.uncoded_percent) == (3, 2, 40.0)


def test_a_response_with_several_answers_counts_once_per_code(app):
    """Inside a repeat one response may hold several comments: each code counts the response once."""
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    code = services.create_code(question, "Horario", actor=user)
    first = db.session.get(Answer, opinion_answers(survey)[COMMENTS[0]])
    second = Answer(response_id=first.response_id, question_id=question.id, value="Otra vez el horario.", instance=2)
    db.session.add(second)
    db.session.commit()
    services.assign(question, [first.id, second.id], [code.id], actor=user)
    counts = question_codes([question])[question.id]
    assert (counts.answered, counts.codes[0].count, counts.uncoded) == (5, 1, 4)


def test_no_code_book_no_counts_and_no_answers_no_percent(app):
    survey = make_survey()
    question = survey.questions[1]
    assert question_codes([question]) == {}
    services.create_code(question, "Horario", actor=make_user())
    counts = question_codes([question])[question.id]
    assert (counts.answered, counts.codes[0].count, counts.codes[0].percent, counts.uncoded_percent) == (0, 0, None,
                                                                                                         None)


def test_the_summary_of_the_question_carries_the_counts_beside_the_closed_questions(app):
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    code = services.create_code(question, "Horario", actor=user)
    services.assign(question, [opinion_answers(survey)[COMMENTS[0]]], [code.id], actor=user)
    total, summaries = summarize(survey)
    closed, opinion = summaries
    assert total == 6 and closed.codes is None
    assert opinion.answered == 5 and opinion.codes.answered == 5
    assert [(c.label, c.count, c.percent) for c in opinion.codes.codes] == [("Horario", 1, 20.0)]
    assert opinion.codes.uncoded == 4
    assert db.session.query(Response).filter(Response.excluded.is_(True)).count() == 1
