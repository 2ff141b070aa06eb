"""The indicators page in sections, plain-Spanish definitions, the year it opens on, and the detail page
of one indicator (name, target, status, chart, its own warnings)."""

from __future__ import annotations

import html as html_lib
import re
from datetime import date

import pytest

from crm.indicators import views
from tests.factories import load_program, make_activity

SECTIONS = ("resumen", "trimestres", "desgloses", "impacto", "definiciones")


def visible(html: str) -> str:
    """The page's text as a person reads it: no tags, attributes, options' values or links' addresses."""
    body = html[html.index("<main"):] if "<main" in html else html
    text = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html_lib.unescape(text).split())


def page(client, query: str) -> str:
    response = client.get(f"/indicadores/{query}")
    assert response.status_code == 200, query
    return response.get_data(as_text=True)


def test_each_section_is_its_own_short_page(sample, client, login_as):
    login_as("coordinator")
    summary = page(client, "?anio=2025")
    assert 'aria-current="page" href="/indicadores/?anio=2025&amp;seccion=resumen"' in summary
    for key in SECTIONS:
        assert f"seccion={key}" in summary, key                        # the tabs are plain links
    assert 'id="matriz-titulo"' in summary and 'id="desglose-titulo"' not in summary
    assert "/indicadores/grafica/" not in summary                      # the charts wait in «Por trimestre»
    quarters = page(client, "?anio=2025&seccion=trimestres")
    assert quarters.count("/indicadores/grafica/") == 8 and 'id="matriz-titulo"' not in quarters
    assert 'id="desglose-sexo"' in page(client, "?anio=2025&seccion=desgloses")
    assert 'id="impacto-titulo"' in page(client, "?anio=2025&seccion=impacto")
    assert 'id="definiciones-titulo"' in page(client, "?anio=2025&seccion=definiciones")
    assert 'id="matriz-titulo"' in page(client, "?anio=2025&seccion=otra")  # an unknown section: the summary


def test_the_traffic_light_rule_is_stated_once(sample, client, login_as):
    login_as("viewer")
    everything = " ".join(visible(page(client, f"?anio=2025&seccion={key}")) for key in SECTIONS)
    assert everything.count("Umbrales del programa: verde desde 85 %") == 1
    assert everything.count("Cómo se asigna el semáforo") == 1


def test_definitions_are_plain_spanish_and_quarters_read_t1(sample, client, login_as):
    login_as("coordinator")
    for key in SECTIONS:
        text = visible(page(client, f"?anio=2025&seccion={key}"))
        for word in ("CRM_TIMEZONE", "ci_low", "ci_high", "AAAA", "activities_realized", "IC 95", "None", "nan"):
            assert word not in text, (key, word)
        assert not re.search(r"\b2025-Q[1-4]\b", text), key          # "T1 2025", never "2025-Q1"
    definitions = visible(page(client, "?anio=2025&seccion=definiciones"))
    assert "T1: enero a marzo" in definitions and "hora de la Ciudad de México" in definitions


def test_confidence_intervals_sit_behind_a_technical_detail_switch(sample, client, login_as):
    login_as("viewer")
    for key in ("resumen", "trimestres"):
        html = page(client, f"?anio=2025&seccion={key}")
        switch = html.index("<summary>Detalle técnico")
        first_interval = html.index("Intervalo 95 %")
        assert html.rfind("<details", 0, first_interval) > html.rfind("</details>", 0, first_interval), key
        assert switch < first_interval


def test_the_page_opens_on_the_latest_year_with_a_program_or_data(app, client, login_as, monkeypatch):
    load_program(2025)
    make_activity("AI2.2", date(2025, 3, 3))
    monkeypatch.setattr(views, "local_today", lambda: date(2026, 5, 4))
    login_as("viewer")
    html = page(client, "")
    assert "<h1 class=\"h3 me-auto mb-0\">Indicadores 2025</h1>" in html
    assert '<option value="2025" selected>' in html and '<option value="2026" >' in html  # the year switch
    assert page(client, "lineas").count("Líneas de acción 2025") >= 1
    make_activity("AI2.2", date(2026, 2, 3))                             # now the current year has data
    assert "Indicadores 2026" in page(client, "")


def test_a_year_with_activities_but_no_program_counts_as_a_year_with_data(app, client, login_as, monkeypatch):
    from crm.core.extensions import db
    from crm.events.models import Activity
    from crm.program.services import action_line_by_code

    load_program(2024)
    line = action_line_by_code(2024, "AI2.2")                            # a 2024 line, an activity of 2025
    db.session.add(Activity(date=date(2025, 3, 3), action_line_id=line.id, title="Tarde", title_key="tarde"))
    db.session.commit()
    monkeypatch.setattr(views, "local_today", lambda: date(2026, 5, 4))
    login_as("viewer")
    assert "Indicadores 2025" in page(client, "")
    monkeypatch.setattr(views, "local_today", lambda: date(2023, 5, 4))  # only a program loaded ahead: that one
    assert "Indicadores 2024" in page(client, "")


def test_the_report_form_offers_the_latest_ended_quarter(app, client, login_as, monkeypatch):
    load_program(2025)
    login_as("coordinator")
    monkeypatch.setattr(views, "local_today", lambda: date(2025, 8, 15))
    html = page(client, "?anio=2025")
    assert '<option value="2025-Q2" selected>T2\u00a02025</option>' in html
    assert 'action="/indicadores/informe.pdf"' in html and '<input type="hidden" name="anio" value="2025">' in html
    monkeypatch.setattr(views, "local_today", lambda: date(2026, 1, 10))
    assert '<option value="2025-Q4" selected>' in page(client, "?anio=2025")


def test_the_detail_page_has_name_target_status_chart_and_only_its_warnings(sample, client, login_as):
    login_as("coordinator")
    html = page(client, "nivel/AI4?anio=2025&periodo=2025-Q1")
    text = visible(html)
    assert "AI4 · Red Voto Chilango" in text and "T1 2025" in text
    assert "Meta: 279 actividades en el año" in text
    assert "Estado en T1 2025" in text and re.search(r"● (Rojo|Amarillo|Verde)", text)
    assert '<img class="svg-chart" src="/indicadores/grafica/AI4.svg?anio=2025"' in html
    assert "AI4: la meta declarada (279)" in text
    assert "AI5:" not in text and "FIN: la meta" not in text                 # other levels' warnings stay out
    assert re.search(r"14\u00a0feb\u00a02025", html)                          # dates in the short local form
    satisfaction = visible(page(client, "nivel/AI3?anio=2025"))
    assert "Estado en Año 2025" in satisfaction and "66.7 %" in satisfaction
    assert "umbral de satisfacción 85 %" in satisfaction


@pytest.mark.parametrize("path", ["nivel/AI1?anio=2025", "nivel/FIN?anio=2025&periodo=2025-Q2", "lineas?anio=2025"])
def test_the_other_indicator_pages_show_no_codes_or_iso_dates(sample, client, login_as, path):
    login_as("coordinator")
    text = visible(page(client, path))
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text), path
    assert not re.search(r"\b2025-Q[1-4]\b", text), path
    assert "None" not in text and "differs" not in text
