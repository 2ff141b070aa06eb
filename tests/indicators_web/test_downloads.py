"""The quarterly report downloads: XLSX and PDF, permission, audit, the same numbers as the CLI."""

import io
import json
import re
import subprocess

import openpyxl
import pytest
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.tabular import read_table
from crm.indicators.reports import COLUMNS


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=["indicators", "report", "--year", "2025", *args])
    assert result.exit_code == 0, result.output
    return result.output


def sheet_rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def xlsx(sample, client, login_as):
    login_as("coordinator")
    response = client.get("/indicadores/informe.xlsx?anio=2025")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "indicadores-2025-" in response.headers["Content-Disposition"]
    return openpyxl.load_workbook(io.BytesIO(response.data))


def test_xlsx_first_sheet_is_the_cli_matrix(xlsx, app, tmp_path):
    path = tmp_path / "cli.xlsx"
    cli(app, "--format", "xlsx", "--output", str(path))
    expected = sheet_rows(openpyxl.load_workbook(path).worksheets[0])
    first = xlsx.worksheets[0]
    assert first.title == "matriz"
    rows = sheet_rows(first)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 1 + 40 + 23 * 5  # the levels, then the action lines
    assert rows == expected


def test_xlsx_has_breakdowns_impact_charts_and_definitions(xlsx):
    assert xlsx.sheetnames == ["matriz", "sexo", "red", "pais", "programa", "encuesta", "actividad", "impacto",
                               "semaforo", "graficas", "definiciones", "advertencias"]
    sexo = sheet_rows(xlsx["sexo"])
    header = sexo[0]
    cells = {(r[0], r[1], r[3]): dict(zip(header, r, strict=True)) for r in sexo[1:]}
    hombre = cells[("AI3", "2025-Q1", "Hombre")]      # 4 men answered in Q1
    assert (hombre["numerador"], hombre["respuestas"], hombre["valor"], hombre["supresion"]) == \
        (None, "menos de 5", None, "menos de 5")
    assert len(xlsx["graficas"]._images) == 8
    terms = [r[0] for r in sheet_rows(xlsx["definiciones"])[1:]]
    assert "Celdas pequeñas" in terms and "Semáforo" in terms
    warnings = sheet_rows(xlsx["advertencias"])
    assert warnings[0] == ["advertencia"]
    assert ["AI4: la meta declarada (279) difiere de la suma de sus líneas de acción (276); el denominador anual "
            "usa la meta declarada"] in warnings


def test_xlsx_never_holds_a_formula(sample, client, login_as):
    from tests.factories import make_survey

    make_survey([{"name": "calidad", "type": "select_one", "indicator": True,
                  "choices": [("si", {"es": "Sí"}, True)]}], code="formula", title="=HYPERLINK(\"x\")",
                component_code="AI6", year=2025)
    login_as("admin")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/indicadores/informe.xlsx?anio=2025").data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)


def test_cli_json_csv_and_dashboard_show_the_same_numbers(sample, app, client, login_as, tmp_path):
    data = json.loads(cli(app, "--format", "json"))
    path = tmp_path / "matriz.csv"
    cli(app, "--format", "csv", "--output", str(path))
    csv_rows = {(c["level"], c["period"]): c for _, c in read_table(path).rows if c["kind"] != "action_line"}
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    shown = dict(re.findall(r'id="valor-([A-Z0-9]+)" data-valor="([^"]*)"', html))
    for row in data["indicators"]:
        text = "" if row["value"] is None else str(row["value"])
        assert csv_rows[(row["level"], row["period"])]["value"] == text
        assert csv_rows[(row["level"], row["period"])]["numerator"] == str(row["numerator"])
        if row["period"] == "2025":
            assert shown[row["level"]] == text
            assert f'{row["numerator"]} / {row["denominator"]}' in html


def test_pdf_download(sample, client, login_as, tmp_path):
    login_as("coordinator")
    response = client.get("/indicadores/informe.pdf?anio=2025")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    path = tmp_path / "informe.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    for word in ("FIN", "PROPÓSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6", "Método y definiciones",
                 "Informe de indicadores · Año 2025", "menos de 5", "Generado el", "la meta declarada (279)"):
        assert word in text, word


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_viewer_and_staff_cannot_download(sample, client, login_as, fmt):
    login_as("viewer")
    assert client.get(f"/indicadores/informe.{fmt}?anio=2025").status_code == 403


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_downloads_are_audited(sample, client, login_as, fmt):
    user = login_as("admin")
    assert client.get(f"/indicadores/informe.{fmt}?anio=2025").status_code == 200
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "indicators.export")).all()
    assert [(e.actor_id, e.details) for e in entries] == [(user.id, {"year": 2025, "period": "2025", "format": fmt})]


def test_impact_is_exported(sample, client, login_as):
    from tests.indicators_web.helpers import impact_pair

    impact_pair()
    login_as("coordinator")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/indicadores/informe.xlsx?anio=2025").data))
    rows = sheet_rows(book["impacto"])
    by_question = {r[3]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    conocimiento = by_question["conocimiento"]
    assert (conocimiento["encuesta_antes"], conocimiento["encuesta_despues"]) == ("curso_antes", "curso_despues")
    assert [conocimiento[k] for k in ("personas", "media_antes", "media_despues", "cambio", "mejoraron",
                                      "porcentaje_mejoraron")] == [6, 4.17, 5.67, 1.5, 4, 66.7]
    assert by_question["pocas"]["personas"] == "menos de 5" and by_question["pocas"]["media_antes"] is None
