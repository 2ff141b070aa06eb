"""In Chromium, with CSRF on: the person picker searches as the user types and adds the people marked; without
JavaScript the same search opens its results page; a network is added at once; the pages changed for issue 18
(home, activities, an activity, requests, organizations, program) have no serious or critical axe-core violation,
and on a phone nothing scrolls sideways (tables scroll inside their box)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.e2e.conftest import _expect, describe_violations, log_in

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def _world(live_server) -> dict:
    from crm.core.extensions import db
    from crm.events.models import PartnerRequest
    from tests.factories import make_activity, make_network, make_organization, make_person

    with live_server.app.app_context():
        activity = make_activity("AI2.1", on=date(2025, 3, 10), title="Foro de justicia electoral")
        ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral")
        activity.organizations = [ine]
        db.session.add(PartnerRequest(received_on=date(2025, 4, 2), requester_id=ine.id, subject="Apoyo con sedes",
                                      subject_key="apoyo con sedes"))
        db.session.commit()
        make_person("Ana", "Lozano", email="ana.lozano@example.org")
        make_person("Anabel", "Ruiz", email="anabel@example.org")
        for given in ("Carla", "Diego"):
            make_person(given, networks=("rvc",))
        ids = {"activity": activity.id, "network": make_network("rvc").id}
        db.session.remove()
    return ids


def _accessible(page, axe_check, screenshot, name: str) -> None:
    screenshot(page, name)
    problems = axe_check(page)
    assert not problems, describe_violations(problems)
    if page.viewport_size["width"] <= 390:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 390, f"{page.url} scrolls sideways on a phone ({width}px wide)"


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_picker_adds_people_as_the_user_types(live_server, new_page, viewport, axe_check, screenshot,
                                                   csp_violations):
    expect = _expect()
    ids = _world(live_server)
    page = new_page(**(PHONE if viewport == "phone" else {}))
    log_in(page, live_server.create_user("staff"))
    url = f"/actividades/{ids['activity']}"
    page.goto(url)
    _accessible(page, axe_check, screenshot, f"staff-activity-{viewport}")
    page.get_by_label("Nombre, correo o teléfono").fill("ana")
    expect(page.get_by_text("2 personas encontradas con «ana»")).to_be_visible()
    assert page.url.endswith(url)  # the results came into the page: no navigation
    _accessible(page, axe_check, screenshot, f"staff-activity-picker-{viewport}")
    page.get_by_label("Ana Lozano").check()
    page.get_by_role("button", name="Agregar a las personas marcadas").click()
    expect(page.get_by_text("Asistencia registrada: 1 persona agregada.")).to_be_visible()
    expect(page.get_by_role("heading", name="Asistencia (1 persona)")).to_be_visible()
    page.get_by_label("Red o lista de invitación").select_option(value=f"red:{ids['network']}")
    page.get_by_role("button", name="Agregar a toda la lista").click()
    expect(page.get_by_text("2 personas agregadas.")).to_be_visible()
    expect(page.get_by_role("heading", name="Asistencia (3 personas)")).to_be_visible()
    assert not csp_violations(page)


def test_the_picker_works_without_javascript(live_server, new_page):
    expect = _expect()
    ids = _world(live_server)
    page = new_page(java_script_enabled=False)
    log_in(page, live_server.create_user("staff"))
    page.goto(f"/actividades/{ids['activity']}")
    page.get_by_label("Nombre, correo o teléfono").fill("lozano")
    page.get_by_role("button", name="Buscar", exact=True).click()
    expect(page.get_by_role("heading", name="Agregar asistentes")).to_be_visible()
    assert "/asistencia/buscar?q=lozano" in page.url  # (axe needs JavaScript: this page is checked below)
    page.get_by_label("Ana Lozano").check()
    page.get_by_role("button", name="Agregar a las personas marcadas").click()
    expect(page.get_by_text("Asistencia registrada: 1 persona agregada.")).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_changed_pages_are_accessible(live_server, new_page, viewport, axe_check, screenshot):
    expect = _expect()
    ids = _world(live_server)
    page = new_page(**(PHONE if viewport == "phone" else {"viewport": {"width": 1280, "height": 900}}))
    log_in(page, live_server.create_user("admin"))
    for path, heading in [("/", "Inicio"), ("/actividades", "Actividades realizadas"),
                          ("/actividades?orden=-asistentes", "Actividades realizadas"),
                          ("/gestiones", "Gestiones recibidas"), ("/organizaciones", "Organizaciones"),
                          ("/organizaciones?orden=-personas", "Organizaciones"), ("/programa/", None),
                          ("/observacion", "Programas de observación y de personas visitantes extranjeras"),
                          (f"/actividades/{ids['activity']}/asistencia/buscar?q=ana", "Agregar asistentes")]:
        page.goto(path)
        if heading:
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        _accessible(page, axe_check, screenshot, f"staff-{path.split('?')[0].strip('/').replace('/', '-') or 'home'}-{viewport}")
    page.goto("/actividades")
    page.get_by_role("link", name="Asistentes (ordenar)").click()
    expect(page.locator("th[aria-sort=descending]")).to_have_text("Asistentes ▼ (orden descendente; cambiar)")
