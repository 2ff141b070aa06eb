"""Impact before/after on hand-built data (helpers.impact_pair); every expected number was worked out on paper."""

import pytest

from crm.indicators.breakdowns import SMALL
from crm.indicators.impact import compute_impact
from tests.factories import make_survey
from tests.indicators_web.helpers import CALIDAD, impact_pair


@pytest.fixture
def pair(app):
    return impact_pair()


def test_before_and_after_per_question(pair):
    [result] = compute_impact(2025)
    assert result["before"]["code"] == "curso_antes" and result["after"]["code"] == "curso_despues"
    assert result["activity"]["title"] == "Curso para la Red de Observación"
    assert result["notes"] == []
    by_name = {q["question"]: q for q in result["questions"]}
    assert list(by_name) == ["conocimiento", "confianza", "calidad", "pocas"]   # text and unmatched left out

    def figures(name):
        q = by_name[name]
        return (q["people"], q["mean_before"], q["mean_after"], q["change"], q["improved"], q["improved_share"])

    # 25/6 = 4.17 -> 34/6 = 5.67; +1.5; 4 of 6 went up
    assert figures("conocimiento") == (6, 4.17, 5.67, 1.5, 4, 66.7)
    assert by_name["conocimiento"]["kind"] == "numeric"
    # baja=1 media=2 alta=3 (the positive option is last): 10/6 -> 14/6; exact change 4/6 = 0.67
    assert figures("confianza") == (6, 1.67, 2.33, 0.67, 3, 50.0)
    assert by_name["confianza"]["kind"] == "ordinal"
    # buena=3 regular=2 mala=1 (the positive option opens the list, so the scale is reversed): 12/6 -> 14/6
    assert figures("calidad") == (6, 2.0, 2.33, 0.33, 3, 50.0)
    # only 4 people answered "pocas" in both: suppressed
    assert by_name["pocas"]["suppressed"] == SMALL
    assert figures("pocas") == (None,) * 6


def test_options_in_another_order_are_not_compared(app):
    before = make_survey([{"name": "calidad", "type": "select_one", "choices": CALIDAD}], year=2025)
    make_survey([{"name": "calidad", "type": "select_one", "choices": list(reversed(CALIDAD))}], year=2025,
                pre_survey_id=before.id)
    [result] = compute_impact(2025)
    assert result["questions"] == []
    assert result["notes"]


def test_pairs_of_other_years_are_left_out(pair):
    assert compute_impact(2024) == []
    assert len(compute_impact(2025)) == 1
