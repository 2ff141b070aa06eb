"""The «Comparación anual» tab in Chromium: no serious axe-core problem at 1280x900 and at a phone's width, its
tables scroll inside their box, the form works without JavaScript, and the message with one program year."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_comparison_tab_is_accessible(live_server, viewport, request, axe_check, screenshot, csp_violations):
    from tests.indicators_comparison.helpers import build_two_years

    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    in_app(live_server, lambda: build_two_years(small_cell=True))
    log_in(page, live_server.create_user(role="coordinator", name="Coordinación"))
    page.goto("/indicadores/?anio=2025")
    page.get_by_role("link", name="Comparación anual").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comparación anual de los indicadores")
    # AI5's small cell in 2025 hides AI3's 2025 value too (complementary), and its traffic light with it
    expect(page.locator("#nivel-AI3")).to_contain_text("oculta (complementaria)")
    expect(page.locator("#nivel-AI3")).not_to_contain_text("Verde")
    # the chart loaded (an SVG drawn by matplotlib) beside its table
    expect(page.locator("img.svg-chart")).to_have_js_property("complete", True)
    assert page.locator("img.svg-chart").evaluate("img => img.naturalWidth > 0")
    assert_accessible(page, axe_check, screenshot, f"comparison-{label}")
    # the wide tables scroll inside their box: the page itself does not scroll sideways
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    page.get_by_label("Año de referencia").select_option("2025")
    page.get_by_label("Año que se compara").select_option("2024")
    page.get_by_role("button", name="Comparar").click()
    expect(page.locator("#nivel-AI2")).to_contain_text("baja 2.6 puntos")
    assert csp_violations(page) == []


def test_the_message_with_one_program_year_is_accessible(live_server, page, axe_check, screenshot):
    from tests.factories import load_program

    expect = _expect()
    in_app(live_server, lambda: load_program(2025))
    log_in(page, live_server.create_user(role="viewer", name="Consulta"))
    page.goto("/indicadores/comparacion")
    expect(page.get_by_role("status")).to_contain_text("Para comparar hace falta el programa de un segundo año.")
    assert_accessible(page, axe_check, screenshot, "comparison-one-year")
