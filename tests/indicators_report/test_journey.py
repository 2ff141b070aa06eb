"""In a browser: a coordinator opens Indicators (the latest year with data, without choosing it), downloads
the quarter's PDF report, and finds the summary page first and the per-line table (read with pdftotext).
The indicator pages changed here pass axe-core and keep their tables inside their box, desktop and phone."""

from __future__ import annotations

import subprocess

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e
PDFTOTEXT = "/usr/bin/pdftotext"


def _sample(tmp_path):
    from tests.indicators_web.helpers import sample_data

    return lambda: sample_data(tmp_path)


def test_a_coordinator_downloads_the_quarterly_report(live_server, page, tmp_path, screenshot):
    expect = _expect()
    in_app(live_server, _sample(tmp_path))
    log_in(page, live_server.create_user(role="coordinator", name="Coordinación"))
    page.get_by_role("link", name="Indicadores").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indicadores 2025")   # no year chosen
    expect(page.locator("#valor-AI3")).to_have_text("66.7 %")                     # data, not "sin dato"
    page.get_by_label("Periodo del informe").select_option(label="T1 2025")
    screenshot(page, "indicators-report-form")
    with page.expect_download() as info:
        page.get_by_role("button", name="Descargar informe (PDF)").click()
    download = info.value
    assert download.suggested_filename.startswith("indicadores-2025-T1-")
    path = tmp_path / "informe.pdf"
    download.save_as(path)
    pages = [" ".join(p.split()) for p in subprocess.run(
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, check=True, text=True).stdout.split("\f")]
    first = pages[0]
    assert "Informe de indicadores · T1 2025" in first and "Resumen" in first and "Semáforo" in first
    for level in ("FIN", "PROPÓSITO", "AI1", "AI2", "AI3", "AI4", "AI5", "AI6"):
        assert level in first, level
    assert "Líneas de acción" not in first and "Anexo" not in first
    rest = " ".join(pages[1:])
    table = rest[rest.index("Líneas de acción: programado y realizado, T1 2025"):]
    assert "Programadas Realizadas Avance Semáforo" in table
    assert "AI2.2" in table and "AI4.1" in table and "Total AI4" in table
    assert rest.index("Líneas de acción: programado") < rest.index("Anexo A. Advertencias del programa")


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_indicator_pages_are_accessible(live_server, viewport, request, tmp_path, axe_check, screenshot,
                                            csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    in_app(live_server, _sample(tmp_path))
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    paths = [f"/indicadores/?anio=2025&seccion={key}" for key in
             ("resumen", "trimestres", "desgloses", "impacto", "definiciones")]
    paths += ["/indicadores/nivel/AI4?anio=2025&periodo=2025-Q1", "/indicadores/nivel/AI3?anio=2025",
              "/indicadores/nivel/AI1?anio=2025", "/indicadores/lineas?anio=2025"]
    for path in paths:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        for details in page.locator("details").all():                      # the technical detail, opened
            details.locator("summary").click()
        name = path.split("?")[0].strip("/").replace("/", "-") + "-" + path.split("=")[-1]
        assert_accessible(page, axe_check, screenshot, f"{name}-{label}")
        overflowing = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t => {
            const box = t.closest('.table-responsive') || t.parentElement;
            return t.closest('.table-responsive') === null && t.scrollWidth > box.clientWidth + 1;
        }).map(t => (t.caption && t.caption.textContent) || t.id)""")
        assert overflowing == [], (path, overflowing)
    assert csp_violations(page) == []
