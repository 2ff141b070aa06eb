"""Traffic-light thresholds and targets, on the 2025 program (worked out on paper)."""

from datetime import date

import pytest

from crm.indicators.scorecard import level_label, light, schedule_share, target_text, warning_es
from tests.factories import load_program


@pytest.mark.parametrize(("value", "color"), [(85.0, "green"), (100.0, "green"), (84.9, "yellow"), (70.0, "yellow"),
                                              (69.9, "red"), (0.0, "red"), (None, "none")])
def test_satisfaction_light(value, color):
    assert light("AI3", {"value": value, "numerator": 0}, None, 2025, date(2025, 6, 30))["color"] == color


def test_compliance_light_against_what_was_programmed_so_far(app):
    program = load_program(2025)
    # AI2's lines spread evenly (largest remainder first): by the end of June 39 of its 63 activities
    # are programmed (AI2.1 4, AI2.2 5+5+5+5+4+4, AI2.3 2, AI2.4 4, AI2.5 1).
    june = date(2025, 6, 30)
    assert schedule_share(program.component("AI2").action_lines, 2025, june) == pytest.approx(39 / 63)
    assert light("AI2", {"numerator": 36, "value": 57.1}, program, 2025, june)["color"] == "green"   # 92.3 %
    assert light("AI2", {"numerator": 30, "value": 47.6}, program, 2025, june)["color"] == "yellow"  # 76.9 %
    assert light("AI2", {"numerator": 20, "value": 31.7}, program, 2025, june)["color"] == "red"     # 51.3 %
    assert light("AI2", {"numerator": 36, "value": 57.1}, program, 2025, june)["progress"] == 92.3
    # a past year counts whole: 57 of 63 = 90.5 %
    assert light("AI2", {"numerator": 57, "value": 90.5}, program, 2025, date(2026, 2, 1))["color"] == "green"
    # a future year has nothing programmed yet
    assert light("AI2", {"numerator": 0, "value": 0.0}, program, 2025, date(2024, 12, 1))["color"] == "none"
    # AI1 is attended / received
    assert light("AI1", {"numerator": 9, "value": 90.0}, program, 2025, june)["color"] == "green"
    assert light("FIN", {"numerator": 3, "value": 0.5}, None, 2025, june)["color"] == "none"   # no program


def test_targets_and_labels(app):
    program = load_program(2025)
    assert target_text("AI4", program) == "279 actividades en el año"
    assert target_text("FIN", program) == "579 actividades en el año"
    assert target_text("PROPOSITO", program) == "umbral de satisfacción 85 %"
    assert level_label("PROPOSITO") == "PROPÓSITO"


def test_program_warnings_in_spanish():
    assert warning_es("AI4: target 279 differs from the sum of its action lines (276)").startswith(
        "AI4: la meta declarada (279) difiere de la suma de sus líneas de acción (276)")
    assert warning_es("something else") == "something else"
