"""A coordinator records an agreement in a real browser, from negotiation to signature, with its signed PDF;
every page on the way is axe clean. `record_to_signature` is the journey, for other tests to extend (the
indicators' dashboard and PDF report show the AI1.6 line move after it)."""

from __future__ import annotations

import pytest

from tests.agreements.conftest import PDF
from tests.e2e.conftest import _expect, describe_violations, log_in

pytestmark = pytest.mark.e2e

FOLIO = "IECM/CONV/031/2025"


def assert_accessible(page, axe_check, screenshot, name: str) -> None:
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)


def prepare(live_server, tmp_path) -> None:
    """The 2025 program loaded, documents kept under the test's folder."""
    from crm.core.extensions import db
    from tests.factories import load_program

    live_server.app.config["CRM_DOCUMENT_DIR"] = str(tmp_path / "documents")
    with live_server.app.app_context():
        load_program(2025)
        db.session.remove()


def record_to_signature(page, *, folio: str = FOLIO, signed_on: str = "2025-03-01", line: str = "AI1.6",
                        check=lambda name: None) -> None:
    """From the agreements' list: record the agreement, move it to «firmado» (the signing under `line` on
    `signed_on`) and attach its PDF. `check(name)` runs on each page reached (e.g. an accessibility check)."""
    expect = _expect()
    page.get_by_role("link", name="Convenios", exact=True).click()
    expect(page.get_by_role("heading", name="Convenios", level=1)).to_be_visible()
    check("agreements-list")
    page.get_by_role("link", name="Registrar convenio").click()
    check("agreement-new")
    page.get_by_label("Folio").fill(folio)
    page.get_by_label("Título").fill("Convenio de colaboración con el Instituto Electoral de Tamaulipas")
    page.get_by_label("Organizaciones contraparte").fill("Instituto Electoral de Tamaulipas (IETAM)")
    page.get_by_label("Tipo").select_option(label="Convenio general")
    page.get_by_label("Área responsable").fill("Secretaría Ejecutiva")
    page.get_by_label("En negociación desde").fill("2025-01-06")
    page.get_by_role("button", name="Guardar convenio").click()
    expect(page.get_by_role("heading", name=f"Convenio {folio}")).to_be_visible()
    expect(page.locator("#estado-actual")).to_have_text("En negociación")
    for state, on, code in (("En dictamen", "2025-01-20", ""), ("Dictaminado", "2025-02-03", "AI1.7"),
                            ("Firmado", signed_on, line)):
        page.get_by_label("Nuevo estado").select_option(label=state)
        page.get_by_label("Fecha del cambio").fill(on)
        page.get_by_label("Línea de acción del dictamen o de la firma").select_option(value=code)
        page.get_by_role("button", name="Registrar cambio de estado").click()
        expect(page.locator("#estado-actual")).to_have_text(state)
    page.get_by_label("Documento firmado (PDF)").set_input_files(
        {"name": "convenio-firmado.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="Adjuntar documento").click()
    expect(page.get_by_role("link", name="Descargar convenio-firmado.pdf")).to_be_visible()
    check("agreement-signed")


def test_a_coordinator_records_an_agreement_from_negotiation_to_signature(page, live_server, axe_check,
                                                                          screenshot, tmp_path):
    expect = _expect()
    prepare(live_server, tmp_path)
    coordinator = live_server.create_user("coordinator", email="coordinacion@example.org")
    log_in(page, coordinator)
    record_to_signature(page, check=lambda name: assert_accessible(page, axe_check, screenshot, name))

    history = page.get_by_role("table", name="Cambios de estado del convenio")
    expect(history.get_by_role("row")).to_have_count(5)  # the header, then each state, dated and attributed
    expect(history).to_contain_text("1\u00a0mar\u00a02025")
    expect(history).to_contain_text("coordinacion@example.org")
    expect(page.get_by_text("1\u00a0mar\u00a02025 · cuenta en AI1.6")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Descargar convenio-firmado.pdf").click()
    assert open(download.value.path(), "rb").read() == PDF

    # a PDF that is not one: refused in Spanish, the form keeps its error beside the field
    page.get_by_label("Documento firmado (PDF)").set_input_files(
        {"name": "otro.pdf", "mimeType": "application/pdf", "buffer": b"no soy un PDF"})
    page.get_by_role("button", name="Reemplazar documento").click()
    expect(page.get_by_text("El archivo no es un documento PDF").first).to_be_visible()
    assert_accessible(page, axe_check, screenshot, "agreement-document-error")
    page.get_by_role("link", name="Editar").click()
    assert_accessible(page, axe_check, screenshot, "agreement-edit")


def test_the_signed_agreement_moves_ai1_6_on_the_dashboard_and_in_the_pdf_report(page, live_server, tmp_path):
    """Issue 15's journey: a coordinator signs an agreement under AI1.6 on 2025-03-01, then sees the line's
    first-quarter count go up by one on the action lines page and in the PDF report, and AI1's activities on the
    dashboard."""
    import re
    import subprocess

    expect = _expect()
    prepare(live_server, tmp_path)
    log_in(page, live_server.create_user("coordinator", email="coordinacion@example.org"))

    def on_the_page() -> int:
        page.goto(f"{live_server.url}/indicadores/lineas?anio=2025")
        cell = page.locator('[id="linea-AI1.6"] td').first  # the first quarter
        expect(cell).to_be_visible()
        return int(cell.get_attribute("data-realizadas"))

    def in_the_pdf() -> int:
        report = page.request.get(f"{live_server.url}/indicadores/informe.pdf?anio=2025&periodo=2025-Q1")
        assert report.ok and report.headers["content-type"].startswith("application/pdf")
        path = tmp_path / "informe.pdf"
        path.write_bytes(report.body())
        text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True,
                                       text=True).stdout.split())
        # the line's row in the first quarter's «Líneas de acción»: programmed, realized, progress, light, and
        # the year's «realized / target»; its realized count
        found = re.search(r"AI1\.6 \D*?(\d+) (\d+) ", text.split("Líneas de acción", 1)[-1])
        assert found, text[:2000]
        return int(found.group(2))

    def on_the_dashboard() -> int:  # AI1's activities realized in the year, «N / M»
        page.goto(f"{live_server.url}/indicadores/?anio=2025")
        cell = page.locator('[id="actividades-AI1"]')
        expect(cell).to_be_visible()
        return int(cell.inner_text().split("/")[0])

    before = on_the_page(), in_the_pdf(), on_the_dashboard()
    page.goto(f"{live_server.url}/")
    record_to_signature(page)
    # AI1.6's first quarter gains the signing; AI1's activities gain the opinion (AI1.7) and the signing
    assert (on_the_page(), in_the_pdf(), on_the_dashboard()) == (before[0] + 1, before[1] + 1, before[2] + 2)
