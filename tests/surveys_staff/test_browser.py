"""The staff survey pages in Chromium: axe clean at desktop and phone width with every table inside its box,
the copy button copies the open link, and without JavaScript the pages still work (the link stays selectable
text, the QR code shows, the column headers sort)."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import PHONE, _expect, check_page, log_in

pytestmark = pytest.mark.e2e


def scene(live_server) -> tuple[int, str]:
    """A survey with figures, answers and invitations (helpers.scored_survey); (its id, its full open link)."""
    from crm.core.extensions import db
    from tests.surveys_staff.helpers import scored_survey

    with live_server.app.app_context():
        live_server.app.config["CRM_BASE_URL"] = live_server.url
        survey = scored_survey(title="Taller de voto en el extranjero")
        found = survey.id, f"{live_server.url}/r/{survey.open_token}"
        db.session.remove()
    return found


def pages_of(survey_id: int) -> list[tuple[str, str]]:
    return [("/encuestas/", "survey-list"), (f"/encuestas/{survey_id}", "survey-detail"),
            (f"/encuestas/{survey_id}/respuestas", "survey-responses"),
            (f"/encuestas/{survey_id}/invitaciones", "survey-invitations"),
            (f"/encuestas/{survey_id}/invitar", "survey-invite"), (f"/encuestas/{survey_id}/cartel", "survey-poster"),
            ("/encuestas/importar-formulario", "survey-import-form")]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_survey_pages_are_accessible_and_fit(live_server, new_page, axe_check, screenshot, csp_violations, device):
    survey_id, _ = scene(live_server)
    page = new_page(**(PHONE if device == "phone" else {}))
    log_in(page, live_server.create_user(role="staff"))
    for url, name in pages_of(survey_id):
        response = page.goto(url)
        assert response.status == 200, url
        check_page(page, axe_check, screenshot, csp_violations, f"{name}-{device}")


def test_the_copy_button_copies_the_open_link(live_server, new_page, screenshot):
    expect = _expect()
    survey_id, url = scene(live_server)
    page = new_page(permissions=["clipboard-read", "clipboard-write"])
    log_in(page, live_server.create_user(role="viewer"))
    page.goto(f"/encuestas/{survey_id}")
    links = page.get_by_role("region", name="Enlaces para responder")
    expect(links.locator("code")).to_have_text(url)
    links.get_by_role("button", name="Copiar enlace").click()
    expect(links.get_by_role("status")).to_have_text("Enlace copiado.")
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    qr = links.get_by_role("img", name="Código QR del enlace abierto")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    screenshot(page, "survey-detail-link-copied")


def test_the_pages_work_without_javascript(live_server, new_page):
    expect = _expect()
    survey_id, url = scene(live_server)
    page = new_page(java_script_enabled=False)
    log_in(page, live_server.create_user(role="staff"))
    page.goto(f"/encuestas/{survey_id}")
    links = page.get_by_role("region", name="Enlaces para responder")
    expect(links.locator("code")).to_have_text(url)
    expect(links.get_by_role("button", name="Copiar enlace")).to_be_hidden()  # nothing that cannot work
    assert links.locator("code").evaluate("c => getComputedStyle(c).userSelect") == "all"
    qr = links.get_by_role("img", name="Código QR del enlace abierto")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_role("navigation", name="Secciones de la encuesta").get_by_role("link", name="Invitaciones").click()
    expect(page.get_by_role("heading", name="Invitaciones de «Taller de voto en el extranjero»")).to_be_visible()
    page.goto("/encuestas/")
    header = page.get_by_role("columnheader", name="Respuestas", exact=True)
    header.get_by_role("link").click()
    expect(header).to_have_attribute("aria-sort", "descending")
    header.get_by_role("link").click()  # again: the other way round
    expect(header).to_have_attribute("aria-sort", "ascending")
    assert "orden=respuestas" in page.url
