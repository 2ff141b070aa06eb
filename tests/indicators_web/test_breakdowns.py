"""Breakdowns of satisfaction on hand-built data, with small cells suppressed (worked out on paper)."""

from datetime import date

import pytest

from crm.core.extensions import db
from crm.events.models import ObservationProgram
from crm.indicators.breakdowns import COMPLEMENTARY, SMALL, compute_breakdowns, fold, suppress
from crm.indicators.compute import Counts, compute_report
from tests.factories import make_activity, make_person
from tests.indicators_web.helpers import Q1, Q2, respond, survey


@pytest.fixture(autouse=True)
def mexico_city(app):
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"


@pytest.fixture
def answered(app):
    """11 responses in 2025-Q1 to one AI3 survey: 6 women (5 positive), 3 men (1 positive), 2 anonymous (2)."""
    activity = make_activity("AI3.1", date(2025, 2, 1), title="Taller de observación")
    program = ObservationProgram(code="pp2025", name="Consulta de presupuesto participativo 2025", year=2025)
    db.session.add(program)
    db.session.commit()
    s = survey("AI3", activity_id=activity.id, observation_program_id=program.id, code="taller_obs")
    women = [make_person(f"Mujer{i}", sex="mujer", country="MX",
                         networks=("rvc", "observacion") if i < 2 else ("rvc",)) for i in range(6)]
    men = [make_person(f"Hombre{i}", sex="hombre", country="US") for i in range(3)]
    for i, person in enumerate(women):
        respond(s, Q1, person, calidad="buena" if i < 5 else "mala")
    for i, person in enumerate(men):
        respond(s, Q1, person, calidad="buena" if i == 0 else "mala")
    respond(s, Q1, None, calidad="buena")
    respond(s, Q1, None, calidad="buena")
    return {"survey": s, "activity": activity, "program": program}


def table(breakdown, level="AI3", period="2025-Q1"):
    return {r["label"]: r for r in breakdown["rows"] if r["level"] == level and r["period"] == period}


def shown(row):
    return (row["numerator"], row["denominator"], row["responses"], row["value"], row["suppressed"])


HIDDEN_SMALL = (None, None, None, None, SMALL)


def test_by_sex_with_anonymous_answers_as_sin_dato(answered):
    sexo = next(b for b in compute_breakdowns(2025) if b["key"] == "sexo")
    assert sexo["person_based"] is True
    for level in ("AI3", "PROPOSITO"):
        for period in ("2025-Q1", "2025"):
            rows = table(sexo, level, period)
            assert set(rows) == {"Mujer", "Hombre", "Sin dato"}
            assert shown(rows["Mujer"]) == (5, 6, 6, 83.3, None)
            assert shown(rows["Hombre"]) == HIDDEN_SMALL     # 3 responses
            assert shown(rows["Sin dato"]) == HIDDEN_SMALL   # the 2 anonymous responses
    assert table(sexo, "AI3", "2025-Q2") == {}
    assert table(sexo, "AI5", "2025") == {}


def test_by_country_and_network(answered):
    result = {b["key"]: b for b in compute_breakdowns(2025)}
    pais = table(result["pais"])
    assert shown(pais["México (MX)"]) == (5, 6, 6, 83.3, None)
    assert shown(pais["Estados Unidos (US)"]) == HIDDEN_SMALL
    assert shown(pais["Sin dato"]) == HIDDEN_SMALL
    red = table(result["red"])
    assert shown(red["Red Voto Chilango"]) == (5, 6, 6, 83.3, None)
    assert shown(red["Red de Observación"]) == HIDDEN_SMALL   # 2 women, also counted in the RVC
    assert shown(red["Sin red activa"]) == HIDDEN_SMALL       # the 3 men
    assert shown(red["Sin dato"]) == HIDDEN_SMALL


def test_survey_based_breakdowns_match_the_matrix(answered):
    result = {b["key"]: b for b in compute_breakdowns(2025)}
    assert result["encuesta"]["person_based"] is False
    matrix = {(r["level"], r["period"]): r for r in compute_report(2025)["indicators"]}
    want = (8, 11, 11, 72.7, None)
    assert shown(matrix[("AI3", "2025-Q1")] | {"suppressed": None}) == want
    assert shown(table(result["encuesta"])["Encuesta de satisfacción (taller_obs)"]) == want
    assert shown(table(result["programa"])["Consulta de presupuesto participativo 2025"]) == want
    assert shown(table(result["actividad"], "PROPOSITO", "2025")["2025-02-01 · Taller de observación"]) == want


def test_surveys_without_program_or_activity_are_grouped(answered):
    other = survey("AI5", code="sin_vinculo")
    for _ in range(5):
        respond(other, Q2, None, calidad="mala")
    result = {b["key"]: b for b in compute_breakdowns(2025)}
    assert shown(table(result["programa"], "AI5", "2025-Q2")["Sin programa de observación"]) == (0, 5, 5, 0.0, None)
    assert shown(table(result["actividad"], "AI5", "2025")["Sin actividad"]) == (0, 5, 5, 0.0, None)
    # By sex, AI5's 5 anonymous answers would reveal AI3's 2 (PROPOSITO 7 - AI5 5): hidden too.
    assert table(result["sexo"], "AI5", "2025")["Sin dato"]["suppressed"] == COMPLEMENTARY
    assert table(result["sexo"], "AI5", "2025-Q2")["Sin dato"]["suppressed"] == COMPLEMENTARY
    proposito = table(result["encuesta"], "PROPOSITO", "2025")
    assert shown(proposito["Encuesta de satisfacción (sin_vinculo)"]) == (0, 5, 5, 0.0, None)
    assert shown(proposito["Encuesta de satisfacción (taller_obs)"]) == (8, 11, 11, 72.7, None)


def test_a_single_small_cell_takes_a_complementary_one_with_it():
    # a: 6 responses, b: 5, sin dato: 1 -> the total (12) minus a would reveal "sin dato", so b is hidden too
    cells = fold(2025, [("AI3", 1, "a", Counts(5, 6, 6)), ("AI3", 1, "b", Counts(3, 5, 5)),
                        ("AI3", 1, "", Counts(1, 1, 1))])
    hidden = suppress(cells, 2025)
    for level in ("AI3", "PROPOSITO"):
        for period in ("2025-Q1", "2025"):
            assert hidden.get((level, period, "")) == SMALL
            assert hidden.get((level, period, "b")) == COMPLEMENTARY
            assert (level, period, "a") not in hidden


def test_a_small_quarter_hides_another_quarter_not_the_year():
    # Q1: 3 responses, Q2: 10, year 13: Q1 would be the year minus Q2, so Q2 is hidden as well
    cells = fold(2025, [("AI5", 1, "a", Counts(2, 3, 3)), ("AI5", 2, "a", Counts(9, 10, 10))])
    hidden = suppress(cells, 2025)
    assert hidden == {("AI5", "2025-Q1", "a"): SMALL, ("PROPOSITO", "2025-Q1", "a"): SMALL,
                      ("AI5", "2025-Q2", "a"): COMPLEMENTARY, ("PROPOSITO", "2025-Q2", "a"): COMPLEMENTARY}
    assert cells[("AI5", "2025", "a")] == Counts(11, 13, 13)


def test_nothing_is_hidden_when_every_cell_has_five_or_more():
    cells = fold(2025, [("AI3", 1, "a", Counts(5, 5, 5)), ("AI6", 4, "b", Counts(0, 9, 7))])
    assert suppress(cells, 2025) == {}
