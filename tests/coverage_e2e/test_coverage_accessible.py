"""«Cobertura» with the built-in 2025 figures and a few members: no serious axe problem, on a desktop and on a
phone (no sideways scrolling), no CSP violation, and the chart loads as an image."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


def _data():
    from crm.program.reference import services
    from tests.factories import make_person

    table, problems = services.read_file(None, 2025)
    services.load_figures(table, 2025, actor="prueba", shape_problems=problems)
    make_person("Ana", country="US", origin_alcaldia="Tlalpan", networks=("rvc",))
    make_person("Flor", country="MX", alcaldia="Iztapalapa", networks=("observacion",))


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_coverage_page_is_accessible(live_server, viewport, request, axe_check, screenshot, csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    in_app(live_server, _data)
    log_in(page, live_server.create_user(role="coordinator", name="Coordinación"))
    page.goto("/indicadores/cobertura/?anio=2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cobertura de las redes 2025")
    expect(page.locator('#tabla-paises tr[data-clave="US"]')).to_have_attribute("data-integrantes", "1")
    chart = page.get_by_role("img", name="Red Voto Chilango por país de residencia", exact=False)
    expect(chart).to_be_visible()
    assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert_accessible(page, axe_check, screenshot, f"coverage-{'desktop' if viewport == 'page' else 'phone'}")
    assert csp_violations(page) == []
