"""An open-text question with a code book is analysed like a closed one (issue 17: the counts per code beside
the closed questions, in the page, the XLSX and the PDF): its codes as bars over the responses that answered it,
the uncoded ones said apart, its chart served like the others."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from surveys.analysis.questions import chart_of, charts_for
from surveys.coding import services
from tests.factories import make_user
from tests.survey_coding.helpers import COMMENTS, commented_survey, opinion_answers


def coded_survey():
    survey = commented_survey()
    question = survey.questions[1]
    user = make_user()
    horario = services.create_code(question, "Horario", actor=user)
    trato = services.create_code(question, "Trato del personal", actor=user)
    ids = opinion_answers(survey)
    services.assign(question, [ids[COMMENTS[0]], ids[COMMENTS[3]]], [horario.id], actor=user)
    services.assign(question, [ids[COMMENTS[3]]], [trato.id], actor=user)
    return survey, question


def test_a_coded_question_is_charted_by_code_over_those_who_answered(app):
    survey, question = coded_survey()
    _total, charts = charts_for(survey, "es")
    chart = next(c for c in charts if c.question.id == question.id)
    assert [(b.label, b.count, b.percent) for b in chart.bars] == [("Horario", 2, 40.0), ("Trato del personal", 1, 20.0)]
    assert chart.answered == 5 and "Sin codificar: 3" in chart.note and "varios códigos" in chart.note
    assert chart_of(survey, question.id, "es").bars == chart.bars


def test_a_text_question_without_codes_is_not_charted(app):
    survey = commented_survey()
    _total, charts = charts_for(survey, "es")
    assert survey.questions[1].id not in [c.question.id for c in charts]
    assert chart_of(survey, survey.questions[1].id, "es") is None


def test_the_page_xlsx_and_chart_carry_the_codes(client, login_as):
    survey, question = coded_survey()
    login_as("coordinator")
    base = f"/encuestas/{survey.id}/analisis"
    page = client.get(base).get_data(as_text=True)
    assert "Trato del personal" in page and "Texto libre, codificado" in page
    svg = client.get(f"{base}/grafica/{question.id}.svg")
    assert svg.status_code == 200 and b"Horario" in svg.data
    workbook = load_workbook(io.BytesIO(client.get(f"{base}.xlsx").data), read_only=True)
    rows = [row for name in workbook.sheetnames for row in workbook[name].iter_rows(values_only=True)]
    assert ("Horario", 2, 40) in rows
