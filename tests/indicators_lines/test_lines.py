"""Every action line measured: the report's `lines`, each component's activities, agreement milestones
counted as realized activities, conditional components switched off, per-program traffic-light thresholds."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from crm.core.extensions import db
from crm.events.agreements.models import Agreement
from crm.indicators import scorecard
from crm.indicators.compute import compute_report
from crm.program import editing
from crm.program.services import action_line_by_code, program_for_year
from tests.factories import load_program, make_activity
from tests.indicators.helpers import respond, survey

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"]


def agreement(folio: str, *, opinion: tuple[str, date] | None = None, signing: tuple[str, date] | None = None):
    record = Agreement(folio=folio, folio_key=folio.lower(), title=f"Convenio {folio}",
                       state="firmado" if signing else "dictaminado")
    if opinion:
        record.opinion_on, record.opinion_line_id = opinion[1], action_line_by_code(opinion[1].year, opinion[0]).id
    if signing:
        record.signed_on, record.signing_line_id = signing[1], action_line_by_code(signing[1].year, signing[0]).id
    db.session.add(record)
    db.session.commit()
    return record


@pytest.fixture
def year_2025(app):
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"
    load_program(2025)
    make_activity("AI2.2", date(2025, 1, 20))
    make_activity("AI2.2", date(2025, 5, 3))
    make_activity("AI3.1", date(2025, 2, 14))
    make_activity("AI1.1", date(2025, 8, 1))
    agreement("IECM/CONV/900/2025", opinion=("AI1.7", date(2025, 2, 1)), signing=("AI1.6", date(2025, 3, 1)))
    agreement("IECM/CONV/901/2025", signing=("AI2.3", date(2025, 11, 30)))
    return app


def rows(report):
    return {(r["level"], r["period"]): r for r in report["indicators"]}


def lines(report):
    return {(r["line"], r["period"]): r for r in report["lines"]}


def test_one_line_object_per_action_line_and_period(year_2025):
    report = compute_report(2025)
    assert len(report["lines"]) == 23 * 5
    assert {r["period"] for r in report["lines"]} == set(PERIODS)
    ai22 = lines(report)
    assert [(ai22[("AI2.2", p)]["realized"], ai22[("AI2.2", p)]["programmed"]) for p in PERIODS] == [
        (1, 15), (1, 13), (0, 12), (0, 12), (2, 52)]
    assert ai22[("AI2.2", "2025")]["value"] == 3.8
    assert set(ai22[("AI2.2", "2025")]) >= {"line", "period", "realized", "programmed", "value"}


def test_agreement_milestones_count_as_realized_activities_on_their_dates(year_2025):
    report = compute_report(2025)
    by_line = lines(report)
    assert by_line[("AI1.7", "2025-Q1")]["realized"] == 1
    assert by_line[("AI1.6", "2025-Q1")]["realized"] == 1
    assert by_line[("AI2.3", "2025-Q4")]["realized"] == 1
    assert by_line[("AI2.3", "2025")] == {"line": "AI2.3", "level": "AI2", "period": "2025", "realized": 1,
                                          "programmed": 2, "value": 50.0}
    matrix = rows(report)
    # FIN: 4 activities + 3 milestones; AI2: 2 activities + 1 signing
    assert (matrix[("FIN", "2025")]["numerator"], matrix[("FIN", "2025")]["denominator"]) == (7, 579)
    assert matrix[("AI2", "2025-Q4")]["numerator"] == 1
    assert (matrix[("AI2", "2025")]["numerator"], matrix[("AI2", "2025")]["activities_realized"]) == (3, 3)
    # AI1 stays requests attended / received; its activities are beside it
    assert (matrix[("AI1", "2025")]["numerator"], matrix[("AI1", "2025")]["denominator"]) == (0, 0)
    assert (matrix[("AI1", "2025")]["activities_realized"], matrix[("AI1", "2025")]["activities_programmed"]) == (3, 150)
    assert matrix[("AI1", "2025-Q1")]["activities_realized"] == 2


def test_a_milestone_of_another_year_does_not_count(year_2025):
    load_program(2026)
    agreement("IECM/CONV/002/2026", signing=("AI1.6", date(2026, 1, 15)))
    assert lines(compute_report(2025))[("AI1.6", "2025")]["realized"] == 1
    assert lines(compute_report(2026))[("AI1.6", "2026-Q1")]["realized"] == 1


def test_every_component_row_carries_its_activities_and_ai3_both_readings(year_2025):
    s = survey("AI3", 2025)
    respond(s, datetime(2025, 2, 10, 16, 0), calidad="buena")
    report = compute_report(2025)
    matrix = rows(report)
    for level in ("AI1", "AI2", "AI3", "AI4", "AI5", "AI6"):
        for period in PERIODS:
            assert {"activities_realized", "activities_programmed"} <= set(matrix[(level, period)])
    for level in ("FIN", "PROPOSITO"):
        assert "activities_realized" not in matrix[(level, "2025")]
    ai3 = matrix[("AI3", "2025")]
    assert (ai3["kind"], ai3["value"], ai3["responses"]) == ("satisfaction", 100.0, 1)
    assert (ai3["activities_realized"], ai3["activities_programmed"], ai3["activities_value"]) == (1, 85, 1.2)
    # quarters follow the lines' schedules: 25, 48 and 12 spread over the months
    assert [matrix[("AI3", p)]["activities_programmed"] for p in PERIODS[:4]] == [22, 21, 21, 21]
    assert "indicator questions" in report["satisfaction_formula"]


def test_cli_json_has_lines_and_activities(year_2025):
    result = year_2025.test_cli_runner().invoke(args=["indicators", "report", "--year", "2025"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert lines(report)[("AI1.6", "2025-Q1")]["realized"] == 1
    assert rows(report)[("AI3", "2025")]["activities_programmed"] == 85


def test_a_conditional_component_switched_off_reads_no_aplica_and_leaves_fin(year_2025):
    ai6 = survey("AI6", 2025)
    respond(ai6, datetime(2025, 6, 1, 16, 0), calidad="mala")
    ai3 = survey("AI3", 2025)
    respond(ai3, datetime(2025, 6, 1, 16, 0), calidad="buena")
    program = program_for_year(2025)
    before = rows(compute_report(2025))
    assert before[("FIN", "2025")]["denominator"] == 579
    assert before[("PROPOSITO", "2025")]["value"] == 50.0
    editing.set_applies(program, "AI6", False, actor=None)
    report = compute_report(2025)
    matrix = rows(report)
    assert matrix[("FIN", "2025")]["denominator"] == 578
    assert matrix[("PROPOSITO", "2025")]["value"] == 100.0  # AI6's surveys are out of PROPÓSITO too
    for period in PERIODS:
        row = matrix[("AI6", period)]
        assert (row["applies"], row["value"], row["numerator"], row["denominator"]) == (False, None, 0, 0)
    assert lines(report)[("AI6.1", "2025")]["applies"] is False
    assert "applies" not in matrix[("AI5", "2025")]
    summary = next(s for s in scorecard.summaries(report, program, date(2025, 12, 31)) if s["level"] == "AI6")
    assert summary["light"]["label"] == "No aplica"


def test_only_a_conditional_component_can_be_switched_off(year_2025):
    from crm.core.errors import DomainError

    with pytest.raises(DomainError):
        editing.set_applies(program_for_year(2025), "AI5", False, actor=None)


def test_thresholds_come_from_the_program(year_2025):
    program = program_for_year(2025)
    row = {"value": 80.0, "numerator": 8}
    assert scorecard.light("AI3", row, program, 2025, date(2025, 12, 31))["color"] == "yellow"
    program.threshold_green, program.threshold_yellow = 75, 50
    db.session.commit()
    assert scorecard.light("AI3", row, program, 2025, date(2025, 12, 31))["color"] == "green"
    assert scorecard.light("AI3", {"value": 49.9}, program, 2025, date(2025, 12, 31))["color"] == "red"
    assert "verde desde 75 %" in scorecard.thresholds_text(program)[0]


def test_the_pdf_report_shows_every_line_and_ai3s_activities(year_2025, client, login_as, tmp_path):
    import subprocess

    login_as("coordinator")
    response = client.get("/indicadores/informe.pdf?anio=2025")
    assert response.status_code == 200
    path = tmp_path / "informe.pdf"
    path.write_bytes(response.get_data())
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                                   text=True).stdout.split())
    assert "Líneas de acción" in text
    for code in ("AI1.6", "AI1.7", "AI2.3", "AI6.2"):
        assert code in text
    reading = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                                      text=True).stdout.split())  # reading order: a cell's lines together
    assert "Actividades realizadas: 1 de 85 programadas" in reading  # AI3: beside its satisfaction
    assert "respuestas positivas a preguntas indicadoras / respuestas a preguntas indicadoras" in text


def test_the_quarterly_xlsx_matrix_has_the_lines(year_2025, client, login_as, tmp_path):
    import io

    import openpyxl

    login_as("coordinator")
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/indicadores/informe.xlsx?anio=2025").get_data()))
    rows = list(workbook["matriz"].iter_rows(values_only=True))
    header = rows[0]
    line_rows = [dict(zip(header, r, strict=True)) for r in rows[1:] if r[1] == "action_line"]
    signing = next(r for r in line_rows if r["line"] == "AI1.6" and r["period"] == "2025-Q1")
    assert (signing["numerator"], signing["denominator"]) == (1, 6)
