"""The dashboard: the same numbers as crm.indicators.compute, charts as SVG files, drill-down by permission."""

import re

import pytest

from crm.indicators.compute import compute_report
from tests.indicators_web.helpers import impact_pair

LEVELS = ["FIN", "PROPOSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6"]


def value_cells(html: str) -> dict[str, str]:
    return dict(re.findall(r'id="valor-([A-Z0-9]+)" data-valor="([^"]*)"', html))


@pytest.mark.parametrize("role", ["viewer", "coordinator"])
def test_dashboard_shows_the_computed_value_of_every_level(sample, client, login_as, role):
    login_as(role)
    response = client.get("/indicadores/?anio=2025")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    report = compute_report(2025)
    cells = value_cells(html)
    assert set(cells) == set(LEVELS)
    for row in report["indicators"]:
        if row["period"] == "2025":
            assert cells[row["level"]] == ("" if row["value"] is None else str(row["value"])), row["level"]
    assert cells["AI3"] == "66.7" and cells["AI2"] == "1.6" and cells["AI1"] == "50.0"
    assert "PROPÓSITO" in html
    assert "AI4: la meta declarada (279) difiere de la suma de sus líneas de acción (276)" in html
    assert "Wilson" in html and "<details" in html                # the interval, behind "detalle técnico"
    quarters = client.get("/indicadores/?anio=2025&seccion=trimestres").get_data(as_text=True)
    assert "/indicadores/grafica/AI3.svg?anio=2025" in quarters
    assert "desde 85 %" in html                                   # the traffic-light thresholds are documented
    assert ' style="' not in html and "<script>" not in html      # the CSP forbids both


def test_dashboard_links_and_downloads_follow_permissions(sample, client, login_as):
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    assert "/indicadores/informe.xlsx" not in html
    assert "/indicadores/nivel/AI2?anio=2025" in html             # activities: view_events
    assert "/indicadores/nivel/AI3?anio=2025" not in html         # surveys: view_responses
    client.post("/salir")


def test_coordinator_sees_downloads_and_survey_drilldown(sample, client, login_as):
    login_as("coordinator")
    html = client.get("/indicadores/?anio=2025").get_data(as_text=True)
    assert "/indicadores/informe.xlsx?anio=2025" in html
    assert 'action="/indicadores/informe.pdf"' in html and '<option value="2025-Q4" selected>T4' in html
    assert "/indicadores/nivel/AI3?anio=2025" in html


def test_breakdowns_on_the_dashboard_hide_small_cells(sample, client, login_as):
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025&seccion=desgloses&nivel=AI3&periodo=2025-Q1").get_data(as_text=True)
    sexo = html[html.index('id="desglose-sexo"'):]
    sexo = sexo[:sexo.index("</table>")]
    assert "Hombre" in sexo and "Mujer" in sexo
    assert "menos de 5" in sexo                                    # 4 women (3 positive) and 4 men in Q1


def test_the_year_defaults_to_the_current_local_year_and_bad_years_are_404(app, client, login_as):
    from crm.core.timeutil import local_today

    login_as("viewer")
    html = client.get("/indicadores/").get_data(as_text=True)
    assert f"Indicadores {local_today().year}" in html
    empty = client.get("/indicadores/?anio=2031").get_data(as_text=True)
    assert "No hay programa cargado para 2031" in empty
    assert "Sin respuestas en este periodo." in client.get("/indicadores/?anio=2031&seccion=desgloses").get_data(
        as_text=True)
    chart = client.get("/indicadores/grafica/FIN.svg?anio=2031")
    assert chart.status_code == 200 and "sin datos" in chart.get_data(as_text=True)
    assert client.get("/indicadores/?anio=abc").status_code == 404
    assert client.get("/indicadores/?anio=1999").status_code == 404


def test_chart_is_a_script_free_svg(sample, client, login_as):
    login_as("viewer")
    for level in LEVELS:
        response = client.get(f"/indicadores/grafica/{level}.svg?anio=2025")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        body = response.get_data(as_text=True)
        assert "<svg" in body and "<script" not in body.lower()
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    svg = client.get("/indicadores/grafica/AI3.svg?anio=2025").get_data(as_text=True)
    assert ">75<" in svg and "75.0" not in svg and "satisfacción" in svg                 # text stays text (Q1: 6 of 8)
    assert client.get("/indicadores/grafica/AI9.svg?anio=2025").status_code == 404


def test_anonymous_visitors_are_sent_to_login(client):
    assert client.get("/indicadores/").status_code in (302, 303)
    assert client.get("/indicadores/grafica/AI3.svg").status_code in (302, 303)


def test_drilldown_satisfaction_lists_surveys_with_quarter_counts(sample, client, login_as):
    login_as("coordinator")
    html = client.get("/indicadores/nivel/PROPOSITO?anio=2025").get_data(as_text=True)
    assert "Satisfacción AI3" in html and "Satisfacción AI5" in html
    row = html[html.index("Satisfacción AI3"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["8", "1", "0", "0", "9"]
    assert 'href="/encuestas/"' in html
    ai5 = html[html.index("Satisfacción AI5"):]
    assert "menos de 5" in ai5[:ai5.index("</tr>")]                # one answer: its value is hidden


def test_viewer_cannot_drill_into_survey_responses(sample, client, login_as):
    login_as("viewer")
    assert client.get("/indicadores/nivel/AI3?anio=2025").status_code == 403
    assert client.get("/indicadores/nivel/AI2?anio=2025").status_code == 200


def test_drilldown_compliance_lists_the_activities_of_the_period(sample, client, login_as):
    login_as("viewer")
    first, second, third = sample["activities"]
    html = client.get("/indicadores/nivel/AI4?anio=2025&periodo=2025-Q1").get_data(as_text=True)
    assert f'href="/actividades/{second.id}"' in html
    assert f'href="/actividades/{third.id}"' not in html           # Q2
    assert f'href="/actividades/{first.id}"' not in html           # AI2
    year = client.get("/indicadores/nivel/FIN?anio=2025").get_data(as_text=True)
    assert all(f'href="/actividades/{a.id}"' in year for a in sample["activities"])
    assert "AI4.2" in year
    assert client.get("/indicadores/nivel/AI4?anio=2025&periodo=2025-Q7").status_code == 404
    assert client.get("/indicadores/nivel/XX?anio=2025").status_code == 404


def test_drilldown_ai1_lists_the_requests(sample, client, login_as):
    login_as("viewer")
    html = client.get("/indicadores/nivel/AI1?anio=2025").get_data(as_text=True)
    assert "Informe de sesiones" in html and "Actualización del sistema" in html and "Pendiente" in html
    q2 = client.get("/indicadores/nivel/AI1?anio=2025&periodo=2025-Q2").get_data(as_text=True)
    assert "Informe de sesiones" not in q2 and "Actualización del sistema" in q2


def test_dashboard_shows_the_impact_of_a_before_after_pair(sample, client, login_as):
    impact_pair()
    login_as("viewer")
    html = client.get("/indicadores/?anio=2025&seccion=impacto").get_data(as_text=True)
    section = html[html.index('id="impacto-titulo"'):html.index("</section>", html.index('id="impacto-titulo"'))]
    assert "Curso: antes (curso_antes) → Curso: después (curso_despues)" in section
    row = section[section.index("Conocimiento (0 a 10)"):]
    row = row[:row.index("</tr>")]
    assert re.findall(r"<td>([^<]*)", row) == ["6", "4.17", "5.67", "+1.50", "4 (66.7\u00a0%)"]
    pocas = section[section.index("Pocas respuestas"):]
    assert "menos de 5" in pocas[:pocas.index("</tr>")]
