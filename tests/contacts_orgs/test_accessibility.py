"""The organization pages in a real browser (tests/e2e's live server, Chromium and axe-core): no serious or
critical axe violation, no sideways scrolling on a phone, nothing blocked by the Content-Security-Policy."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


def _registry():
    from datetime import date

    from crm.contacts.models import OrganizationRelation
    from crm.core.extensions import db
    from tests.factories import make_organization

    ine = make_organization("Instituto Nacional Electoral", acronym="INE", type="electoral", scope="nacional")
    make_organization("Universidad de Sonora", acronym="UNISON", type="academica", scope="nacional")
    make_organization("Sciences Po", country="FR")  # sin_clasificar
    db.session.add(OrganizationRelation(organization_id=make_organization("Radio", type="medios").id,
                                        began_on=date(2010, 1, 1), ended_on=date(2011, 1, 1)))
    db.session.commit()
    return ine.id


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_organization_pages_are_accessible(live_server, viewport, request, axe_check, screenshot, csp_violations):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    ine = in_app(live_server, _registry)
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    for path, name in (("/organizaciones", "list"), ("/organizaciones?tipo=electoral&vinculada=2025-06-30", "filtered"),
                       ("/organizaciones/sin-clasificar", "unclassified"), ("/organizaciones/resumen", "summary"),
                       (f"/organizaciones/{ine}", "detail"), (f"/organizaciones/{ine}/editar", "edit"),
                       (f"/organizaciones/{ine}/fusionar?otra=UNISON", "merge")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"organizations-{name}-{label}")
    page.goto("/organizaciones/sin-clasificar")  # the queue works without JavaScript, field by visible label
    page.get_by_label("Tipo de Sciences Po").select_option("academica")
    page.get_by_role("button", name="Clasificar").click()
    expect(page.get_by_text("quedó clasificada como institución académica")).to_be_visible()
    assert csp_violations(page) == []
