"""Staff survey pages of a form with XLSForm logic and the standard's other types: no serious axe problem."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_staff_pages_of_a_form_with_logic_are_accessible(live_server, viewport, request, axe_check, screenshot,
                                                         csp_violations):
    from tests.surveys_builder.logic_survey import make_logic_survey, question, respond

    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"

    def work():
        survey = make_logic_survey(state="open")
        respond(survey, {"edad": "30", "trabajo": ["si"], "hora": "14:30", "cuando": "2025-03-01T14:30:00Z",
                         "nivel": "7", "prioridades": ["b", "a", "c"], "lugar": "19.4 -99.1 0 0", "edad_meses": "360",
                         "inicio": "2025-03-01T14:00:00-06:00"})
        respond(survey, {"edad": "10", "edad_meses": "120"})
        return survey.id, question(survey, "edad_meses").id, question(survey, "correo").id

    survey, calc, correo = in_app(live_server, work)
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    for path, name in ((f"/encuestas/{survey}", "detail"), (f"/encuestas/{survey}?metadatos=1", "detail-meta"),
                       (f"/encuestas/{survey}/preguntas", "questions"), (f"/encuestas/{survey}/preguntas/{calc}", "readonly"),
                       (f"/encuestas/{survey}/preguntas/{correo}", "edit"), (f"/encuestas/{survey}/respuestas", "responses")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, axe_check, screenshot, f"staff-logic-{name}-{label}")
    assert csp_violations(page) == []
