"""The analysis pages: who may open them, what they show, the SVG's headers, and the XLSX (audited when it
holds a cross-tabulation of people's groups)."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from tests.survey_analysis.helpers import analysed_survey, scene


def urls(survey, question) -> list[str]:
    base = f"/encuestas/{survey.id}/analisis"
    return [base, f"{base}/cruce", f"{base}/cruce?pregunta={question['asistio'].id}&grupo=sexo",
            f"{base}/grafica/{question['calidad'].id}.svg", f"{base}.xlsx",
            f"{base}.xlsx?pregunta={question['asistio'].id}&grupo=sexo", f"{base}.pdf",
            f"{base}.pdf?pregunta={question['asistio'].id}&grupo=sexo"]


@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("staff", 200), ("coordinator", 200),
                                               ("viewer", 403)])
def test_role_matrix(client, login_as, role, status):
    survey, question = scene()
    login_as(role)
    for url in urls(survey, question):
        assert client.get(url).status_code == status, (role, url)


def test_anonymous_visitors_are_sent_to_log_in(client):
    survey, question = scene()
    for url in urls(survey, question):
        response = client.get(url)
        assert response.status_code in (302, 401), url


def test_the_page_shows_each_closed_question_with_its_chart_and_data_table(client, login_as):
    survey, question = scene()
    login_as("coordinator")
    page = client.get(f"/encuestas/{survey.id}/analisis").get_data(as_text=True)
    assert f'href="/encuestas/{survey.id}/analisis" aria-current="page">Análisis</a>' in page  # the sub-menu
    for name in ("asistio", "calidad", "temas", "puntaje"):
        assert f'data-question="{name}"' in page
        assert f"/analisis/grafica/{question[name].id}.svg" in page
    assert 'data-question="opinion"' not in page
    table = re.search(r'data-question="calidad".*?</table>', page, re.S).group(0)
    assert re.findall(r'<td class="text-end">(\d+)</td>', table) == ["4", "2", "2", "8"]
    assert "No aplica (la pregunta tiene una condición)" in table and "data-apart>6<" in table
    assert re.search(r'alt="¿Cómo califica la sesión\?\. Porcentajes sobre las 8 respuestas', page)
    assert "None" not in page and "nan" not in page


def test_the_chart_is_served_as_a_script_free_svg(client, login_as):
    survey, question = scene()
    login_as("staff")
    response = client.get(f"/encuestas/{survey.id}/analisis/grafica/{question['temas'].id}.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert client.get(f"/encuestas/{survey.id}/analisis/grafica/{question['opinion'].id}.svg").status_code == 404
    other = analysed_survey()
    assert client.get(f"/encuestas/{other.id}/analisis/grafica/{question['temas'].id}.svg").status_code == 404


def test_the_crosstab_form_works_without_javascript(client, login_as):
    survey, question = scene()
    login_as("coordinator")
    page = client.get(f"/encuestas/{survey.id}/analisis/cruce").get_data(as_text=True)
    assert '<form method="get"' in page and 'name="pregunta"' in page and 'name="grupo"' in page
    crossed = re.search(r'<select[^>]*name="pregunta".*?</select>', page, re.S).group(0)
    assert f'<option value="{question["puntaje"].id}"' not in crossed  # only choice questions are crossed
    page = client.get(f"/encuestas/{survey.id}/analisis/cruce?pregunta={question['asistio'].id}&grupo=sexo")
    page = page.get_data(as_text=True)
    assert 'id="cruce"' in page
    assert '<th scope="row">No binario</th>' in page and '<th scope="row">Sin dato</th>' in page
    assert page.count('data-suppressed="menos de 5"') == 3 + 3  # no binario (2) and sin dato (1): total + 2 options
    assert 'data-suppressed="complementaria"' not in page  # two small groups protect each other
    assert 'data-cell="0-0">6 <span' in page  # mujeres: 6 said «sí»
    # a question of another survey, or nonsense, shows the form again without a table
    for query in ("pregunta=999999&grupo=sexo", f"pregunta={question['asistio'].id}&grupo=zodiaco",
                  "pregunta=abc&grupo=sexo"):
        response = client.get(f"/encuestas/{survey.id}/analisis/cruce?{query}")
        assert response.status_code == 200 and 'id="cruce"' not in response.get_data(as_text=True)


def sheet_rows(body: bytes, title: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


def test_the_xlsx_has_a_sheet_per_question_and_the_crosstab_as_shown(client, login_as):
    survey, question = scene()
    user = login_as("coordinator")
    body = client.get(f"/encuestas/{survey.id}/analisis.xlsx").data
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    assert workbook.sheetnames == ["Preguntas", "P1 asistio", "P2 calidad", "P3 temas", "P4 puntaje"]
    rows = sheet_rows(body, "P2 calidad")
    assert rows[0] == ("Opción", "Respuestas", "Porcentaje (%)")
    assert rows[1:4] == [("Buena", 4, 50), ("Regular", 2, 25), ("Mala", 2, 25)]
    assert ("No aplica (la pregunta tiene una condición)", 6, None) in rows
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.export")).all() == []

    body = client.get(f"/encuestas/{survey.id}/analisis.xlsx?pregunta={question['asistio'].id}&grupo=sexo").data
    rows = sheet_rows(body, "Cruce")
    assert rows[0][:4] == ("Sexo", "Respuestas", "Sí (respuestas)", "Sí (% del grupo)")
    assert rows[1][:4] == ("Mujer", 6, 6, 100)
    assert rows[3][:3] == ("No binario", "suprimida (menos de 5)", "suprimida (menos de 5)")
    assert rows[3][3] is None  # no percentage of a hidden cell
    assert rows[5][:4] == ("Total", 14, 8, 57.1)
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.export")).all()
    assert len(entries) == 1 and entries[0].actor_id == user.id
    assert entries[0].details["kind"] == "analisis" and entries[0].details["filters"] == "sexo"


def test_the_pdf_has_the_charts_and_the_crosstab_without_the_hidden_values(client, login_as, tmp_path):
    survey, question = scene()
    login_as("coordinator")
    response = client.get(f"/encuestas/{survey.id}/analisis.pdf?pregunta={question['asistio'].id}&grupo=sexo")
    assert response.mimetype == "application/pdf"
    (tmp_path / "analisis.pdf").write_bytes(response.data)
    text = subprocess.run(["/usr/bin/pdftotext", str(tmp_path / "analisis.pdf"), "-"], capture_output=True,
                          check=True, text=True).stdout
    text = " ".join(text.split())
    for title in ("¿Asistió a la sesión?", "¿Cómo califica la sesión?", "Temas de interés", "Puntaje"):
        assert title in text
    assert "suprimida (menos de 5)" in text and "No binario" in text
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "surveys.export")).all()
    assert [e.details["format"] for e in entries] == ["pdf"]
