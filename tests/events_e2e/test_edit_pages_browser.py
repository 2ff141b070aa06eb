"""Editing an activity and a request in a real browser, with CSRF on: no serious or critical axe-core violation
on the edit pages (empty, with errors), the activity page with its evidence forms, and the requests pages; on a
phone nothing scrolls sideways; a link added as evidence shows on the activity."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

PHONE_WIDTH = 390


def _accessible(page, axe_check, screenshot, name: str) -> None:
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    if page.viewport_size["width"] <= PHONE_WIDTH:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE_WIDTH, f"{page.url} scrolls sideways on a phone ({width}px wide)"


def _records(live_server) -> tuple[int, int]:
    from crm.core.extensions import db
    from crm.events.models import PartnerRequest
    from tests.factories import make_activity, make_organization

    with live_server.app.app_context():
        activity = make_activity("AI2.1", on=date(2025, 3, 10), title="Foro de justicia electoral")
        ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
        item = PartnerRequest(received_on=date(2025, 4, 2), requester_id=ine.id, subject="Apoyo con sedes",
                              subject_key="apoyo con sedes")
        db.session.add(item)
        db.session.commit()
        ids = activity.id, item.id
        db.session.remove()
    return ids


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_edit_pages_are_accessible_and_keep_what_was_typed(live_server, new_page, viewport, axe_check, screenshot,
                                                            csp_violations):
    expect = _expect()
    activity_id, request_id = _records(live_server)
    user = live_server.create_user("staff")
    options = {"viewport": {"width": 390, "height": 844}, "is_mobile": True} if viewport == "phone" else {}
    page = new_page(**options)
    log_in(page, user)

    page.goto(f"/actividades/{activity_id}/editar")
    expect(page.get_by_role("heading", name="Editar actividad")).to_be_visible()
    _accessible(page, axe_check, screenshot, f"activity-edit-{viewport}")
    page.get_by_label("Título").fill("")
    page.get_by_label("Lugar").fill("Auditorio del IECM")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_text("Revise lo siguiente:")).to_be_visible()
    expect(page.get_by_label("Lugar")).to_have_value("Auditorio del IECM")
    _accessible(page, axe_check, screenshot, f"activity-edit-errors-{viewport}")
    page.get_by_label("Título").fill("Foro de justicia electoral 2025")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_role("heading", name="Foro de justicia electoral 2025")).to_be_visible()

    page.get_by_label("Descripción del medio de verificación").fill("Nota publicada")
    page.get_by_label("Dirección del enlace").fill("https://www.iecm.mx/noticias/foro")
    page.get_by_role("button", name="Agregar enlace").click()
    expect(page.get_by_role("link", name="Nota publicada")).to_have_attribute("href", "https://www.iecm.mx/noticias/foro")
    _accessible(page, axe_check, screenshot, f"activity-evidence-{viewport}")

    page.goto("/gestiones")
    expect(page.get_by_text("Pendiente", exact=True)).to_be_visible()
    _accessible(page, axe_check, screenshot, f"requests-list-{viewport}")
    page.goto(f"/gestiones/{request_id}/editar")
    _accessible(page, axe_check, screenshot, f"request-edit-{viewport}")
    page.get_by_label("Fecha de atención").fill("2025-04-01")
    page.get_by_role("button", name="Guardar cambios").click()
    expect(page.get_by_text("no puede ser anterior a la de recepción")).to_be_visible()
    _accessible(page, axe_check, screenshot, f"request-edit-errors-{viewport}")
    assert not csp_violations(page)
