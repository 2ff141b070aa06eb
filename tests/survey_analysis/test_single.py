"""The chart of one question (its SVG) counted for that question alone gives the same chart as the whole
survey's summaries, for every closed type, with excluded responses and a condition; and it reads the answers
of that question only (fewer statements than summarizing the survey, which the route did before)."""

from __future__ import annotations

from sqlalchemy import event

from crm.core.extensions import db
from surveys.analysis.questions import chart_of, charts_for
from surveys.responses import summaries
from tests.factories import make_survey
from tests.survey_analysis.helpers import QUESTIONS, respond

RANK = {"name": "orden", "type": "rank", "labels": {"es": "Ordene los temas"},
        "choices": [("voto", {"es": "Voto"}, False), ("consulta", {"es": "Consulta"}, False)]}
DECIMAL = {"name": "horas", "type": "decimal", "labels": {"es": "Horas"}}


def test_one_questions_chart_equals_its_chart_in_the_whole_analysis(app):
    survey = make_survey(questions=[*QUESTIONS, RANK, DECIMAL], languages=["es"], state="open")
    respond(survey, asistio="si", calidad="buena", temas=["voto", "consulta"], puntaje=8, orden=["voto", "consulta"],
            horas="1.5")
    respond(survey, asistio="si", calidad="mala", temas=["voto"], puntaje="ocho", orden=["consulta", "voto"])
    respond(survey, asistio="no", horas="2")
    respond(survey, asistio="si", calidad="mala", puntaje=3, excluded=True)
    _total, whole = charts_for(survey, "es")
    assert {c.question.name for c in whole} == {"asistio", "calidad", "temas", "puntaje", "orden", "horas"}
    for chart in whole:
        assert chart_of(survey, chart.question.id, "es") == chart, chart.question.name
    opinion = next(q for q in survey.questions if q.name == "opinion")
    assert chart_of(survey, opinion.id, "es") is None and chart_of(survey, 0, "es") is None


def statements(run) -> int:
    seen = []
    engine = db.engine
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def test_the_chart_of_one_question_does_not_summarize_the_survey(app):
    survey = make_survey(questions=[*QUESTIONS, RANK, DECIMAL], languages=["es"], state="open")
    for value in range(3):
        respond(survey, asistio="si", calidad="buena", puntaje=value, opinion="bien", horas=str(value))
    question = next(q for q in survey.questions if q.name == "calidad")
    survey.questions  # noqa: B018  (loaded once, as the route does)
    one = statements(lambda: chart_of(survey, question.id, "es"))
    whole = statements(lambda: summaries.summarize(survey, "es"))
    print(f"statements: one chart {one}, the survey's summaries {whole}")
    assert one < whole, (one, whole)
