"""The comparison service: values and changes in points for a satisfaction and a compliance level, a line in one
year only, a changed target noted, suppressed cells with no change, the default pair of years."""

from __future__ import annotations

from datetime import date

from crm.indicators import comparison
from tests.indicators_comparison.helpers import build_two_years

TODAY = date(2026, 5, 4)


def _level(result, code):
    return next(entry for entry in result["levels"] if entry["level"] == code)


def _row(entry, period):
    return next(r for r in entry["rows"] if r["period"] == period)


def test_satisfaction_values_and_change_in_points(app):
    build_two_years()
    result = comparison.compare(2024, 2025, TODAY)
    ai3 = _level(result, "AI3")
    q1 = _row(ai3, "Q1")
    assert (q1["a"]["value"], q1["b"]["value"], q1["change"]) == (80.0, 90.0, 10.0)
    assert q1["change_text"] == "sube 10 puntos" and q1["arrow"] == "↑"
    assert (q1["a"]["responses"], q1["b"]["responses"], q1["count_change"]) == (10, 10, 0)
    year = _row(ai3, "year")
    assert year["change"] == 10.0
    # the scorecard's thresholds (green from 85): 80 % is not met, 90 % is
    assert (year["a"]["met"], year["b"]["met"]) == (False, True)
    assert ai3["target_a"] == ai3["target_b"] and ai3["notes"] == []


def test_compliance_values_counts_and_changed_target(app):
    build_two_years()
    result = comparison.compare(2024, 2025, TODAY)
    ai2 = _level(result, "AI2")
    year = _row(ai2, "year")
    # 2024: 3 realized of 66 (4.5 %); 2025: 5 of 70 (7.1 %)
    assert (year["a"]["value"], year["b"]["value"]) == (4.5, 7.1)
    assert year["change"] == 2.6 and year["change_text"] == "sube 2.6 puntos"
    assert (year["a"]["numerator"], year["b"]["numerator"], year["count_change"]) == (3, 5, 2)
    assert year["count_text"] == "sube 2 actividades realizadas"
    assert (year["a"]["met"], year["b"]["met"]) == (False, False)
    assert any("Cambió la meta" in note and "66 actividades" in note and "70 actividades" in note
               for note in ai2["notes"])


def test_a_line_in_one_year_only_is_noted_and_matching_lines_compared(app):
    build_two_years()
    result = comparison.compare(2024, 2025, TODAY)
    lines = {line["code"]: line for line in result["lines"]}
    only = lines["AI2.6"]
    assert only["only_in"] == 2024 and only["notes"] == ["La línea AI2.6 solo existe en el programa 2024."]
    assert all(r["b"] is None and r["change"] is None for r in only["rows"])
    ai22 = lines["AI2.2"]
    q1 = _row(ai22, "Q1")
    assert (q1["a"]["realized"], q1["b"]["realized"], q1["count_change"]) == (2, 5, 3)
    assert any("Cambió la meta de la línea" in note for note in ai22["notes"])
    assert lines["AI1.1"]["notes"] == [] and lines["AI1.1"]["only_in"] is None


def test_suppressed_cells_stay_suppressed_without_change(app):
    build_two_years(small_cell=True)
    result = comparison.compare(2024, 2025, TODAY)
    ai5 = _row(_level(result, "AI5"), "Q1")
    assert ai5["b"]["suppressed"] == "menos de 5"
    assert ai5["b"]["value"] is None and ai5["b"]["responses"] is None and ai5["b"]["numerator"] is None
    assert ai5["change"] is None and ai5["count_change"] is None and ai5["change_text"] == "sin comparación"
    assert ai5["b"]["met"] is None and ai5["b"]["light"]["label"] == "Oculto (menos de 5)"  # no light gives it away
    # complementary: AI3 + AI5 = PROPÓSITO in 2025 Q1 would give AI5 away by subtraction
    propositos = _row(_level(result, "PROPOSITO"), "Q1")
    ai3 = _row(_level(result, "AI3"), "Q1")
    assert "complementaria" in (propositos["b"]["suppressed"], ai3["b"]["suppressed"])
    year = _row(_level(result, "AI3"), "year")
    assert year["b"]["suppressed"] == "complementaria" and year["b"]["met"] is None and year["change"] is None
    rows = comparison.sheet_rows(result)
    ai5_rows = [r for r in rows if r[0] == "AI5" and r[2] == "T1"]
    assert ai5_rows[0][4] is None and ai5_rows[0][5] is None and ai5_rows[0][15] == "menos de 5"


def test_kind_change_is_noted_and_not_compared(app):
    from crm.program import services

    build_two_years()
    data = services.read_program_file(None)
    data["year"] = 2026
    for level in data["levels"]:
        if level["code"] == "AI5":
            level["kind"] = "compliance"
    services.load_program(data)
    result = comparison.compare(2025, 2026, TODAY)
    ai5 = _level(result, "AI5")
    assert any("Cambió el tipo de indicador" in note for note in ai5["notes"])
    assert all(r["change"] is None for r in ai5["rows"])


def test_years_and_default_pair(app):
    assert comparison.default_pair([], TODAY) is None
    assert comparison.default_pair([2025], TODAY) is None
    assert comparison.default_pair([2026, 2025, 2024], TODAY) == (2025, 2026)
    assert comparison.default_pair([2027, 2025, 2024], TODAY) == (2024, 2025)
    assert comparison.default_pair([2028, 2027], TODAY) == (2027, 2028)
    build_two_years()
    assert comparison.program_years() == [2025, 2024]
    assert comparison.previous_program_year(2025) == 2024 and comparison.previous_program_year(2024) is None
    assert comparison.for_report(2024) is None and comparison.for_report(2025)["previous"] == 2024


def test_chart_is_svg_with_its_text(app):
    build_two_years()
    result = comparison.compare(2024, 2025, TODAY)
    svg = comparison.render_chart(result).decode()
    assert svg.startswith("<?xml") and "<script" not in svg and "2024" in svg and "AI3" in svg
    alt = comparison.chart_alt(result)
    assert "AI3: 80 % en 2024, 90 % en 2025 (sube 10 puntos)" in alt.replace("\u00a0", " ")
