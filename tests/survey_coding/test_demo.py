"""The demo data shows the coding: the Red Voto Chilango survey's comments have a code book and some codes."""

from __future__ import annotations

from sqlalchemy import select

from crm.app.demo import load_demo
from crm.core.extensions import db
from surveys.models import Survey
from surveys.responses.summaries import summarize


def test_the_demo_survey_has_codes_counted_beside_its_question(app, client, login_as):
    load_demo()
    load_demo()  # idempotent: the code book is not added twice
    survey = db.session.scalar(select(Survey).where(Survey.code == "demo-satisfaccion-rvc"))
    _total, summaries = summarize(survey)
    codes = next(s for s in summaries if s.question.name == "comentarios").codes
    assert [(c.label, c.count) for c in codes.codes] == [("Horario", 2), ("Trato del personal", 2),
                                                          ("Sugerencia de sede", 1), ("Materiales", 0)]
    assert (codes.answered, codes.uncoded) == (8, 3)
    login_as("staff")
    page = client.get(f"/encuestas/{survey.id}").get_data(as_text=True)
    assert "Conteo por código de comentarios" in page and "Sugerencia de sede" in page
