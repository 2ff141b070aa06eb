"""Age bands from the survey's own answers: a number question that asks the age, put in the electoral
statistics' bands (boundaries 17/18, 29/30, 59/60; answers that are not ages in «Sin dato»), or a single choice
whose options are age ranges; the page says why «Grupo de edad» is off when the survey does not ask the age."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surveys.analysis.ages import BANDS, age_sources, asks_age, band_of, has_age_ranges
from surveys.analysis.crosstab import COMPLEMENTARY, SMALL, crosstab
from surveys.analysis.dimensions import age_dimension
from surveys.models import Question
from tests.survey_analysis.age_helpers import AGE_NUMBER, AGE_RANGES, SATISFACTION, SCORE, survey_with
from tests.survey_analysis.helpers import respond


@pytest.mark.parametrize(("value", "band"), [
    ("17", "menos-18"), ("18", "18-29"), ("29", "18-29"), ("30", "30-39"), ("39", "30-39"), ("40", "40-49"),
    ("59", "50-59"), ("60", "60-mas"), ("97", "60-mas"), (" 45 ", "40-49"), ("29.9", "18-29"), ("0", "menos-18"),
    ("treinta", None), ("", None), (None, None), ("-3", None), ("150", None), ("nan", None), ("inf", None),
])
def test_band_of_an_answer(value, band):
    assert band_of(value) == band


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.integers(-50, 200).map(str), st.floats().map(str)))
def test_band_of_never_fails_and_puts_each_age_in_exactly_its_band(value):
    band = band_of(value)
    try:
        age = float(value.strip())
    except ValueError:
        assert band is None
        return
    if not (0 <= age <= 120):  # also nan
        assert band is None
        return
    low, high = next((low, high) for key, _label, low, high in BANDS if key == band)
    assert low <= int(age) and (high is None or int(age) <= high)


@pytest.mark.parametrize(("name", "label", "asks"), [
    ("p7", "¿Cuántos años cumplidos tiene?", True), ("edad", "", True), ("EDAD_persona", "", True),
    ("q3", "Edad", True), ("q3", "What is your AGE?", True), ("q3", "¿CUÁNTOS AÑOS TIENE?", True),
    ("puntaje", "Puntaje", False), ("q3", "¿Cuántos años lleva participando?", False), ("voltage", "", False),
])
def test_an_age_question_is_recognised_by_its_name_or_label(app, name, label, asks):
    assert asks_age(Question(type="integer", name=name, labels={"es": label} if label else {})) is asks


@pytest.mark.parametrize(("labels", "ranges"), [
    (["18 a 29 años", "30-44", "45 – 59 años", "60 o más", "Prefiero no decirlo"], True),
    (["Menos de 18", "18-29", "30+"], True),
    (["De 18 a 24", "De 25 a 34", "Más de 35 años"], True),
    (["0-5", "6-10"], False),  # a scale, not ages
    (["Sí", "No", "18 a 29"], False),  # one range is not a range question
])
def test_an_age_range_choice_is_recognised_by_its_options(app, labels, ranges):
    from surveys.models import Choice

    question = Question(type="select_one", name="q", labels={"es": "Pregunta"},
                        choices=[Choice(name=f"o{i}", labels={"es": text}, position=i) for i, text in enumerate(labels)])
    assert has_age_ranges(question) is ranges


def test_age_bands_from_a_number_question_with_boundaries_and_non_numbers(app):
    survey = survey_with(SATISFACTION, SCORE, AGE_NUMBER)
    ages = ["17"] * 7 + ["18", "18", "29", "29", "29", "29"] + ["30", "30", "39", "39", "31"] + ["59"] * 5 + ["60"] * 6
    ages += ["treinta", "", "-3", "150", "abc"]
    for index, age in enumerate(ages):
        respond(survey, satisfaccion="mucho" if index % 2 else "poco", p7=age)
    respond(survey, satisfaccion="mucho")  # no age at all: «Sin dato»
    respond(survey, satisfaccion="mucho", p7="40", excluded=True)  # counts nowhere
    sources = age_sources(survey)
    assert [q.name for q in sources.recognised] == ["p7"] and [q.name for q in sources.candidates] == ["puntaje", "p7"]
    question = next(q for q in survey.questions if q.name == "satisfaccion")
    table = crosstab(question, age_dimension(sources.default), "es", "es")
    rows = {g.label: g for g in table.groups}
    assert list(rows) == ["Menos de 18 años", "18 a 29 años", "30 a 39 años", "50 a 59 años", "60 años o más",
                          "Sin dato"]
    shown = {label: g.total.count for label, g in rows.items()}
    assert shown == {"Menos de 18 años": 7, "18 a 29 años": 6, "30 a 39 años": 5, "50 a 59 años": 5,
                     "60 años o más": 6, "Sin dato": 6}  # no 40 a 49: no row
    assert [c.count for c in rows["60 años o más"].cells] == [3, 3] and table.suppressed == 0
    assert table.answered == 35 and sum(table.totals) == 35
    assert any("Edad tomada de la pregunta «¿Cuántos años cumplidos tiene?»" in n for n in table.notes)

    respond(survey, satisfaccion="poco", p7="44")  # one response in 40 a 49: hidden, with a complement
    table = crosstab(question, age_dimension(sources.default), "es", "es")
    rows = {g.label: g for g in table.groups}
    assert rows["40 a 49 años"].total.count is None and rows["40 a 49 años"].total.reason == SMALL
    assert {c.reason for g in table.groups for c in [g.total, *g.cells] if c.count is None} == {SMALL, COMPLEMENTARY}


def test_age_bands_from_a_choice_of_age_ranges(app):
    survey = survey_with(SATISFACTION, AGE_RANGES)
    for option, n in (("a", 6), ("b", 7), ("d", 5), ("x", 5)):
        for _ in range(n):
            respond(survey, satisfaccion="mucho", rango=option)
    for _ in range(5):
        respond(survey, satisfaccion="poco")
    sources = age_sources(survey)
    assert [q.name for q in sources.recognised] == ["rango"]
    table = crosstab(next(q for q in survey.questions if q.name == "satisfaccion"), age_dimension(sources.default),
                     "es", "es")
    assert [(g.label, g.total.count) for g in table.groups] == [
        ("18 a 29 años", 6), ("30-44", 7), ("60 o más", 5), ("Prefiero no decirlo", 5), ("Sin dato", 5)]
    assert [c.count for c in table.groups[0].cells] == [6, 0] and table.groups[-1].cells[1].count == 5
    assert any("las opciones de la pregunta «Rango»" in n for n in table.notes)


def test_without_an_age_question_the_group_is_disabled_with_the_reason(client, login_as):
    survey = survey_with(SATISFACTION)
    respond(survey, satisfaccion="mucho")
    login_as("coordinator")
    base = f"/encuestas/{survey.id}/analisis/cruce"
    page = client.get(base).get_data(as_text=True)
    assert re.search(r'<option disabled value="edad">Grupo de edad \(no disponible\)</option>', page)
    assert "no pregunta la edad de quien responde" in page and "no guardan la fecha de nacimiento" in page
    assert 'name="edad"' not in page  # nothing to pick
    question = survey.questions[0]
    page = client.get(f"{base}?pregunta={question.id}&grupo=edad").get_data(as_text=True)
    assert 'id="cruce"' not in page and 'id="grupo-error"' in page and 'aria-invalid="true"' in page


def test_staff_pick_the_number_question_that_holds_the_age_when_none_is_recognised(client, login_as):
    survey = survey_with(SATISFACTION, SCORE)
    for age in ("25", "26", "27", "28", "29", "33"):
        respond(survey, satisfaccion="mucho", puntaje=age)
    login_as("coordinator")
    satisfaction, score = survey.questions
    base = f"/encuestas/{survey.id}/analisis/cruce?pregunta={satisfaction.id}&grupo=edad"
    page = client.get(base).get_data(as_text=True)
    assert '<option selected value="edad">Grupo de edad</option>' in page  # offered, not disabled
    assert "Ninguna pregunta se reconoce como la edad" in page and 'id="cruce"' not in page
    page = client.get(f"{base}&edad={score.id}").get_data(as_text=True)
    assert 'id="cruce"' in page and '<th scope="row">18 a 29 años</th>' in page
    assert f"edad={score.id}" in page  # the downloads keep the choice


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.builds(lambda a, b, sep: f"{a}{sep}{b}", st.integers(0, 130),
                                                 st.integers(0, 130), st.sampled_from(["-", " a ", "–", " y ", " "]))))
def test_an_option_label_parses_to_ordered_bounds_or_nothing(label):
    from surveys.analysis.ages import _bounds

    bounds = _bounds(label)
    assert bounds is None or 0 <= bounds[0] <= bounds[1]
