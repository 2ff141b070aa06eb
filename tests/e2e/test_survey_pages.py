"""Pages, a geopoint typed by hand and a likert grid on a phone (issue 14, item 3), each with JavaScript and
without (plain POSTs either way); axe in the JavaScript variant; no CSP violation."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import _expect, describe_violations
from tests.e2e.test_survey_logic import SCRIPT, labels, make_logic_survey, phone, stored_answers

SCALE = [("1", labels("Nada"), False), ("2", labels("Poco"), False), ("3", labels("Mucho"), False)]


def two_pages() -> list[dict]:
    return [
        {"type": "begin_group", "name": "datos", "labels": labels("Sus datos"), "appearance": "field-list"},
        {"name": "nombre", "type": "text", "required": True, "labels": labels("Nombre")},
        {"type": "end_group", "name": "fin_datos"},
        {"type": "begin_group", "name": "cierre", "labels": labels("Para terminar"), "appearance": "field-list"},
        {"name": "comentarios", "type": "text", "labels": labels("Comentarios")},
        {"type": "end_group", "name": "fin_cierre"},
    ]


@pytest.mark.parametrize("script", SCRIPT)
def test_two_page_field_list_form(live_server, new_page, csp_violations, axe_check, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, two_pages())
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    page.get_by_role("button", name="Siguiente").click()  # next validates the page
    expect(page.get_by_text("Página 1 de 2")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Responda esta pregunta.")
    page.get_by_label("Nombre").fill("Ana")
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_text("Página 2 de 2")).to_be_visible()
    page.get_by_label("Comentarios").fill("Muy útil")
    if script:
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    page.get_by_role("button", name="Anterior").click()  # back keeps the answers
    expect(page.get_by_label("Nombre")).to_have_value("Ana")
    page.get_by_role("button", name="Siguiente").click()
    expect(page.get_by_label("Comentarios")).to_have_value("Muy útil")
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"nombre": "Ana", "comentarios": "Muy útil"}]
    assert csp_violations(page) == []


@pytest.mark.parametrize("script", SCRIPT)
def test_geopoint_typed_by_hand(live_server, new_page, csp_violations, axe_check, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, [
        {"name": "lugar", "type": "geopoint", "required": True, "labels": labels("¿Dónde está la casilla?")}])
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    locate = page.get_by_role("button", name="Usar mi ubicación")
    if script:
        expect(locate).to_be_visible()
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    else:
        expect(locate).to_be_hidden()
    page.get_by_label("Latitud").fill("19.4326")
    page.get_by_label("Longitud").fill("-99.1332")
    page.get_by_label("Precisión en metros (opcional)").fill("15")
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"lugar": "19.4326 -99.1332 0 15"}]
    assert csp_violations(page) == []


@pytest.mark.parametrize("script", SCRIPT)
def test_likert_and_table_list_grid(live_server, new_page, csp_violations, axe_check, script):
    expect = _expect()
    survey_id, token = make_logic_survey(live_server, [
        {"name": "escala", "type": "select_one", "appearance": "likert", "labels": labels("¿Le gustó?"),
         "choices": SCALE},
        {"type": "begin_group", "name": "tabla", "labels": labels("Califique"), "appearance": "table-list"},
        {"name": "sede", "type": "select_one", "labels": labels("La sede"), "choices": SCALE},
        {"name": "horario", "type": "select_one", "labels": labels("El horario"), "choices": SCALE},
        {"type": "end_group", "name": "fin_tabla"},
    ])
    page = phone(new_page, script)
    page.goto(f"/r/{token}")
    sede = page.get_by_role("group", name="La sede")
    expect(sede.get_by_label("Mucho")).to_be_visible()  # stacked on a phone: each option with its label
    if script:
        problems = axe_check(page)
        assert not problems, describe_violations(problems)
    page.get_by_role("group", name="¿Le gustó?").get_by_label("Poco").check()
    sede.get_by_label("Mucho").check()
    page.get_by_role("group", name="El horario").get_by_label("Nada").check()
    page.get_by_role("button", name="Enviar respuestas").click()
    expect(page.get_by_role("heading", name="Gracias por responder")).to_be_visible()
    assert stored_answers(live_server, survey_id) == [{"escala": "2", "sede": "3", "horario": "1"}]
    assert csp_violations(page) == []
