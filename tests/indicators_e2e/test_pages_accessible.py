"""The per-line page, the program page with its matrix and conditional switch, and the chronogram editor:
no serious axe problem, on a desktop and on a phone; and a schedule saved through the real form."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_line_and_program_pages_are_accessible(live_server, viewport, request, axe_check, screenshot,
                                               csp_violations):
    from tests.factories import load_program, make_activity

    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    in_app(live_server, lambda: (load_program(2025), make_activity("AI2.2", date(2025, 1, 20))))
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    pages = [("/indicadores/lineas?anio=2025", "lines"), ("/programa/?anio=2025", "program"),
             ("/programa/2025/cronograma", "schedule"), ("/indicadores/?anio=2025", "dashboard")]
    for path, name in pages:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"program-{name}-{label}")
    assert csp_violations(page) == []


def test_a_coordinator_reads_the_lines_and_an_admin_edits_the_chronogram(live_server, page):
    from tests.factories import load_program

    expect = _expect()
    in_app(live_server, lambda: load_program(2025))
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    page.goto("/programa/2025/cronograma")
    page.get_by_label("AI2.3, enero").fill("3")
    page.get_by_role("button", name="Guardar cronograma").click()
    expect(page.get_by_text("Cronograma guardado")).to_be_visible()
    expect(page.get_by_text("AI2.3: los meses suman 4 y la meta anual es 2")).to_be_visible()
    page.goto("/indicadores/lineas?anio=2025")
    # AI2.3's target of 2 was spread 1, 1, 0...; January now 3: the first quarter programs 4
    expect(page.locator("#linea-AI2\\.3 td").first).to_have_attribute("data-programadas", "4")
