"""In a real browser: the upload page with its column guide and template, the preview of the template as it
is (Spanish headings, nothing cut on the right at 1280x900 or on a phone), and the audit page with its
filters; every page axe clean."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e


def assert_accessible(page, axe_check, screenshot, name: str) -> None:
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)


def assert_nothing_cut(page) -> None:
    """The page never scrolls sideways: wide tables scroll inside their own box."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"the page is {overflow}px wider than the window"


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_staff_download_the_template_and_review_it_unchanged(request, device, live_server, axe_check, screenshot,
                                                              tmp_path):
    expect = _expect()
    page = request.getfixturevalue(device)
    if device == "page":
        page.set_viewport_size({"width": 1280, "height": 900})
    live_server.app.instance_path = str(tmp_path / "instance")
    log_in(page, live_server.create_user("staff"))
    page.goto("/importar/contactos")
    guide = page.get_by_role("table", name="Columnas del archivo")
    expect(guide).to_contain_text("fecha, por ejemplo 2025-03-12")  # <code> around the example: same text
    expect(guide).to_contain_text("Obligatoria si no hay teléfono")
    assert_nothing_cut(page)
    assert_accessible(page, axe_check, screenshot, f"import-upload-{device}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar la plantilla (XLSX)").click()
    template = tmp_path / download.value.suggested_filename
    download.value.save_as(template)
    assert template.name == "plantilla-personas.xlsx"

    page.get_by_label("Archivo CSV o XLSX").set_input_files(str(template))
    page.get_by_role("button", name="Revisar archivo").click()
    expect(page.get_by_text("El archivo no tiene problemas")).to_be_visible()
    preview = page.get_by_role("region", name="Primeras filas del archivo")
    expect(preview.get_by_role("columnheader", name="Primer apellido")).to_be_visible()
    expect(preview.get_by_role("columnheader", name="primer_apellido")).to_have_count(0)
    assert_nothing_cut(page)
    assert_accessible(page, axe_check, screenshot, f"import-preview-{device}")
    page.get_by_role("button", name="Confirmar importación").click()
    expect(page.get_by_text("Importación terminada")).to_be_visible()


def test_an_administrator_filters_the_audit_log(page, live_server, axe_check, screenshot):
    expect = _expect()
    admin = live_server.create_user("admin")
    log_in(page, admin)
    page.goto("/administracion/bitacora")
    table = page.get_by_role("region", name="Entradas de la bitácora")
    expect(table).to_contain_text("Inicio de sesión")
    assert_accessible(page, axe_check, screenshot, "audit-log")
    page.get_by_label("Acción").select_option(label="Inicio de sesión")
    page.get_by_label("Desde").fill("2020-01-01")
    page.get_by_role("button", name="Filtrar").click()
    expect(page.get_by_text("1 registro desde el")).to_be_visible()
    expect(table.get_by_role("link", name=f"Cuenta: {admin.name}")).to_be_visible()
    assert_nothing_cut(page)
    assert_accessible(page, axe_check, screenshot, "audit-log-filtered")
