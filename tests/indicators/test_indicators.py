"""Indicator computation on hand-built data; every expected number was worked out on paper."""

from datetime import date, datetime

import pytest

from crm.core.extensions import db
from crm.core.text import fold
from crm.events.models import Activity, PartnerRequest
from crm.indicators.compute import compute_report, percent, quarter_start_instants, wilson_interval
from crm.program import services as program_services
from crm.program.services import action_line_by_code
from tests.factories import load_program, make_activity, make_organization
from tests.indicators.helpers import TWO_INDICATORS, respond, survey

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"]
LEVELS = ["FIN", "PROPOSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6"]


@pytest.fixture(autouse=True)
def mexico_city(app):
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"


def rows(report=None, year=2025):
    report = report or compute_report(year)
    return {(r["level"], r["period"]): r for r in report["indicators"]}


def triple(row):
    return row["numerator"], row["denominator"], row["value"]


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(("numerator", "denominator", "value"), [
    (1, 8, 12.5), (1, 6, 16.7), (2, 3, 66.7), (1, 16, 6.3), (3, 16, 18.8), (1, 40, 2.5), (1, 63, 1.6),
    (1, 279, 0.4), (2, 579, 0.3), (0, 5, 0.0), (5, 5, 100.0), (7, 5, 140.0), (0, 0, None), (3, 0, None),
])
def test_percent_rounds_half_up_to_one_decimal(numerator, denominator, value):
    assert percent(numerator, denominator) == value


def test_wilson_interval_matches_published_values():
    assert wilson_interval(5, 10) == (23.7, 76.3)
    assert wilson_interval(0, 10) == (0.0, 27.8)
    assert wilson_interval(10, 10) == (72.2, 100.0)
    assert wilson_interval(0, 0) == (None, None)


def test_local_quarters_start_at_local_midnight():
    bounds = quarter_start_instants(2025)
    assert bounds == [datetime(2025, 1, 1, 6), datetime(2025, 4, 1, 6), datetime(2025, 7, 1, 6),
                      datetime(2025, 10, 1, 6), datetime(2026, 1, 1, 6)]


# --------------------------------------------------------------------------- shape


def test_one_row_per_level_and_period_even_when_nothing_was_recorded(app):
    load_program(2025)
    report = compute_report(2025)
    assert report["year"] == 2025 and report["timezone"] == "America/Mexico_City"
    assert [(r["level"], r["period"]) for r in report["indicators"]] == [(lv, p) for lv in LEVELS for p in PERIODS]
    for row in report["indicators"]:
        if row["kind"] == "satisfaction":
            assert (row["numerator"], row["denominator"], row["responses"], row["value"]) == (0, 0, 0, None)
            assert (row["ci_low"], row["ci_high"]) == (None, None)
        else:
            assert "responses" not in row
    kinds = {r["level"]: r["kind"] for r in report["indicators"]}
    assert kinds == {"FIN": "compliance", "PROPOSITO": "satisfaction", "AI1": "compliance", "AI2": "compliance",
                     "AI3": "satisfaction", "AI4": "compliance", "AI5": "satisfaction", "AI6": "satisfaction"}


def test_program_warnings_come_from_the_stored_program(app):
    load_program(2025)
    warnings = compute_report(2025)["warnings"]
    assert "AI4: target 279 differs from the sum of its action lines (276)" in warnings
    assert "AI5: target 1 differs from the sum of its action lines (2)" in warnings


def test_without_a_program_rows_are_still_printed_with_a_warning(app):
    s = survey("AI3")
    respond(s, datetime(2025, 2, 1, 12), calidad="buena")
    report = compute_report(2025)
    table = rows(report)
    assert len(report["indicators"]) == 40
    assert triple(table[("AI2", "2025")]) == (0, 0, None)
    assert triple(table[("FIN", "2025-Q1")]) == (0, 0, None)
    assert triple(table[("AI3", "2025-Q1")]) == (1, 1, 100.0)
    assert any("2025" in w for w in report["warnings"])


# --------------------------------------------------------------------------- satisfaction


def test_a_response_is_counted_in_the_local_quarter(app):
    s = survey("AI3")
    respond(s, datetime(2025, 4, 1, 5, 30), calidad="buena")   # 2025-03-31 23:30 in Mexico City: Q1
    respond(s, datetime(2025, 4, 1, 6, 0), calidad="mala")     # 2025-04-01 00:00 local: Q2
    respond(s, datetime(2025, 1, 1, 5, 59), calidad="buena")   # 2024-12-31 23:59 local: not 2025
    respond(s, datetime(2026, 1, 1, 5, 59), calidad="buena")   # 2025-12-31 23:59 local: Q4
    respond(s, datetime(2026, 1, 1, 6, 0), calidad="buena")    # 2026-01-01 local: not 2025
    table = rows()
    assert triple(table[("AI3", "2025-Q1")]) == (1, 1, 100.0)
    assert triple(table[("AI3", "2025-Q2")]) == (0, 1, 0.0)
    assert triple(table[("AI3", "2025-Q3")]) == (0, 0, None)
    assert triple(table[("AI3", "2025-Q4")]) == (1, 1, 100.0)
    assert triple(table[("AI3", "2025")]) == (2, 3, 66.7)
    assert table[("AI3", "2025")]["responses"] == 3


def test_quarters_follow_the_configured_time_zone(app):
    s = survey("AI3")
    respond(s, datetime(2025, 4, 1, 5, 30), calidad="buena")
    table = rows(compute_report(2025, tz="UTC"))
    assert triple(table[("AI3", "2025-Q1")]) == (0, 0, None)
    assert triple(table[("AI3", "2025-Q2")]) == (1, 1, 100.0)


def test_blank_indicator_answers_are_not_in_the_denominator(app):
    s = survey("AI3")
    respond(s, datetime(2025, 2, 1, 12), calidad="buena")
    respond(s, datetime(2025, 2, 2, 12), opinion="sin calificar")  # answered only the text question
    respond(s, datetime(2025, 2, 3, 12))                           # answered nothing
    row = rows()[("AI3", "2025-Q1")]
    assert (row["numerator"], row["denominator"], row["responses"], row["value"]) == (1, 1, 1, 100.0)


def test_a_survey_with_two_indicator_questions(app):
    s = survey("AI5", questions=TWO_INDICATORS)
    respond(s, datetime(2025, 5, 1, 12), calidad="buena", utilidad="inutil", opinion="bien")
    respond(s, datetime(2025, 5, 2, 12), calidad="buena")
    respond(s, datetime(2025, 5, 3, 12), calidad="mala", utilidad="util")
    row = rows()[("AI5", "2025-Q2")]
    # answers: buena+, inutil-, buena+, mala-, util+  -> 3 positive of 5, from 3 responses
    assert (row["numerator"], row["denominator"], row["responses"], row["value"]) == (3, 5, 3, 60.0)
    assert (row["ci_low"], row["ci_high"]) == wilson_interval(3, 5)


def test_a_quarter_with_no_responses_is_null(app):
    s = survey("AI6")
    respond(s, datetime(2025, 8, 1, 12), calidad="buena")
    table = rows()
    assert table[("AI6", "2025-Q2")]["value"] is None
    assert table[("AI6", "2025-Q2")]["responses"] == 0
    assert triple(table[("AI6", "2025-Q3")]) == (1, 1, 100.0)


def test_only_surveys_linked_to_the_level_and_year_count(app):
    respond(survey("AI3", 2024), datetime(2025, 2, 1, 12), calidad="buena")   # linked to another year
    respond(survey(None, None), datetime(2025, 2, 1, 12), calidad="buena")    # linked to no component
    respond(survey("AI3", 2025), datetime(2025, 2, 1, 12), calidad="mala")
    table = rows()
    assert triple(table[("AI3", "2025")]) == (0, 1, 0.0)
    assert triple(table[("PROPOSITO", "2025")]) == (0, 1, 0.0)


def test_rounding_half_up_in_the_report(app):
    s = survey("AI3")
    for day in range(1, 9):  # 1 positive of 8 in Q1: 12.5
        respond(s, datetime(2025, 2, day, 12), calidad="buena" if day == 1 else "regular")
    for day in range(1, 7):  # 1 of 6 in Q2: 16.666... -> 16.7
        respond(s, datetime(2025, 5, day, 12), calidad="buena" if day == 1 else "mala")
    for day in range(1, 4):  # 2 of 3 in Q3: 66.666... -> 66.7
        respond(s, datetime(2025, 8, day, 12), calidad="mala" if day == 1 else "buena")
    table = rows()
    assert triple(table[("AI3", "2025-Q1")]) == (1, 8, 12.5)
    assert triple(table[("AI3", "2025-Q2")]) == (1, 6, 16.7)
    assert triple(table[("AI3", "2025-Q3")]) == (2, 3, 66.7)
    assert triple(table[("AI3", "2025")]) == (4, 17, 23.5)  # 23.529...


def test_proposito_combines_the_three_satisfaction_levels(app):
    respond(survey("AI3"), datetime(2025, 5, 1, 12), calidad="buena")
    respond(survey("AI3"), datetime(2025, 5, 1, 13), calidad="mala")
    respond(survey("AI5"), datetime(2025, 5, 2, 12), calidad="buena")
    ai6 = survey("AI6", questions=TWO_INDICATORS)
    respond(ai6, datetime(2025, 5, 3, 12), calidad="mala", utilidad="inutil")
    respond(ai6, datetime(2025, 11, 3, 12), calidad="buena", utilidad="util")
    table = rows()
    assert triple(table[("AI3", "2025-Q2")]) == (1, 2, 50.0)
    assert triple(table[("AI5", "2025-Q2")]) == (1, 1, 100.0)
    assert triple(table[("AI6", "2025-Q2")]) == (0, 2, 0.0)
    # Q2: 1 + 1 + 0 positive of 2 + 1 + 2 answers, from 2 + 1 + 1 responses
    q2 = table[("PROPOSITO", "2025-Q2")]
    assert (q2["numerator"], q2["denominator"], q2["responses"], q2["value"]) == (2, 5, 4, 40.0)
    year = table[("PROPOSITO", "2025")]
    assert (year["numerator"], year["denominator"], year["responses"], year["value"]) == (4, 7, 5, 57.1)


# --------------------------------------------------------------------------- compliance


def test_quarter_denominators_spread_the_targets_evenly(app):
    load_program(2025)
    table = rows()
    # AI2.1 4 -> 1,1,1,1,0..; AI2.2 52 -> 5,5,5,5,4,...; AI2.3 2 -> 1,1,0..; AI2.4 4; AI2.5 1 -> 1,0,..
    assert [table[("AI2", p)]["denominator"] for p in PERIODS] == [3 + 15 + 2 + 3 + 1, 1 + 13 + 1, 12, 12, 63]
    # AI4.1 28 -> 3,3,3,3,2..; AI4.2 242 -> 21,21,20..; AI4.3 5 -> 1 x5; AI4.4 1; the year is the stated 279
    assert [table[("AI4", p)]["denominator"] for p in PERIODS] == [75, 69, 66, 66, 279]
    # every line of the year; the year is the sum of the component targets
    assert [table[("FIN", p)]["denominator"] for p in PERIODS] == [164, 144, 135, 135, 579]


def test_quarter_denominators_follow_a_monthly_schedule(app):
    data = program_services.read_program_file(None)
    ai2 = next(level for level in data["levels"] if level["code"] == "AI2")
    line = next(line for line in ai2["action_lines"] if line["code"] == "AI2.2")
    line["schedule"] = [10, 0, 0, 0, 0, 20, 0, 0, 0, 22, 0, 0]
    program_services.load_program(data)
    table = rows()
    assert [table[("AI2", p)]["denominator"] for p in PERIODS] == [3 + 10 + 2 + 3 + 1, 1 + 20 + 1, 0, 22, 63]
    assert table[("AI2", "2025-Q3")]["value"] is None


def test_activities_are_counted_by_local_date_and_only_in_their_year(app):
    load_program(2025)
    make_activity("AI2.2", date(2025, 3, 31))
    make_activity("AI2.2", date(2025, 4, 1))
    make_activity("AI2.1", date(2025, 12, 31))
    make_activity("AI4.2", date(2025, 6, 15))
    make_activity("AI3.1", date(2025, 6, 16))   # counts for FIN only
    make_activity("AI2.2", date(2024, 12, 31))  # the 2024 program
    make_activity("AI2.2", date(2026, 1, 1))    # the 2026 program
    stray = action_line_by_code(2025, "AI2.2")  # a 2025 line with a date out of 2025 does not count either
    db.session.add(Activity(date=date(2026, 2, 1), action_line_id=stray.id, title="Fuera", title_key="fuera"))
    db.session.commit()
    table = rows()
    assert triple(table[("AI2", "2025-Q1")]) == (1, 24, 4.2)
    assert triple(table[("AI2", "2025-Q2")]) == (1, 15, 6.7)
    assert triple(table[("AI2", "2025-Q3")]) == (0, 12, 0.0)
    assert triple(table[("AI2", "2025-Q4")]) == (1, 12, 8.3)
    assert triple(table[("AI2", "2025")]) == (3, 63, 4.8)
    assert triple(table[("AI4", "2025-Q2")]) == (1, 69, 1.4)
    assert triple(table[("FIN", "2025-Q2")]) == (3, 144, 2.1)
    assert triple(table[("FIN", "2025")]) == (5, 579, 0.9)


def test_ai1_counts_requests_received_and_attended(app):
    load_program(2025)
    ine = make_organization("Instituto Nacional Electoral", acronym="INE")

    def request(received, attended=None):
        db.session.add(PartnerRequest(received_on=received, attended_on=attended, requester_id=ine.id,
                                      subject="Asunto", subject_key=fold("Asunto")))

    request(date(2025, 1, 8), date(2025, 1, 10))
    request(date(2025, 3, 30), date(2025, 4, 2))   # received in Q1, attended in Q2: Q1's
    request(date(2025, 3, 31))                     # pending
    request(date(2025, 12, 31), date(2026, 1, 5))  # attended the next year: still attended
    request(date(2024, 12, 31), date(2025, 1, 2))  # received in 2024
    db.session.commit()
    table = rows()
    assert triple(table[("AI1", "2025-Q1")]) == (2, 3, 66.7)
    assert triple(table[("AI1", "2025-Q2")]) == (0, 0, None)
    assert triple(table[("AI1", "2025-Q4")]) == (1, 1, 100.0)
    assert triple(table[("AI1", "2025")]) == (3, 4, 75.0)
    assert table[("AI1", "2025")]["kind"] == "compliance"
