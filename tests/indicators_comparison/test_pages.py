"""The «Comparación anual» tab (test client): the message with one program year, the table and chart with two,
the form's choices, the role check; and the reports' comparison: the XLSX sheet and the PDF section (pdftotext),
absent without a previous program year."""

from __future__ import annotations

import io
import re

import openpyxl

from crm.core.extensions import db
from crm.indicators import views
from tests.factories import load_program
from tests.indicators_comparison.helpers import build_two_years
from tests.indicators_report.test_report import pdf_pages

URL = "/indicadores/comparacion"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


def test_with_one_program_year_the_tab_says_a_second_is_needed(app, client, login_as):
    load_program(2025)
    login_as("coordinator")
    response = client.get(URL)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    text = _text(html)
    assert "Para comparar hace falta el programa de un segundo año." in text
    assert "Solo está cargado el programa 2025." in text and "flask --app wsgi program load ARCHIVO.yaml" in text
    assert 'href="/programa/2025/programa.yaml"' in html
    assert 'id="comparacion-anual"' not in html and 'name="anterior"' not in html
    assert 'aria-current="page" href="/indicadores/comparacion' in html
    assert client.get("/indicadores/comparacion/grafica-2024-2025.svg").status_code == 404


def test_with_two_program_years_the_tab_compares_them(app, client, login_as):
    build_two_years()
    login_as("viewer")
    html = client.get(URL).get_data(as_text=True)
    assert '<option value="2024" selected>' in html and re.search(r'id="actual".*<option value="2025" selected>', html)
    ai3 = _text(re.search(r'<tr id="nivel-AI3".*?</tr>', html, re.S).group(0))
    assert "80 % 90 %" in ai3 and "sube 10 puntos" in ai3 and "↑" in ai3
    assert "No · " in ai3 and "Sí · " in ai3  # met in 2025, not in 2024: in words, not colour alone
    ai2 = _text(re.search(r'<tr id="nivel-AI2".*?</tr>', html, re.S).group(0))
    assert "sube 2.6 puntos" in ai2 and "3 → 5 actividades realizadas" in ai2 and "Nota: Cambió la meta" in ai2
    line = _text(re.search(r'<tr id="linea-AI2.6".*?</tr>', html, re.S).group(0))
    assert "solo existe en el programa 2024" in line and "no existe" in line and "T1: 1 → —" in line
    assert "T1: 2 → 5" in _text(re.search(r'<tr id="linea-AI2.2".*?</tr>', html, re.S).group(0))
    assert 'src="/indicadores/comparacion/grafica-2024-2025.svg"' in html
    alt = re.search(r'<img class="svg-chart[^>]*alt="([^"]*)"', html).group(1).replace("\u00a0", " ")
    assert "AI3: 80 % en 2024, 90 % en 2025 (sube 10 puntos)" in alt  # the chart's text alternative
    for raw in (">None<", "nan<", ">True<", "2025-Q1"):
        assert raw not in html
    svg = client.get("/indicadores/comparacion/grafica-2024-2025.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<script" not in svg.data
    # the years chosen in the form, either way round; the same year twice is explained; unknown years 404
    swapped = _text(client.get(f"{URL}?anterior=2025&actual=2024").get_data(as_text=True))
    assert "baja 10 puntos" in swapped
    same = _text(client.get(f"{URL}?anterior=2025&actual=2025").get_data(as_text=True))
    assert "elija dos años distintos" in same
    # a year without a program (the dashboard's link from such a year) falls back on the program years
    fallback = client.get(f"{URL}?anterior=2019&actual=2025").get_data(as_text=True)
    assert '<option value="2024" selected>' in fallback and "sube 10 puntos" in _text(fallback)
    assert client.get(f"{URL}?actual=2031").status_code == 200
    assert client.get(f"{URL}?actual=abc").status_code == 404
    assert client.get(f"{URL}/grafica-2025-2025.svg").status_code == 404
    assert client.get(f"{URL}/grafica-2019-2025.svg").status_code == 404


def test_the_dashboard_links_to_the_tab(app, client, login_as):
    build_two_years()
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    assert 'href="/indicadores/comparacion?actual=2025">Comparación anual</a>' in html


def test_the_tab_needs_view_indicators(app, client, login_as, monkeypatch):
    from crm.auth import roles

    build_two_years()
    assert views.comparison_page.permission == "view_indicators"
    assert views.comparison_chart.permission == "view_indicators"
    assert client.get(URL).status_code == 302  # anonymous: to the log-in page
    login_as("viewer")
    assert client.get(URL).status_code == 200
    monkeypatch.setitem(roles.PERMISSIONS, "view_indicators", frozenset({roles.Role.ADMIN}))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}/grafica-2024-2025.svg").status_code == 403


def test_the_xlsx_has_the_comparison_sheet(app, client, login_as):
    build_two_years()
    login_as("coordinator")
    book = openpyxl.load_workbook(io.BytesIO(client.get("/indicadores/informe.xlsx?anio=2025").data))
    assert "comparacion" in book.sheetnames
    rows = list(book["comparacion"].iter_rows(values_only=True))
    assert rows[0][:7] == ("nivel", "linea", "periodo", "valor_anterior", "valor_actual", "cambio_puntos", "cambio")
    ai3 = next(r for r in rows if r[0] == "AI3" and r[2] == "T1")
    assert ai3[3:7] == (80, 90, 10, "sube 10 puntos")
    assert any(r[1] == "AI2.6" and "solo existe en el programa 2024" in (r[16] or "") for r in rows)
    assert book["comparacion"]._images  # the chart beside the table
    # the earliest year has no previous program: no sheet
    earliest = openpyxl.load_workbook(io.BytesIO(client.get("/indicadores/informe.xlsx?anio=2024").data))
    assert "comparacion" not in earliest.sheetnames


def test_the_pdf_has_the_comparison_section(app, client, login_as, tmp_path):
    build_two_years()
    login_as("coordinator")
    text = " ".join(pdf_pages(client.get("/indicadores/informe.pdf?anio=2025&periodo=2025-Q1").data, tmp_path))
    assert "Comparación con el año anterior: 2024 y 2025" in text
    assert re.search(r"AI3 T1 80 % 90 % ↑ sube 10 puntos", text.replace("\u00a0", " "))
    assert "La línea AI2.6 solo existe en el programa 2024." in text
    alone = " ".join(pdf_pages(client.get("/indicadores/informe.pdf?anio=2024").data, tmp_path))
    assert "Comparación con el año anterior" not in alone
    db.session.rollback()
