"""The per-question charts' numbers: the right denominators, the unanswered shown apart, excluded responses
counted nowhere; the cross-tab by sex and network with small groups suppressed with their complement."""

from __future__ import annotations

from surveys.analysis import charts
from surveys.analysis.crosstab import COMPLEMENTARY, DIMENSION_BY_KEY, SMALL, crosstab
from surveys.analysis.questions import charts_for
from tests.factories import make_person
from tests.survey_analysis.helpers import analysed_survey, respond


def by_name(survey):
    _total, found = charts_for(survey, "es")
    return {c.question.name: c for c in found}


def test_a_conditional_single_choice_counts_over_those_who_answered_and_shows_the_rest_apart(app):
    survey = analysed_survey()
    for quality in ("buena", "buena", "buena", "mala"):
        respond(survey, asistio="si", calidad=quality)
    for _ in range(2):
        respond(survey, asistio="no")  # the condition hides «calidad»
    respond(survey, asistio="si", calidad="mala", excluded=True)  # excluded: nowhere
    chart = by_name(survey)["calidad"]
    assert (chart.total, chart.answered) == (6, 4)
    assert [(b.label, b.count, b.percent) for b in chart.bars] == [("Buena", 3, 75.0), ("Regular", 0, 0.0),
                                                                   ("Mala", 1, 25.0)]
    assert chart.apart_label.startswith("No aplica") and chart.apart == 2
    assert "4 respuestas que contestaron" in chart.denominator
    filter_question = by_name(survey)["asistio"]
    assert (filter_question.answered, filter_question.apart_label, filter_question.apart) == (6, "Sin respuesta", 0)


def test_a_multiple_choice_is_the_share_of_respondents_choosing_each_option(app):
    survey = analysed_survey()
    respond(survey, asistio="si", temas=["voto", "consulta"])
    respond(survey, asistio="si", temas=["voto"])
    respond(survey, asistio="si", temas=["voto", "presupuesto"])
    respond(survey, asistio="si", temas=["consulta"])
    respond(survey, asistio="no")  # did not answer «temas»
    respond(survey, asistio="si", temas=["presupuesto"], excluded=True)
    chart = by_name(survey)["temas"]
    assert chart.answered == 4
    assert [(b.count, b.percent) for b in chart.bars] == [(3, 75.0), (2, 50.0), (1, 25.0)]
    assert sum(b.percent for b in chart.bars) > 100
    assert "más de 100" in chart.note
    assert (chart.apart_label, chart.apart) == ("Sin respuesta", 1)


def test_numbers_show_their_distribution_and_mean_without_excluded_responses(app):
    survey = analysed_survey()
    for value in (8, 8, 10):
        respond(survey, asistio="si", puntaje=value)
    respond(survey, asistio="si", puntaje=0, excluded=True)
    chart = by_name(survey)["puntaje"]
    assert [(b.label, b.count) for b in chart.bars] == [("8", 2), ("10", 1)]
    assert chart.mean == 8.67
    assert "opinion" not in by_name(survey)  # open text is not charted


def test_the_chart_is_svg_with_title_description_and_no_script(app):
    survey = analysed_survey()
    respond(survey, asistio="si", calidad="buena")
    body = charts.render(by_name(survey)["calidad"]).decode()
    assert body.count("<title>¿Cómo califica la sesión?</title>") == 1
    assert "<desc>¿Cómo califica la sesión?. Porcentajes sobre las 1 respuestas" in body
    assert "Buena: 1 (100" in body and "<script" not in body


def people(n: int, **fields):
    return [make_person(given_name=f"P{i}", email=None, **fields) for i in range(n)]


def test_crosstab_by_sex_suppresses_a_small_group_with_its_complement_and_puts_anonymous_in_sin_dato(app):
    survey = analysed_survey()
    for person in people(6, sex="mujer"):
        respond(survey, person=person, asistio="si")
    for person in people(5, sex="hombre"):
        respond(survey, person=person, asistio="no")
    for person in people(2, sex="no_binario"):
        respond(survey, person=person, asistio="si")
    for _ in range(7):
        respond(survey, anonymous=True, asistio="no")
    excluded = make_person(given_name="Excluida", email=None, sex="no_binario")
    respond(survey, person=excluded, asistio="si", excluded=True)
    question = next(q for q in survey.questions if q.name == "asistio")
    table = crosstab(question, DIMENSION_BY_KEY["sexo"], "es", "es")
    rows = {g.label: g for g in table.groups}
    assert list(rows) == ["Mujer", "Hombre", "No binario", "Sin dato"]
    assert (rows["Mujer"].total.count, [c.count for c in rows["Mujer"].cells]) == (6, [6, 0])
    assert [c.percent for c in rows["Mujer"].cells] == [100.0, 0.0]
    assert rows["Sin dato"].total.count == 7 and [c.count for c in rows["Sin dato"].cells] == [0, 7]
    # 2 responses: hidden; and the smallest other group with it (else 13 - 6 - 5 - 7... would give it back)
    assert {c.reason for c in [rows["No binario"].total, *rows["No binario"].cells]} == {SMALL}
    assert all(c.count is None for c in [rows["No binario"].total, *rows["No binario"].cells])
    assert {c.reason for c in [rows["Hombre"].total, *rows["Hombre"].cells]} == {COMPLEMENTARY}
    assert (table.answered, table.totals) == (20, [8, 12])  # the excluded response counts nowhere


def test_crosstab_by_network_counts_a_person_in_both_networks(app):
    survey = analysed_survey()
    for person in people(5, networks=("rvc",)) + [make_person(given_name="Doble", email=None,
                                                               networks=("rvc", "observacion"))]:
        respond(survey, person=person, asistio="si", temas=["voto"])
    for person in people(5, networks=("observacion",)):
        respond(survey, person=person, asistio="si", temas=["voto", "consulta"])
    for person in people(5):
        respond(survey, person=person, asistio="si", temas=["consulta"])
    question = next(q for q in survey.questions if q.name == "temas")
    table = crosstab(question, DIMENSION_BY_KEY["red"], "es", "es")
    rows = {g.label: g for g in table.groups}
    assert list(rows) == ["Red Voto Chilango", "Red de Observación", "Sin red"]
    assert rows["Red Voto Chilango"].total.count == 6 and [c.count for c in rows["Red Voto Chilango"].cells] == [6, 0, 0]
    assert rows["Red de Observación"].total.count == 6
    assert [c.count for c in rows["Red de Observación"].cells] == [6, 5, 0]
    assert [c.percent for c in rows["Red de Observación"].cells] == [100.0, 83.3, 0.0]
    assert table.answered == 16 and table.suppressed == 0
    assert any("dos redes" in note for note in table.notes) and any("más de 100" in n for n in table.notes)


def test_a_single_small_group_withholds_the_whole_table(app):
    survey = analysed_survey()
    for _ in range(3):
        respond(survey, anonymous=True, asistio="si")
    question = next(q for q in survey.questions if q.name == "asistio")
    table = crosstab(question, DIMENSION_BY_KEY["pais"], "es", "es")
    assert table.withheld and [g.label for g in table.groups] == ["Sin dato"]
    assert table.groups[0].total.count is None and table.totals == [3, 0]
