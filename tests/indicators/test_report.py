"""The report on the public smoke-check sample, and the command's output formats."""

import json
from datetime import datetime

import openpyxl
import pytest

from crm.core.tabular import read_table
from crm.core.timeutil import local_today
from crm.events.imports import pipeline as events
from crm.indicators.reports import COLUMNS
from tests.events.helpers import table
from tests.factories import load_program
from tests.indicators.helpers import respond, survey

PERIODS = ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2025"]


@pytest.fixture
def sample(app, tmp_path):
    """The data of ../shared/contract-check/sample, built with factories and the real imports."""
    app.config["CRM_TIMEZONE"] = "America/Mexico_City"
    load_program(2025)
    s = survey("AI3", 2025)
    respond(s, datetime(2025, 2, 10, 16, 0), calidad="buena")     # 2025-02-10T10:00:00-06:00
    respond(s, datetime(2025, 2, 11, 18, 30), calidad="regular")  # 2025-02-11T18:30:00Z
    respond(s, datetime(2025, 5, 2, 15, 0), calidad="buena")      # 2025-05-02T09:00:00 local
    respond(s, datetime(2025, 8, 20, 18, 0), calidad="mala")      # 2025-08-20T12:00:00-06:00
    events.import_activities(table(tmp_path, [
        ["fecha", "accion", "titulo", "tipo", "modalidad", "organizaciones"],
        ["2025-01-20", "AI2.2", "Boletín internacional de enero", "difusión", "virtual", ""],
        ["2025-02-14", "AI4.1", "Reunión con la Red Voto Chilango en Chicago", "reunión", "virtual", ""]]))
    events.import_requests(table(tmp_path, [
        ["recibida", "atendida", "solicitante", "asunto", "accion"],
        ["2025-01-08", "2025-01-10", "Instituto Nacional Electoral (INE)", "Informe de sesiones", "AI1.2"],
        ["2025-04-02", "", "INE", "Actualización del sistema de vinculación", "AI1.3"]]))
    return app


def report_json(app, *args):
    result = app.test_cli_runner().invoke(args=["indicators", "report", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_sample_values(sample):
    report = report_json(sample, "--year", "2025", "--format", "json")
    assert (report["year"], report["timezone"]) == (2025, "America/Mexico_City")
    rows = {(r["level"], r["period"]): (r["numerator"], r["denominator"], r["value"]) for r in report["indicators"]}
    want = {("AI3", "2025"): (2, 4, 50.0), ("AI3", "2025-Q1"): (1, 2, 50.0), ("AI3", "2025-Q2"): (1, 1, 100.0),
            ("AI3", "2025-Q3"): (0, 1, 0.0), ("AI3", "2025-Q4"): (0, 0, None), ("AI5", "2025"): (0, 0, None),
            ("AI2", "2025"): (1, 63, 1.6), ("AI4", "2025"): (1, 279, 0.4), ("FIN", "2025"): (2, 579, 0.3),
            ("AI1", "2025"): (1, 2, 50.0), ("AI1", "2025-Q2"): (0, 1, 0.0), ("PROPOSITO", "2025"): (2, 4, 50.0)}
    assert {key: rows[key] for key in want} == want
    assert any(w.startswith("AI4: ") for w in report["warnings"])


def test_year_defaults_to_the_current_local_year(app):
    report = report_json(app)
    assert report["year"] == local_today().year
    assert len(report["indicators"]) == 40


def test_json_to_a_file(sample, tmp_path):
    path = tmp_path / "matriz.json"
    result = sample.test_cli_runner().invoke(args=["indicators", "report", "--year", "2025", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text(encoding="utf-8"))["year"] == 2025


def test_csv_has_one_row_per_indicator_then_per_action_line(sample, tmp_path):
    path = tmp_path / "matriz.csv"
    result = sample.test_cli_runner().invoke(
        args=["indicators", "report", "--year", "2025", "--format", "csv", "--output", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    data = read_table(path)
    assert data.header == list(COLUMNS)
    assert len(data.rows) == 40 + 23 * 5  # 8 levels x 5 periods, then 23 action lines x 5 periods
    by_key = {(cells["level"], cells["period"]): cells for _, cells in data.rows if cells["kind"] != "action_line"}
    lines = {(cells["line"], cells["period"]): cells for _, cells in data.rows if cells["kind"] == "action_line"}
    assert (lines[("AI2.2", "2025-Q1")]["numerator"], lines[("AI2.2", "2025-Q1")]["denominator"]) == ("1", "15")  # 52 spread: 5, 5, 5, 5, 4, ...
    assert by_key[("AI3", "2025")]["activities_programmed"] == "85"
    assert by_key[("AI3", "2025")]["value"] == "50.0"
    assert by_key[("AI3", "2025")]["responses"] == "4"
    assert by_key[("AI3", "2025-Q4")]["value"] == ""
    assert by_key[("FIN", "2025")]["value"] == "0.3"


def test_xlsx_has_the_csv_rows_and_no_formulas(sample, tmp_path):
    path = tmp_path / "matriz.xlsx"
    result = sample.test_cli_runner().invoke(args=["indicators", "report", "--year", "2025", "--output", str(path)])
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(path).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == list(COLUMNS)
    assert len(values) == 1 + 40 + 23 * 5
    fin_year = next(row for row in values if row[0] == "FIN" and row[2] == "2025")
    assert fin_year[3:5] == (2, 579) and fin_year[6] == 0.3
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]


def test_csv_to_standard_output(sample):
    result = sample.test_cli_runner().invoke(args=["indicators", "report", "--year", "2025", "--format", "csv"])
    assert result.exit_code == 0
    lines = result.output.lstrip("\ufeff").splitlines()
    assert lines[0] == ",".join(COLUMNS)
    assert len(lines) == 1 + 40 + 23 * 5


def test_activity_dates_are_local_dates(sample):
    # The sample's activities are in January and February: both in Q1.
    report = report_json(sample, "--year", "2025")
    rows = {(r["level"], r["period"]): r for r in report["indicators"]}
    assert [rows[("FIN", p)]["numerator"] for p in PERIODS] == [2, 0, 0, 0, 2]
