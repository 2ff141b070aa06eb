"""The public transparency page in a real browser: no serious axe-core problem at 1280 px and on a phone,
no sideways scrolling on the phone, nothing blocked by the CSP, and usable without logging in."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import _expect
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


def _data():
    from tests.factories import make_activity
    from tests.transparency.helpers import small_cell_data

    small_cell_data()  # hidden cells, shown cells and traffic lights of every colour class
    make_activity("AI2.2", date(2025, 1, 20))


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_transparency_page_is_accessible(live_server, viewport, request, axe_check, screenshot,
                                             csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    in_app(live_server, _data)
    page.goto("/acceso")
    page.get_by_role("link", name="Resultados públicos del programa de vinculación").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultados del programa de vinculación 2025")
    expect(page.locator("#matriz")).to_contain_text("oculto: menos de 5 respuestas")
    assert_accessible(page, axe_check, screenshot, f"transparency-{label}")
    page.get_by_text("Ver la tabla de datos").click()  # the data table, opened
    expect(page.locator("#datos")).to_be_visible()
    assert_accessible(page, axe_check, screenshot, f"transparency-data-{label}")
    assert csp_violations(page) == []
