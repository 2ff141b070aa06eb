"""The cross-tab page in Chromium: a coordinator picks a question and a group through the form (no script),
sees the table with the small group and its complement marked as suppressed; the analysis pages are axe-clean
(no serious or critical problem) on a desktop and at a phone's width, with their tables inside their box."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, _expect, check_page, log_in

pytestmark = pytest.mark.e2e


def make_scene(live_server) -> int:
    from crm.core.extensions import db
    from tests.survey_analysis.helpers import respond, scene

    with live_server.app.app_context():
        survey, _questions = scene()
        respond(survey, anonymous=True, asistio="si", temas=["voto"])  # «Sin dato»: one response
        survey_id = survey.id
        db.session.remove()
    return survey_id


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_coordinator_crosses_a_question_by_sex_and_sees_the_suppressed_cells(live_server, new_page, axe_check,
                                                                               screenshot, csp_violations, device):
    expect = _expect()
    survey_id = make_scene(live_server)
    page = new_page(**(PHONE if device == "phone" else {}))
    log_in(page, live_server.create_user(role="coordinator", name="Coordinación"))
    page.goto(f"/encuestas/{survey_id}")
    page.get_by_role("link", name="Análisis", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Análisis")
    expect(page.locator("img.analysis-chart")).to_have_count(4)
    for chart in page.locator("img.analysis-chart").all():  # loaded lazily: each as it comes into view
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_js_property("complete", True)
        assert chart.evaluate("i => i.naturalWidth") > 0, "the chart is drawn (an SVG under its own policy)"
    check_page(page, axe_check, screenshot, csp_violations, f"survey-analysis-{device}")

    page.get_by_role("link", name="Cruces por grupo").click()
    page.get_by_label("Pregunta", exact=True).select_option(label="Temas de interés")
    page.get_by_label("Agrupar por").select_option(label="Sexo")
    page.get_by_role("button", name="Mostrar el cruce").click()
    table = page.locator("table#cruce")
    expect(table).to_be_visible()
    expect(page.get_by_role("heading", level=2, name="Temas de interés, por sexo")).to_be_visible()
    rows = table.locator("tbody tr")
    expect(rows.locator("th")).to_have_text(["Mujer", "Hombre", "Sin dato"])
    expect(rows.nth(0).locator("td").first).to_have_text("6")
    expect(rows.nth(0).locator("td").nth(1)).to_contain_text("6 (100")
    # «Sin dato» (1 response) is suppressed, and with it the smallest other group, so that it cannot be
    # recovered from the totals row
    expect(rows.nth(2).locator("td[data-suppressed='menos de 5']")).to_have_count(4)
    expect(rows.nth(1).locator("td[data-suppressed='complementaria']")).to_have_count(4)
    expect(rows.nth(1)).to_contain_text("suprimida")
    expect(table.locator("tfoot")).to_contain_text("12")
    check_page(page, axe_check, screenshot, csp_violations, f"survey-crosstab-{device}")
