"""The builder in Chromium (issue 18, item 10): a question moved with the keyboard (its handle focused, the
arrow keys) and by dragging keeps its new place after a reload; the condition editor offers the comparisons and
options of the chosen question; the questions page and the condition page have no serious axe-core problem,
on a desktop and on a phone, and the Content-Security-Policy blocks nothing."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, log_in
from tests.e2e.test_surveys import assert_accessible, in_app

pytestmark = pytest.mark.e2e

QUESTIONS = [
    {"name": "primera", "type": "select_one", "labels": {"es": "¿Asistió?"},
     "choices": [("si", {"es": "Sí"}, False), ("no", {"es": "No"}, False)]},
    {"name": "seccion", "type": "begin_group", "labels": {"es": "Sobre la sesión"}},
    {"name": "segunda", "type": "integer", "labels": {"es": "¿Cuántas horas?"}},
    {"type": "end_group"},
    {"name": "tercera", "type": "text", "labels": {"es": "Comentarios"}},
]


def _survey(live_server) -> tuple[int, int]:
    def work():
        from tests.factories import make_survey

        survey = make_survey(questions=QUESTIONS, languages=["es"])
        return survey.id, next(q.id for q in survey.questions if q.name == "tercera")

    return in_app(live_server, work)


def _order(page) -> list[str]:
    return page.eval_on_selector_all("#lista-preguntas > li", "items => items.map(li => li.dataset.type + ':' + "
                                     "li.dataset.title)")


def test_a_question_moved_with_the_keyboard_keeps_its_place(live_server, page, csp_violations):
    expect = _expect()
    survey, _ = _survey(live_server)
    log_in(page, live_server.create_user(role="staff", name="Personal"))
    page.goto(f"/encuestas/{survey}/preguntas")
    handle = page.get_by_role("button", name="Mover «Comentarios» (flechas arriba y abajo)")
    handle.focus()
    page.keyboard.press("ArrowUp")  # into the section, at its end
    expect(page.locator("#orden-estado")).to_contain_text("Orden guardado.")
    assert page.evaluate("() => document.activeElement.closest('li').dataset.title") == "Comentarios"
    expect(page.locator("#orden-estado")).to_contain_text("en «Sobre la sesión»")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")  # out of the section, above it
    expect(page.locator("#orden-estado")).to_contain_text("lugar 2 de 4. Orden guardado.")
    page.reload()
    assert _order(page) == ["select_one:¿Asistió?", "text:Comentarios", "begin_group:Sobre la sesión",
                            "integer:¿Cuántas horas?", "end_group:"]
    # a section dragged moves with its questions
    page.locator("#lista-preguntas > li[data-type=begin_group] .builder-handle").drag_to(
        page.locator("#lista-preguntas > li").first, target_position={"x": 5, "y": 2})
    expect(page.locator("#orden-estado")).to_contain_text("Orden guardado.")
    page.reload()
    assert _order(page) == ["begin_group:Sobre la sesión", "integer:¿Cuántas horas?", "end_group:",
                            "select_one:¿Asistió?", "text:Comentarios"]
    assert csp_violations(page) == []


def test_the_condition_editor_offers_what_suits_the_chosen_question(live_server, page, csp_violations):
    expect = _expect()
    survey, tercera = _survey(live_server)
    log_in(page, live_server.create_user(role="staff", name="Personal"))
    page.goto(f"/encuestas/{survey}/preguntas/{tercera}/logica")
    row = page.locator(".builder-condition-row").first
    row.get_by_label("Pregunta").select_option("primera")
    operators = row.get_by_label("Comparación").locator("option").all_inner_texts()
    assert operators == ["Elija", "es la opción", "no es la opción", "tiene respuesta", "no tiene respuesta"]
    expect(row.get_by_label("Valor")).to_be_hidden()
    row.get_by_label("Comparación").select_option("eq")
    row.get_by_label("Opción").select_option("primera::si")
    page.get_by_role("button", name="Guardar condición").click()
    expect(page.get_by_text("Condición guardada.")).to_be_visible()
    expect(page.locator("code", has_text="${primera} = 'si'")).to_be_visible()
    row = page.locator(".builder-condition-row").nth(1)
    row.get_by_label("Pregunta").select_option("segunda")
    assert "es mayor o igual que" in row.get_by_label("Comparación").locator("option").all_inner_texts()
    expect(row.get_by_label("Opción")).to_be_hidden()
    assert csp_violations(page) == []


@pytest.mark.parametrize("viewport", ["page", "phone_page"])
def test_the_builder_pages_are_accessible(live_server, viewport, request, axe_check, screenshot):
    expect = _expect()
    page = request.getfixturevalue(viewport)
    label = "desktop" if viewport == "page" else "phone"
    survey, tercera = _survey(live_server)
    log_in(page, live_server.create_user(role="admin", name="Administración"))
    for path, name in ((f"/encuestas/{survey}/preguntas", "questions"),
                       (f"/encuestas/{survey}/preguntas/{tercera}/logica", "logic")):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        for details in page.locator("details.builder-more").all()[:2]:
            details.locator("summary").click()
        assert_accessible(page, axe_check, screenshot, f"builder-{name}-{label}")
