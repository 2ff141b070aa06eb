"""The report of a period (a quarter or the year): the route takes the period, the summary page comes first,
counts are whole numbers, and the warnings, in Spanish, wait in the appendix."""

from __future__ import annotations

import re
import subprocess

import pytest
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.indicators import reports, scorecard
from crm.indicators.compute import compute_report
from crm.program.services import read_program_file, validate_program

PDFTOTEXT = "/usr/bin/pdftotext"
LEVEL_NAMES = ("FIN", "PROPÓSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6")


def pdf_pages(data: bytes, tmp_path, *, layout: bool = False) -> list[str]:
    """The PDF's text, one string per page, whitespace collapsed (pdftotext separates pages with \\f)."""
    path = tmp_path / "informe.pdf"
    path.write_bytes(data)
    args = [PDFTOTEXT, *(["-layout"] if layout else []), str(path), "-"]
    text = subprocess.run(args, capture_output=True, check=True, text=True).stdout
    return [" ".join(page.split()) for page in text.split("\f") if page.strip()]


def download(client, query: str):
    response = client.get(f"/indicadores/informe.pdf?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return response


def test_the_route_takes_the_period_and_names_the_file_after_it(sample, client, login_as, tmp_path):
    user = login_as("coordinator")
    quarter = download(client, "anio=2025&periodo=2025-Q1")
    assert re.search(r'filename="indicadores-2025-T1-\d{8}\.pdf"', quarter.headers["Content-Disposition"])
    first = pdf_pages(quarter.data, tmp_path)[0]
    assert "Informe de indicadores · T1 2025" in first
    assert "del 1 de enero al 31 de marzo de 2025" in first
    year = download(client, "anio=2025")
    assert re.search(r'filename="indicadores-2025-\d{8}\.pdf"', year.headers["Content-Disposition"])
    assert "Informe de indicadores · Año 2025" in pdf_pages(year.data, tmp_path)[0]
    details = [e.details for e in db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "indicators.export", AuditEntry.actor_id == user.id))]
    assert details == [{"year": 2025, "period": "2025-Q1", "format": "pdf"},
                       {"year": 2025, "period": "2025", "format": "pdf"}]
    for bad in ("2025-Q5", "2024-Q1", "T1", "2025-q1"):
        assert client.get(f"/indicadores/informe.pdf?anio=2025&periodo={bad}").status_code == 404, bad


def test_a_quarter_reports_its_own_figures(sample, client, login_as, tmp_path):
    """Q1 has 6 positive answers of 8 in AI3 and one attended request of one; Q2 the rest."""
    login_as("coordinator")
    q1 = pdf_pages(download(client, "anio=2025&periodo=2025-Q1").data, tmp_path)[0]
    assert "75 % de respuestas positivas, en 8 encuestas respondidas" in q1  # pdftotext: spaces joined
    assert "Se atendieron 1 de 1 gestión recibida (100 %)" in q1
    q2 = pdf_pages(download(client, "anio=2025&periodo=2025-Q2").data, tmp_path)[0]
    assert "0 % de respuestas positivas, en 1 encuesta respondida" in q2
    assert "Se atendieron 0 de 1 gestión recibida (0 %)" in q2


def test_the_summary_page_comes_first_and_the_appendix_last(sample, client, login_as, tmp_path):
    login_as("coordinator")
    pages = pdf_pages(download(client, "anio=2025&periodo=2025-Q1").data, tmp_path)
    first = pages[0]
    assert "Resumen" in first and "Semáforo" in first and "Lectura" in first
    for name in LEVEL_NAMES:
        assert name in first, name
    assert "Advertencias" not in first and "Líneas de acción" not in first    # the summary page stands alone
    text = " ".join(pages)
    order = [text.index(heading) for heading in (
        "Resumen", "Gráficas por trimestre", "Líneas de acción: programado y realizado", "AI2.2",
        "Anexo A. Advertencias del programa", "la meta declarada (279)", "Anexo C. Método y definiciones")]
    assert order == sorted(order), order
    appendix = next(i for i, page in enumerate(pages) if "Anexo A. Advertencias" in page)
    assert all("Anexo A." not in page for page in pages[:appendix]) and appendix > 1


def test_counts_are_whole_numbers(sample, client, login_as, tmp_path):
    login_as("coordinator")
    text = " ".join(pdf_pages(download(client, "anio=2025").data, tmp_path))
    assert not re.search(r"\b\d+\.0 (programad|realizad|actividad|respuesta|gesti)", text), \
        re.findall(r".{30}\b\d+\.0 (?:programad|realizad|actividad).{10}", text)
    assert "Se realizaron 3 de 579 actividades programadas (0.5 %)" in text   # FIN, the year
    for section in ("resumen", "trimestres"):
        html = client.get(f"/indicadores/?anio=2025&seccion={section}").get_data(as_text=True)
        assert not re.search(r"\b\d+\.\d programad", html), section


def test_progress_basis_rounds_what_was_programmed_to_whole_activities():
    light = scorecard.progress_light(120, 579.0, 85, 70)
    assert light["basis"] == "20.7\u00a0% de lo programado a la fecha (120 realizadas de 579 programadas)"
    assert "de 346 programadas" in scorecard.progress_light(10, 345.66, 85, 70)["basis"]


def test_the_programs_warnings_are_shown_in_spanish(app):
    # the command line and the report's data keep the contract's text; people read them in Spanish
    _, warnings = validate_program(read_program_file(None))
    assert "AI4: target 279 differs from the sum of its action lines (276)" in warnings
    shown = [scorecard.warning_es(warning) for warning in warnings]
    for warning in shown:
        assert "differs" not in warning and "target" not in warning and "adds up" not in warning, warning
    assert ("AI4: la meta declarada (279) difiere de la suma de sus líneas de acción (276); el denominador "
            "anual usa la meta declarada") in shown
    without_program = [scorecard.warning_es(w) for w in compute_report(2031)["warnings"]]
    assert without_program == ["No hay programa cargado para 2031: sin metas, el cumplimiento no puede calcularse"]


def test_a_level_sees_only_its_own_warnings():
    warnings = ["AI4: la meta declarada (279) difiere", "AI4.2: el calendario mensual suma 3 y la meta es 2",
                "AI5: la meta declarada (1) difiere", "FIN: la meta declarada (580) difiere",
                "No hay programa cargado para 2031: sin metas"]
    assert scorecard.warnings_for("AI4", warnings) == [warnings[0], warnings[1], warnings[4]]
    assert scorecard.warnings_for("FIN", warnings) == [warnings[3], warnings[4]]
    assert scorecard.warnings_for("AI1", warnings) == [warnings[4]]


@pytest.mark.parametrize("period, expected", [("2025-Q2", "T2 2025"), ("2025", "Año 2025")])
def test_period_names(period, expected):
    assert reports.period_name(period, 2025).replace("\u00a0", " ") == expected
