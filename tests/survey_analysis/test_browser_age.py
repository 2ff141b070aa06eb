"""The cross-tab page in Chromium with the answers' dimensions: a coordinator picks «Grupo de edad» (the age
question recognised and preselected), then a question of the survey, through the form without script; the
page is axe-clean (no serious or critical problem) on a desktop and at a phone's width."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, _expect, log_in
from tests.survey_analysis.test_browser import check_page

pytestmark = pytest.mark.e2e


def make_scene(live_server) -> tuple[int, int]:
    """(the survey's id, its age question's id)"""
    from crm.core.extensions import db
    from tests.survey_analysis.test_by_question import scene

    with live_server.app.app_context():
        survey, questions = scene()
        ids = survey.id, questions["p7"].id
        db.session.remove()
    return ids


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_coordinator_crosses_by_age_band_and_by_another_question(live_server, new_page, axe_check, screenshot,
                                                                   csp_violations, device):
    expect = _expect()
    survey_id, age_id = make_scene(live_server)
    page = new_page(**(PHONE if device == "phone" else {}))
    log_in(page, live_server.create_user(role="coordinator", name="Coordinación"))
    page.goto(f"/encuestas/{survey_id}/analisis/cruce")
    expect(page.get_by_label("Pregunta de la edad")).to_have_value(str(age_id))  # recognised, preselected
    page.get_by_label("Pregunta", exact=True).select_option(label="¿Qué tan satisfecha está?")
    page.get_by_label("Agrupar por").select_option(label="Grupo de edad")
    page.get_by_role("button", name="Mostrar el cruce").click()
    expect(page.get_by_role("heading", level=2, name="¿Qué tan satisfecha está?, por grupo de edad")).to_be_visible()
    rows = page.locator("table#cruce tbody tr")
    expect(rows.locator("th")).to_have_text(["18 a 29 años", "30 a 39 años", "60 años o más"])
    expect(rows.nth(0).locator("td").first).to_have_text("8")
    expect(rows.nth(2).locator("td[data-suppressed='menos de 5']")).to_have_count(3)  # 3 people of 60 or more
    expect(rows.nth(1).locator("td[data-suppressed='complementaria']")).to_have_count(3)
    href = page.get_by_role("link", name="Descargar el análisis con este cruce (XLSX)").get_attribute("href")
    assert "grupo=edad" in href and f"&edad={age_id}" in href
    check_page(page, axe_check, screenshot, csp_violations, f"survey-crosstab-age-{device}")

    page.get_by_label("Agrupar por").select_option(label="Por la pregunta: ¿Es su primera vez como persona observadora?")
    page.get_by_role("button", name="Mostrar el cruce").click()
    expect(page.locator("table#cruce tbody tr th")).to_have_text(["Sí", "No", "Sin respuesta"])
    check_page(page, axe_check, screenshot, csp_violations, f"survey-crosstab-question-{device}")
