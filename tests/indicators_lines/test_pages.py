"""The chronogram editor, a conditional component's switch, the program download, the per-line page and the
dashboard's opening year."""

from __future__ import annotations

from datetime import date

import yaml
from sqlalchemy import select

from crm.core.audit import AuditEntry
from crm.core.extensions import db
from crm.core.timeutil import local_today
from crm.program.forms import field_name
from crm.program.services import action_line_by_code, program_for_year
from tests.factories import load_program, make_activity


def schedule_post(program, changes: dict[str, list[int]]) -> dict:
    data = {}
    for component in program.components:
        for line in component.action_lines:
            months = changes.get(line.code, line.monthly())
            data.update({field_name(line.code, m): str(months[m]) for m in range(12)})
    return data


def test_the_chronogram_editor_saves_audits_and_warns(app, client, login_as):
    program = load_program(2025)
    login_as("admin")
    page = client.get("/programa/2025/cronograma")
    assert page.status_code == 200
    assert 'aria-label="AI2.2, enero"' in page.get_data(as_text=True)
    response = client.post("/programa/2025/cronograma", data=schedule_post(program, {"AI2.2": [5] * 12}),
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Cronograma guardado" in html
    assert "AI2.2: los meses suman 60 y la meta anual es 52" in html
    assert action_line_by_code(2025, "AI2.2").schedule == [5] * 12
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "program.schedule"))
    assert entry.actor_label and entry.details["lines"]["AI2.2"]["after"] == [5] * 12


def test_the_chronogram_refuses_a_negative_or_missing_count(app, client, login_as):
    program = load_program(2025)
    login_as("admin")
    data = schedule_post(program, {"AI2.2": [5] * 12})
    data[field_name("AI2.2", 2)] = "-1"
    data[field_name("AI1.1", 0)] = ""
    html = client.post("/programa/2025/cronograma", data=data).get_data(as_text=True)
    assert "No se guardó el cronograma" in html
    assert "AI2.2, marzo: escriba un número entero de 0 a 100000." in html
    assert "AI1.1, enero: escriba una cantidad" in html
    assert action_line_by_code(2025, "AI2.2").schedule is None


def test_only_who_manages_the_program_edits_it(app, client, login_as):
    load_program(2025)
    login_as("coordinator")
    assert client.get("/programa/2025/cronograma").status_code == 403
    assert client.post("/programa/2025/componentes/AI6/aplica", data={"applies": "no"}).status_code == 403
    assert client.get("/programa/2025/programa.yaml").status_code == 200


def test_switching_a_conditional_component_off_from_the_program_page(app, client, login_as):
    load_program(2025)
    login_as("admin")
    html = client.get("/programa/?anio=2025").get_data(as_text=True)
    assert 'id="aplica-AI6"' in html and 'id="aplica-AI5"' not in html
    response = client.post("/programa/2025/componentes/AI6/aplica", data={"applies": "no"}, follow_redirects=True)
    assert "AI6: no aplica en 2025." in response.get_data(as_text=True)
    assert program_for_year(2025).component("AI6").applies is False
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "program.applies")) is not None
    dashboard = client.get("/indicadores/?anio=2025&seccion=trimestres").get_data(as_text=True)
    assert "No aplica en 2025" in dashboard
    refused = client.post("/programa/2025/componentes/AI5/aplica", data={"applies": "no"}, follow_redirects=True)
    assert "AI5 no es un componente condicional" in refused.get_data(as_text=True)


def test_the_program_download_is_a_program_file(app, client, login_as):
    load_program(2025)
    login_as("viewer")
    response = client.get("/programa/2025/programa.yaml")
    assert response.headers["Content-Disposition"] == 'attachment; filename="programa-2025.yaml"'
    data = yaml.safe_load(response.get_data(as_text=True))
    assert data["year"] == 2025 and [level["code"] for level in data["levels"]][:2] == ["FIN", "PROPOSITO"]
    assert client.get("/programa/2031/programa.yaml").status_code == 404


def test_the_lines_page_shows_every_line_with_its_lights(app, client, login_as):
    load_program(2025)
    make_activity("AI2.2", date(2025, 1, 20))
    login_as("viewer")
    html = client.get("/indicadores/lineas?anio=2025").get_data(as_text=True)
    assert html.count('id="linea-AI') == 23
    row = html.split('id="linea-AI2.2"')[1].split("</tr>")[0]
    assert 'data-realizadas="1" data-programadas="15"' in row
    assert "Rojo" in row  # Q1: 1 of 15
    assert "verde desde 85 %" in html


def test_the_dashboard_opens_on_the_latest_year_with_a_program(app, client, login_as):
    current = local_today().year
    load_program(current - 1)
    login_as("viewer")
    html = client.get("/indicadores/").get_data(as_text=True)
    assert f"<h1 class=\"h3 me-auto mb-0\">Indicadores {current - 1}</h1>" in html
    assert f"Líneas de acción {current - 1}" in client.get("/indicadores/lineas").get_data(as_text=True)


def test_the_dashboard_opens_on_the_current_year_when_it_has_a_program(app, client, login_as):
    current = local_today().year
    load_program(current - 1)
    load_program(current)
    login_as("viewer")
    assert f"Indicadores {current}</h1>" in client.get("/indicadores/").get_data(as_text=True)


def test_the_dashboard_shows_each_components_activities_and_the_formula(app, client, login_as):
    load_program(2025)
    make_activity("AI3.1", date(2025, 2, 14))
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    cell = html.split('id="actividades-AI3"')[1].split("</td>")[0]
    assert "1 / 85" in cell and "de las actividades realizadas" in cell
    assert "Satisfacción: fórmula: respuestas positivas a preguntas indicadoras" in html
    assert 'href="/indicadores/lineas?anio=2025">Líneas de acción</a>' in html
